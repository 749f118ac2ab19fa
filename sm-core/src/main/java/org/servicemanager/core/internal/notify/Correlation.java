package org.servicemanager.core.internal.notify;

import java.util.function.Supplier;

/**
 * The correlation id of the request whose work runs on this thread, so that the notifications a
 * write produces carry it without every write site passing it down to the store. The request
 * pipeline sets it around a handler; work that continues on another thread (after a broker
 * answered) sets it again there. Thread-confined by construction.
 */
public final class Correlation {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private Correlation() {
    }

    /** Runs {@code work} with {@code correlationId} as the current id, then restores the previous one. */
    public static <R> R with(String correlationId, Supplier<R> work) {
        String previous = CURRENT.get();
        CURRENT.set(correlationId);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** The current correlation id, or {@code null} for work outside a request (a scheduled sweep). */
    public static String current() {
        return CURRENT.get();
    }
}
