package org.servicemanager.core.internal.registry;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Supplier;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.broker.BrokerClient;
import org.servicemanager.core.internal.revision.Revision;
import org.servicemanager.core.internal.security.BrokerSecrets;

/**
 * What every resource handler needs. Broker credentials are stored sealed by {@code secrets} and
 * opened only to call the broker. Timestamps are cut to microseconds because that is what
 * databases keep: an entity must read back exactly as it was written, whatever the store.
 * {@code maxCatalogPlans} bounds the catalog a broker may register.
 */
public record Context(Store store, Clock clock, BrokerClient brokers, BrokerSecrets secrets, Supplier<String> ids,
        String version, Revision revision, int maxCatalogPlans) {

    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    public String newId() {
        return ids.get();
    }

    public static Supplier<String> randomIds() {
        return () -> UUID.randomUUID().toString();
    }
}
