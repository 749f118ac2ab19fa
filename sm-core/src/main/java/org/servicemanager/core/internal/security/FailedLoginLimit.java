package org.servicemanager.core.internal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.servicemanager.api.TooManyRequestsException;

/**
 * Slows down password guessing. Failed logins are counted per (claimed user name, source address)
 * pair and per source address as a whole (spraying many names); IPv6 sources count by their /64,
 * which one client usually holds entirely. Once a pair had {@code perWindow} failures in a window,
 * or a source {@value #SOURCE_FACTOR} times as many (so that one user's typing errors do not slow
 * everyone behind the same address), it is <em>throttled</em>: only one credential check per interval ({@code window /
 * perWindow}, at least one second) is made for it, and every other attempt is refused by
 * {@link #before} with 429 and {@code Retry-After} before anything is hashed (and is not counted).
 * A client that honours {@code Retry-After} therefore still gets in with the right password, while
 * a guesser gets one guess per interval. A throttled key recovers after a whole window without a
 * failure. The same user from another address, and other users, are untouched by a pair's
 * throttling; a user name failing from many addresses is never refused (that would let anyone lock
 * a user out), only reported once per window to {@code warn}.
 *
 * <p>Counters live in bounded caches ({@code maxKeys} entries each, expiring a window after their
 * last change), so a flood of invented names or addresses costs bounded memory; an evicted counter
 * simply starts again. Thread-safe.
 */
public final class FailedLoginLimit {
    /** Entries per cache; a counter is about a hundred bytes, its key at most {@value #MAX_KEY} characters more. */
    public static final int DEFAULT_MAX_KEYS = 100_000;
    /** Longer user names are shortened as keys, or invented names of kilobytes would make the bound meaningless. */
    static final int MAX_KEY = 128;
    /** A source as a whole may fail this many times more often than one user name from it. */
    static final int SOURCE_FACTOR = 10;
    private static final String FROM_SOURCE = "from this address";
    private static final String FROM_PAIR = "for this user name from this address";
    private static final long SECOND = 1_000_000_000L;
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    private final int perWindow;
    private final int perSourceWindow;
    private final long windowNanos;
    private final long intervalNanos;
    private final Ticker ticker;
    private final Consumer<String> warn;
    private final Cache<String, Counter> byPair;
    private final Cache<String, Counter> bySource;
    private final Cache<String, Counter> byUser;

    /**
     * @param start     when the counting window began
     * @param failures  failures since {@code start}
     * @param last      the latest failure
     * @param nextCheck when a throttled key may next be checked
     */
    private record Counter(long start, int failures, long last, long nextCheck) {
    }

    /**
     * @param perWindow failed logins allowed per pair and per source address in one window
     * @param window    the length of a window
     * @param maxKeys   most pairs (and, separately, addresses and user names) remembered
     * @param ticker    the time source, in nanoseconds
     * @param warn      told once per window about a user name over the limit across addresses
     */
    public FailedLoginLimit(int perWindow, Duration window, int maxKeys, Ticker ticker, Consumer<String> warn) {
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
        this.perSourceWindow = (int) Math.min(Integer.MAX_VALUE, (long) perWindow * SOURCE_FACTOR);
        this.windowNanos = window.toNanos();
        this.intervalNanos = Math.max(SECOND, windowNanos / perWindow);
        this.ticker = ticker;
        this.warn = warn;
        this.byPair = cache(window, maxKeys, ticker);
        this.bySource = cache(window, maxKeys, ticker);
        this.byUser = cache(window, maxKeys, ticker);
    }

    private static Cache<String, Counter> cache(Duration window, int maxKeys, Ticker ticker) {
        // Maintenance on the calling thread: no background work, and tests see the bound at once.
        return Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(window).ticker(ticker)
                .executor(Runnable::run).build();
    }

    /**
     * To be called before credentials are checked (before any hashing): lets the check go ahead,
     * or refuses it when the pair or the source is throttled and its one check per interval was
     * already made. A check let through on a throttled key uses up that key's interval.
     *
     * @param username the claimed user name, or {@code null} when the credentials name nobody (a
     *                 bearer token): then only the source is looked at
     * @param source   the client's address, or {@code null} when unknown
     * @throws TooManyRequestsException with the seconds until the next check is made
     */
    public void before(String username, String source) {
        long now = ticker.read();
        String address = source == null ? null : sourceKey(source);
        String pair = username == null ? null : pairKey(username, address);
        long pairWait = pair == null ? 0 : wait(byPair, pair, now);
        long sourceWait = address == null ? 0 : wait(bySource, address, now);
        if (pairWait == 0 && sourceWait == 0) {
            // Reserve the interval; a concurrent attempt that got there first wins, and this one waits.
            pairWait = pair == null ? 0 : reserve(byPair, pair, now);
            sourceWait = address == null ? 0 : reserve(bySource, address, now);
        }
        if (pairWait > 0 || sourceWait > 0) {
            refuse(pairWait >= sourceWait ? FROM_PAIR : FROM_SOURCE, Math.max(pairWait, sourceWait));
        }
    }

    private static String pairKey(String username, String address) {
        return key(username) + "\n" + (address == null ? "-" : address);
    }

