package org.servicemanager.core.internal.revision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.servicemanager.core.ServiceManagerMetrics;

/**
 * Values derived from the registry, one per key, each tagged with the {@link Revision} it was
 * read at and read again once the revision has moved on. So a registry change is seen by the
 * next read, and older copies do not linger. Values also expire a while after they were read,
 * for writes made around the Service Manager. A {@code null} read (nothing there) is not
 * cached, so keys that name nothing cannot crowd out the others.
 *
 * <p>A key is read once per revision however many callers ask at once: the first caller reads,
 * the others wait for its value (a read of a large broker takes seconds, and every OSB call of
 * the moment after a registry write would otherwise read it again). A read that fails fails for
 * the callers waiting on it and is not kept: the next caller reads again. Thread-safe.
 */
public final class RevisionCache<K, V> implements ServiceManagerMetrics.CacheStatistics {
    private record Entry<V>(long revision, V value) {
    }

    /** A read under way for one key at one revision. */
    private record Flight<V>(long revision, CompletableFuture<V> value) {
    }

    private final String name;
    private final Revision revision;
    private final Cache<K, Entry<V>> cache;
    // Counted always: two uncontended adds per look-up cost less than a check whether anyone reads them.
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    /** At most one read per key, the one for the newest revision asked for; removed when it ends. */
    private final ConcurrentHashMap<K, Flight<V>> flights = new ConcurrentHashMap<>();

    /**
     * @param name          a short stable name for metrics, e.g. {@code osb.catalog}
     * @param maximumWeight the bound, in the units of {@code weigher}
     * @param weigher       a value's weight, e.g. its rough size in bytes
     * @param expiry        how long a value may be kept at all
     */
    public RevisionCache(String name, Revision revision, long maximumWeight, ToIntFunction<V> weigher,
            Duration expiry) {
        this.name = name;
        this.revision = revision;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maximumWeight)
                .weigher((K key, Entry<V> entry) -> weigher.applyAsInt(entry.value()))
                .expireAfterWrite(expiry)
                .build();
        revision.register(this);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long hits() {
        return hits.sum();
    }

    @Override
    public long misses() {
        return misses.sum();
    }

    @Override
    public long size() {
        return cache.estimatedSize();
    }

    /**
     * The value read at the current revision, reading it now if need be (or waiting for the read
     * another caller started at this revision); {@code null} if {@code read} gives none.
     *
     * @throws RuntimeException what {@code read} threw, to every caller that waited for that read
     */
    public V get(K key, Supplier<V> read) {
        long now = revision.current();
        Entry<V> entry = cache.getIfPresent(key);
        if (entry != null && entry.revision() == now) {
            hits.increment();
            return entry.value();
        }
        misses.increment();
        Flight<V> mine = new Flight<>(now, new CompletableFuture<>());
        // A read for an older revision is replaced (its own callers still get its value); one for
        // a newer revision than this caller's is joined, since it is at least as fresh.
        Flight<V> flight = flights.compute(key, (k, running) -> running != null && running.revision() >= now
                ? running : mine);
        if (flight != mine) {
            return await(flight.value());
        }
        try {
            // A read at this revision may have ended between the look-up above and taking the flight.
            Entry<V> done = cache.getIfPresent(key);
            V value = done != null && done.revision() == now ? done.value() : read.get();
            store(key, now, value);
            mine.value().complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.value().completeExceptionally(e);
            throw e;
        } finally {
            flights.remove(key, mine);
        }
    }

    /** Keeps what was read, unless a read for a newer revision has already stored its value. */
    private void store(K key, long readAt, V value) {
        cache.asMap().compute(key, (k, current) -> {
            if (current != null && current.revision() > readAt) {
                return current;
            }
            return value == null ? null : new Entry<>(readAt, value);
        });
    }

    private static <V> V await(CompletableFuture<V> value) {
        try {
            return value.join();
        } catch (CompletionException e) {
            // The reader's own exception, as the reader saw it.
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }
}
