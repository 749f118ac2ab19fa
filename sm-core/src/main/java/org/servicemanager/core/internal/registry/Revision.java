package org.servicemanager.core.internal.registry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter of registry changes. Whatever is derived from the registry (the OSB catalogs per
 * platform) is cached under the revision it was computed at, so a change makes every older entry
 * unreachable at once. Thread-safe.
 */
public final class Revision {
    private final AtomicLong value = new AtomicLong();

    public long current() {
        return value.get();
    }

    public void bump() {
        value.incrementAndGet();
    }
}
