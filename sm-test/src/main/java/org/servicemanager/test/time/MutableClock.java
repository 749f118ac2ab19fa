package org.servicemanager.test.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UTC clock that stands still until a test moves it, or that moves by a fixed tick at every
 * reading ({@link #ticking}), so that a deadline passes after a known number of polls without
 * sleeping. Thread-safe: the test thread moves it while server threads read it.
 */
public final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;
    private final Duration tick;

    /** A clock standing at {@code start}. */
    public MutableClock(Instant start) {
        this(start, Duration.ZERO);
    }

    private MutableClock(Instant start, Duration tick) {
        this.now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
        this.tick = tick;
    }

    /**
     * A clock at {@code start} that moves on by {@code tick} after every reading of
     * {@link #instant()}: the first reading is {@code start}, the next {@code start + tick}.
     */
    public static MutableClock ticking(Instant start, Duration tick) {
        Objects.requireNonNull(tick, "tick");
        if (tick.isNegative()) {
            throw new IllegalArgumentException("tick must not be negative, was " + tick);
        }
        return new MutableClock(start, tick);
    }

    /** Moves the clock forward (or back, for a negative duration) by {@code duration}. */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        now.updateAndGet(instant -> instant.plus(duration));
    }

    /** Sets the clock to {@code instant}. */
    public void set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** This clock itself: a moved copy in another zone would go out of step with the test. */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return tick.isZero() ? now.get() : now.getAndUpdate(instant -> instant.plus(tick));
    }
}
