package org.servicemanager.core.internal.revision;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManagerMetrics;

/**
 * A counter of registry changes. Whatever is derived from the registry (the OSB catalogs per
 * platform) is cached under the revision it was computed at, so a change makes every older entry
 * unreachable at once.
 *
 * <p>The value is the sum of two counters that never decrease, so it grows whenever either grows:
 * this node's own count of successful registry writes (bumped at once, so a node always sees its own
 * changes), and, on a {@link Store#isClustered() clustered} store, the store's
 * {@link Store#changeRevision()}, which counts every node's committed registry writes. The store's
 * value is read at most once per 250 ms, so other nodes'
 * changes show here within that interval, well inside the one second the design allows, without a
 * database round trip per catalog request. A store that is not clustered has no other writer to
 * hear from and is never asked. Thread-safe.
 */
public final class Revision {
    /** How long a read of the store's revision is trusted. */
    static final long STORE_READ_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final AtomicLong local = new AtomicLong();
    /** The store to ask, or {@code null} when it is not clustered. */
    private final Store store;
    private final LongSupplier nanoTime;
    /** The store's revision as last read, and when; {@code null} until the first read. */
    private volatile StoreRead lastRead;
    /** The caches that depend on this revision, for {@code ServiceManager.cacheStatistics()}. */
    private final List<ServiceManagerMetrics.CacheStatistics> caches = new CopyOnWriteArrayList<>();

    private record StoreRead(long revision, long readAtNanos) {
    }

    public Revision(Store store) {
        this(store, System::nanoTime);
    }

    Revision(Store store, LongSupplier nanoTime) {
        this.store = store.isClustered() ? store : null;
        this.nanoTime = nanoTime;
    }

    /** @throws RuntimeException what the store throws when its revision cannot be read */
    public long current() {
        return local.get() + storeRevision();
    }

    public void bump() {
        local.incrementAndGet();
    }

    void register(ServiceManagerMetrics.CacheStatistics cache) {
        caches.add(cache);
    }

    /** Every cache made on this revision, in the order made. */
    public List<ServiceManagerMetrics.CacheStatistics> caches() {
        return List.copyOf(caches);
    }

    private long storeRevision() {
        if (store == null) {
            return 0;
        }
        StoreRead read = lastRead;
        if (read != null && nanoTime.getAsLong() - read.readAtNanos() < STORE_READ_INTERVAL_NANOS) {
            return read.revision();
        }
        synchronized (this) {
            read = lastRead;
            // Taken before the read: the value read is at least as new as this moment.
            long now = nanoTime.getAsLong();
            if (read != null && now - read.readAtNanos() < STORE_READ_INTERVAL_NANOS) {
                return read.revision();
            }
            long revision = store.changeRevision();
            // Never step back, so that a key once left behind is never used again.
            StoreRead fresh = new StoreRead(read == null ? revision : Math.max(revision, read.revision()), now);
            lastRead = fresh;
            return fresh.revision();
        }
    }
}
