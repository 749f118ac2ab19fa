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
import org.servicemanager.core.internal.tenancy.Tenancy;

/**
 * What every resource handler needs. Broker credentials are stored sealed by {@code secrets} and
 * opened only to call the broker. Timestamps are cut to microseconds because that is what
 * databases keep: an entity must read back exactly as it was written, whatever the store.
 * {@code maxCatalogPlans} bounds the catalog a broker may register. {@code platformChanges} is told
 * when platforms are deleted or get new credentials. {@code tenancy} holds the multitenancy and
 * protected-label rules ({@link Tenancy#OFF} when not configured).
 */
public record Context(Store store, Clock clock, BrokerClient brokers, BrokerSecrets secrets, Supplier<String> ids,
        String version, Revision revision, int maxCatalogPlans, PlatformChanges platformChanges, Tenancy tenancy) {

    /**
     * Told after a platform was deleted or got new credentials, so that what was opened with the
     * old state (the node's notification streams) is closed at once rather than at the next
     * periodic check. A callback, not the hub itself, so the registry need not know the streams.
     * Implementations must not throw: the change is committed already.
     */
    public interface PlatformChanges {
        /** Platform {@code platformId} was deleted or got new credentials. */
        void changed(String platformId);

        /** Platforms not known by id were deleted (a bulk delete by query). */
        void anyChanged();
    }

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
