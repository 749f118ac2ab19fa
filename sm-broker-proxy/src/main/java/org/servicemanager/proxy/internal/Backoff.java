package org.servicemanager.proxy.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with jitter: attempt {@code n} waits between half and all of
 * {@code min * 2^n}, never more than {@code max}. The jitter spreads the reconnects of many
 * proxies after a Service Manager restart; the lower half keeps the growth real. Thread-safe if
 * the random generator is.
 */
public final class Backoff {
    private final Duration min;
    private final Duration max;
    private final RandomGenerator random;

    public Backoff(Duration min, Duration max, RandomGenerator random) {
        this.min = Objects.requireNonNull(min, "min");
        this.max = Objects.requireNonNull(max, "max");
        this.random = Objects.requireNonNull(random, "random");
        if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < min <= max, was min " + min + ", max " + max);
        }
    }

    /** How long to wait before attempt {@code attempt} (0 = the first retry). */
    public Duration delay(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must not be negative, was " + attempt);
        }
        long minNanos = min.toNanos();
        long maxNanos = max.toNanos();
        // Doubling stops at the cap; 62 shifts would overflow a long anyway.
        long ceiling = attempt >= 62 || minNanos > (maxNanos >> Math.min(attempt, 62))
                ? maxNanos : Math.min(maxNanos, minNanos << attempt);
        long half = ceiling / 2;
        return Duration.ofNanos(half + (ceiling - half == 0 ? 0 : random.nextLong(ceiling - half + 1)));
    }
}
