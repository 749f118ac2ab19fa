package org.servicemanager.core.internal.security;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Reports failed logins without letting a flood of them flood the log: up to {@value #BURST}
 * lines per minute name the user and the source, and the failures beyond that are counted and
 * reported in one line with the next failure that may be logged. User names are shown sanitized
 * (printable characters only, at most {@value #MAX_NAME} of them) so that a crafted name cannot
 * forge log lines; passwords are never given to this class. Thread-safe.
 */
final class FailedLogins {
    static final int BURST = 10;
    static final int MAX_NAME = 64;
    private static final long WINDOW_NANOS = Duration.ofMinutes(1).toNanos();

    private final Consumer<String> sink;
    private final LongSupplier nanoTime;
    private long windowStart;
    private int loggedInWindow;
    private long suppressed;

    /** Reports to {@code sink} (a WARN logger in production), timed by {@code nanoTime}. */
    FailedLogins(Consumer<String> sink, LongSupplier nanoTime) {
        this.sink = sink;
        this.nanoTime = nanoTime;
        this.windowStart = nanoTime.getAsLong();
    }

    /**
     * Records one failed login.
     *
     * @param username the claimed user name, or {@code null} when the credentials had none
     * @param source   the client's address, or {@code null} when unknown
     * @param reason   why it failed, in our words (never the client's text)
     */
    void failed(String username, String source, String reason) {
        String line;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (now - windowStart >= WINDOW_NANOS) {
                windowStart = now;
                loggedInWindow = 0;
            }
            if (loggedInWindow >= BURST) {
                suppressed++;
                return;
            }
            loggedInWindow++;
            line = "failed login" + (username == null ? "" : " for user '" + sanitize(username) + "'")
                    + " from " + (source == null ? "an unknown source" : sanitize(source)) + ": " + reason
                    + (suppressed == 0 ? "" : " (" + suppressed + " more failed logins were not logged)");
            suppressed = 0;
        }
        sink.accept(line);
    }

    /** Printable ASCII only, shortened: the name is the client's text and goes into a log line. */
    static String sanitize(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_NAME + 3));
        for (int i = 0; i < value.length() && out.length() < MAX_NAME; i++) {
            char c = value.charAt(i);
            out.append(c >= 0x20 && c < 0x7F && c != '\'' ? c : '?');
        }
        if (value.length() > MAX_NAME) {
            out.append("...");
        }
        return out.toString();
    }
}
