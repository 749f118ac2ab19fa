package org.servicemanager.proxy.cf;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that moves only when told to, or by {@code tick} at every reading (so that a deadline
 * passes after a known number of polls without sleeping). Thread-safe.
 */
final class TestClock extends Clock {
    private Instant now = Instant.parse("2026-11-29T08:00:00Z");
    private final Duration tick;

    TestClock(Duration tick) {
        this.tick = tick;
    }

    synchronized void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public synchronized Instant instant() {
        Instant read = now;
        now = now.plus(tick);
        return read;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("fixed to UTC");
    }
}
