package org.servicemanager.core.internal.stream;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.servicemanager.api.model.Notification;
import org.servicemanager.core.internal.notify.NotifyingStore;
import org.servicemanager.core.internal.revision.Revision;
import org.servicemanager.core.internal.revision.RevisionCache;

/**
 * The ids of the plans each platform may see now (the same set the REST API and the OSB catalog
 * use), to cut broker notifications down to them. Read once per platform and registry
 * {@link Revision}, like the OSB catalog.
 *
 * <p>The registry revision alone could lag behind the notifications: another node's change shows
 * in it up to 250 ms late, and even this node bumps it only after the commit that made the
 * notification readable. A broker notification cut with plans read before a visibility change
 * that came earlier in the log would tell the proxy a broker without a plan it may see, and the
 * proxy would drop that plan until its next resync. So the key also holds the highest revision of
 * a visibility notification read so far (by the poller or a replay, both in revision order): a set
 * used for a broker notification was read after every visibility change before it was committed.
 * Thread-safe.
 */
final class VisiblePlans {
    /** Plan ids are short: a rough weight per id, for the cache's bound. */
    private static final int BYTES_PER_ID = 64;

    private record Key(String platformId, long visibilityMark) {
    }

    private final Function<String, Set<String>> read;
    private final RevisionCache<Key, Set<String>> cache;
    /** The highest revision of a visibility notification read so far; only grows. */
    private final AtomicLong visibilityMark = new AtomicLong(-1);

    /** @param read the ids of the plans a platform may see, read from the store */
    VisiblePlans(Revision revision, Function<String, Set<String>> read) {
        this.read = Objects.requireNonNull(read, "read");
        this.cache = new RevisionCache<>("notifications.visible_plans", Objects.requireNonNull(revision, "revision"), 32L * 1024 * 1024,
                ids -> BYTES_PER_ID * (1 + ids.size()), Duration.ofMinutes(1));
    }

    /** Notes a notification before its frames are made: a visibility's moves the mark on. */
    void observe(Notification n) {
        if (NotifyingStore.VISIBILITIES.equals(n.resource()) && n.revision() > visibilityMark.get()) {
            visibilityMark.accumulateAndGet(n.revision(), Math::max);
        }
    }

    /** The highest revision of a visibility notification read so far ({@code -1}: none). */
    long visibilityMark() {
        return visibilityMark.get();
    }

    /** @throws RuntimeException what the store throws when the visibilities cannot be read */
    Set<String> of(String platformId) {
        Key key = new Key(platformId, visibilityMark.get());
        return cache.get(key, () -> Set.copyOf(read.apply(platformId)));
    }
}
