package org.servicemanager.core.internal.revision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Values derived from the registry, one per key, each tagged with the {@link Revision} it was
 * read at and read again once the revision has moved on. So a registry change is seen by the
 * next read, and older copies do not linger. Values also expire a while after they were read,
 * for writes made around the Service Manager. A {@code null} read (nothing there) is not
 * cached, so keys that name nothing cannot crowd out the others. Thread-safe.
 */
public final class RevisionCache<K, V> {
    private record Entry<V>(long revision, V value) {
    }

    private final Revision revision;
    private final Cache<K, Entry<V>> cache;

    /**
     * @param maximumWeight the bound, in the units of {@code weigher}
     * @param weigher       a value's weight, e.g. its rough size in bytes
     * @param expiry        how long a value may be kept at all
     */
    public RevisionCache(Revision revision, long maximumWeight, ToIntFunction<V> weigher, Duration expiry) {
        this.revision = revision;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maximumWeight)
                .weigher((K key, Entry<V> entry) -> weigher.applyAsInt(entry.value()))
                .expireAfterWrite(expiry)
                .build();
    }

    /** The value read at the current revision, reading it now if need be; {@code null} if {@code read} gives none. */
    public V get(K key, Supplier<V> read) {
        long now = revision.current();
        Entry<V> entry = cache.getIfPresent(key);
        if (entry != null && entry.revision() == now) {
            return entry.value();
        }
        V value = read.get();
        if (value == null) {
            cache.invalidate(key);
        } else {
            cache.put(key, new Entry<>(now, value));
        }
        return value;
    }
}