    /**
     * A check found the credentials wrong (or they were unusable): counts it against the pair, the
     * source and the user name. Never refuses: the check was already made.
     */
    public void failed(String username, String source) {
        long now = ticker.read();
        String address = source == null ? null : sourceKey(source);
        if (username != null) {
            String user = key(username);
            count(byPair, pairKey(username, address), now);
            Counter counter = count(byUser, user, now);
            if (counter.failures() == perWindow) {
                warn.accept("user name '" + FailedLogins.sanitize(username) + "' reached " + perWindow
                        + " failed logins within " + describe(windowNanos) + " (from all addresses together); "
                        + "it is never refused as a whole, which would lock the user out");
            }
        }
        if (address != null) {
            count(bySource, address, now);
        }
    }

    /** The right credentials from {@code source}: the pair's own mistakes are forgiven, the source's are not. */
    public void succeeded(String username, String source) {
        if (username != null) {
            byPair.invalidate(pairKey(username, source == null ? null : sourceKey(source)));
        }
    }

    private void refuse(String which, long waitNanos) {
        int retryAfter = (int) Math.max(1, (waitNanos + SECOND - 1) / SECOND);
        throw new TooManyRequestsException("too many failed logins " + which + " (the limit is "
                + (which.equals(FROM_SOURCE) ? perSourceWindow : perWindow) + " per " + describe(windowNanos)
                + "): only one login is checked every " + describe(intervalNanos) + "; retry after " + retryAfter
                + " seconds", retryAfter);
    }

    private boolean throttled(Cache<String, Counter> cache, Counter counter, long now) {
        return counter.failures() >= limit(cache) && now - counter.last() < windowNanos;
    }

    private int limit(Cache<String, Counter> cache) {
        return cache == bySource ? perSourceWindow : perWindow;
    }

    /** How long until {@code key} may be checked again; 0 when now. */
    private long wait(Cache<String, Counter> cache, String key, long now) {
        Counter counter = cache.getIfPresent(key);
        return counter == null || !throttled(cache, counter, now) ? 0 : Math.max(0, counter.nextCheck() - now);
    }

    /** Takes a throttled key's next check; the wait when another attempt took it first, else 0. */
    private long reserve(Cache<String, Counter> cache, String key, long now) {
        long[] wait = {0};
        cache.asMap().computeIfPresent(key, (k, counter) -> {
            if (!throttled(cache, counter, now)) {
                return counter;
            }
            if (counter.nextCheck() > now) {
                wait[0] = counter.nextCheck() - now;
                return counter;
            }
            return new Counter(counter.start(), counter.failures(), counter.last(), now + intervalNanos);
        });
        return wait[0];
    }

    /** Counts a failure; once over the limit, the next check is an interval after it. */
    private Counter count(Cache<String, Counter> cache, String key, long now) {
        return cache.asMap().compute(key, (k, counter) -> {
            boolean fresh = counter == null || !throttled(cache, counter, now) && now - counter.start() >= windowNanos;
            long start = fresh ? now : counter.start();
            int failures = fresh ? 1 : counter.failures() == Integer.MAX_VALUE ? Integer.MAX_VALUE
                    : counter.failures() + 1;
            long nextCheck = failures >= limit(cache) ? now + intervalNanos : fresh ? now : counter.nextCheck();
            return new Counter(start, failures, now, nextCheck);
        });
    }

    /**
     * A bounded key for a client-chosen text. Two long names sharing a key only share a counter:
     * at worst one's guesses are slowed a little earlier.
     */
    static String key(String text) {
        return text.length() <= MAX_KEY ? text
                : text.substring(0, MAX_KEY - 12) + "#" + Integer.toHexString(text.hashCode()) + "#" + text.length();
    }

    /**
     * The counter key of a source address: an IPv6 address by its /64 (a client usually has all
     * of it, and could otherwise take a fresh address for every guess), anything else as it is.
     */
    static String sourceKey(String source) {
        String address = source.startsWith("[") && source.endsWith("]") ? source.substring(1, source.length() - 1)
                : source;
        int zone = address.indexOf('%');
        if (zone >= 0) {
            address = address.substring(0, zone);
        }
        // Only literals are parsed, so this never asks DNS.
        if (address.indexOf(':') < 0 || !IPV6_LITERAL.matcher(address).matches()) {
            return key(source);
        }
        try {
            InetAddress parsed = InetAddress.getByName(address);
            if (!(parsed instanceof Inet6Address)) {
                return parsed.getHostAddress(); // an IPv4-mapped address is its IPv4 address
            }
            byte[] bytes = parsed.getAddress();
            StringBuilder prefix = new StringBuilder(24);
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
            }
            return prefix.append(":/64").toString();
        } catch (UnknownHostException e) {
            return key(source);
        }
    }

    /** Pairs, addresses and user names remembered (for tests of the memory bound). */
    long remembered() {
        byPair.cleanUp();
        bySource.cleanUp();
        byUser.cleanUp();
        return byPair.estimatedSize() + bySource.estimatedSize() + byUser.estimatedSize();
    }

    private static String describe(long nanos) {
        long seconds = Duration.ofNanos(nanos).toSeconds();
        return seconds >= 1 ? seconds + " seconds" : Duration.ofNanos(nanos).toMillis() + " milliseconds";
    }
}
