package org.servicemanager.core.internal.stream;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.servicemanager.api.model.Notification;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.notify.NotifyingStore;
import org.servicemanager.core.internal.revision.Revision;
import org.servicemanager.core.internal.revision.RevisionCache;

/**
 * Keeps visibility notifications for every platform ({@code platform_id} null) within a tenant. Such
 * a notification carries its plan as JSON and its broker's id and name, so a platform of a tenant
 * gets it only when the plan's broker is one the tenant may use (global or its own), as its REST
 * lists, OSB catalog and broker notifications show it; global platforms get all of them. The
 * brokers are read once per platform, registry {@link Revision} and visibility mark (the same as
 * {@link VisiblePlans}'s, so a broker created before a visibility is known when the visibility's
 * notification is judged).
 *
 * <p>A notification whose broker no longer exists (the broker was deleted, taking its visibilities
 * along) cannot be attributed to a tenant any more and reaches global platforms only. Thread-safe.
 */
final class TenantBrokers {
    private record Key(String platformId, long visibilityMark) {
    }

    private static final int BYTES_PER_ID = 64;

    private final Function<String, Optional<Set<String>>> read;
    private final LongSupplier visibilityMark;
    private final RevisionCache<Key, Optional<Set<String>>> cache;

    /**
     * @param read the ids of the brokers a platform may use, read from the store; empty for a
     *             platform that may use every broker (a global one, or multitenancy off)
     */
    TenantBrokers(Revision revision, LongSupplier visibilityMark, Function<String, Optional<Set<String>>> read) {
        this.read = Objects.requireNonNull(read, "read");
        this.visibilityMark = Objects.requireNonNull(visibilityMark, "visibilityMark");
        this.cache = new RevisionCache<>("notifications.tenant_brokers", Objects.requireNonNull(revision, "revision"),
                4L * 1024 * 1024, ids -> BYTES_PER_ID * (1 + ids.map(Set::size).orElse(0)), Duration.ofMinutes(1));
    }

    /** Whether {@code n} is a visibility notification for every platform, which this filters. */
    static boolean concerns(Notification n) {
        return n.platformId() == null && NotifyingStore.VISIBILITIES.equals(n.resource());
    }

    /**
     * Whether platform {@code platformId} may get a public visibility notification of a plan of
     * broker {@code brokerId} ({@link #brokerId}; {@code null} when unknown).
     *
     * @throws RuntimeException what the store throws when the brokers cannot be read
     */
    boolean allows(String brokerId, String platformId) {
        Optional<Set<String>> usable = cache.get(new Key(platformId, visibilityMark.getAsLong()),
                () -> read.apply(platformId).map(Set::copyOf));
        if (usable.isEmpty()) {
            return true;
        }
        return brokerId != null && usable.get().contains(brokerId);
    }

    /** The id of the broker of the visibility's plan, from either side of the payload. */
    static String brokerId(Notification n) {
        JsonNode payload = Json.readTrusted(n.payload());
        for (String side : List.of("new", "old")) {
            JsonNode id = payload.path(side).path("additional").path("broker_id");
            if (id.isTextual()) {
                return id.asText();
            }
        }
        return null;
    }
}
