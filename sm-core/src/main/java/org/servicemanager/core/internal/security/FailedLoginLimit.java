package org.servicemanager.core.internal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import org.servicemanager.api.TooManyRequestsException;

/**
 * Counts failed logins per claimed user name and per source address in fixed windows, and refuses
 * a further wrong guess (429) once either count reached the limit in the current window. It is
 * only ever asked after a password turned out wrong: correct credentials are never refused, so
 * nobody can lock a user or a whole address out by guessing. Counters live in two bounded caches
 * ({@code maxKeys} entries each, expiring a window after their last change), so a flood of
 * invented names or addresses costs bounded memory; an evicted counter simply starts again.
 * Thread-safe.
 */
public final class FailedLoginLimit {
    /** Entries per cache; a counter is about a hundred bytes, its key at most {@value #MAX_KEY} characters more. */
    public static final int DEFAULT_MAX_KEYS = 100_000;
    /** Longer user names are shortened as keys, or invented names of kilobytes would make the bound meaningless. */
    static final int MAX_KEY = 128;

    private final int perWindow;
    private final long windowNanos;
    private final Ticker ticker;
    private final Cache<String, Window> byUser;
    private final Cache<String, Window> bySource;

    private record Window(long startNanos, int failures) {
    }

    /**
     * @param perWindow failed logins allowed per user name and per source address in one window
     * @param window    the length of a window
     * @param maxKeys   most user names (and, separately, most addresses) remembered
     * @param ticker    the time source, in nanoseconds
     */
    public FailedLoginLimit(int perWindow, Duration window, int maxKeys, Ticker ticker) {
        if (perWindow < 1) {
            throw new IllegalArgumentException("perWindow must be positive, was " + perWindow);
        }
        if (window == null || window.isNegative() || window.isZero() || window.toSeconds() > 86_400) {
            throw new IllegalArgumentException("window must be between 1 ns and 1 day, was " + window);
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be positive, was " + maxKeys);
        }
        this.perWindow = perWindow;
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        this.byUser = cache(window, maxKeys, ticker);
        this.bySource = cache(window, maxKeys, ticker);
    }

    private static Cache<String, Window> cache(Duration window, int maxKeys, Ticker ticker) {
        // Maintenance on the calling thread: no background work, and tests see the bound at once.
        return Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(window).ticker(ticker)
                .executor(Runnable::run).build();
    }

    /**
     * A wrong password (or unusable credentials) arrived: refuses it when the user name or the
     * source already used up its window, otherwise counts it against both.
     *
     * @param username the claimed user name, or {@code null} when the credentials had none
     * @param source   the client's address, or {@code null} when unknown
     * @throws TooManyRequestsException when over the limit; the failure is then not counted, so
     *     a refused flood does not push the window's end further out
     */
    public void failed(String username, String source) {
        long now = ticker.read();
        String user = username == null ? null : key(username);
        String address = source == null ? null : key(source);
        long userWait = user == null ? 0 : waitNanos(byUser, user, now);
        long sourceWait = address == null ? 0 : waitNanos(bySource, address, now);
        if (userWait > 0 || sourceWait > 0) {
            String which = userWait >= sourceWait ? "for this user name" : "from this address";
            int retryAfter = (int) Math.max(1, (Math.max(userWait, sourceWait) + 999_999_999L) / 1_000_000_000L);
            throw new TooManyRequestsException("too many failed logins " + which + ": the limit is " + perWindow
                    + " per " + describe(windowNanos) + "; retry after " + retryAfter + " seconds",
                    retryAfter);
        }
        if (user != null) {
            count(byUser, user, now);
        }
        if (address != null) {
            count(bySource, address, now);
        }
    }

    /**
     * A bounded key for a client-chosen text. Two long names sharing a key only share a counter:
     * at worst one's wrong guesses are refused a little earlier, never its right password.
     */
    static String key(String text) {
        return text.length() <= MAX_KEY ? text
                : text.substring(0, MAX_KEY - 12) + "#" + Integer.toHexString(text.hashCode()) + "#" + text.length();
    }

    /** How long until the key may fail again; 0 when it may now. */
    private long waitNanos(Cache<String, Window> cache, String key, long now) {
        Window window = cache.getIfPresent(key);
        if (window == null || now - window.startNanos() >= windowNanos || window.failures() < perWindow) {
            return 0;
        }
        return window.startNanos() + windowNanos - now;
    }

    private void count(Cache<String, Window> cache, String key, long now) {
        cache.asMap().compute(key, (k, window) -> window == null || now - window.startNanos() >= windowNanos
                ? new Window(now, 1)
                : new Window(window.startNanos(), window.failures() + 1));
    }

    /** User names and addresses remembered (for tests of the memory bound). */
    long remembered() {
        byUser.cleanUp();
        bySource.cleanUp();
        return byUser.estimatedSize() + bySource.estimatedSize();
    }

    private static String describe(long nanos) {
        long seconds = Duration.ofNanos(nanos).toSeconds();
        return seconds >= 1 ? seconds + " seconds" : Duration.ofNanos(nanos).toMillis() + " milliseconds";
    }
}
