package org.servicemanager.core.internal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.servicemanager.api.ServiceUnavailableException;

/**
 * Salted PBKDF2-HMAC-SHA256 password hashes in the self-describing form
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>} (base64). Verification is constant-time.
 *
 * <p>A slow hash on every request would make each authenticated call cost tens of milliseconds,
 * so successful and failed verifications are remembered for a few minutes, keyed by the stored
 * hash and a SHA-256 of the presented password: a changed credential has a new stored hash and so
 * never hits an old entry. The memo lives only in memory. Thread-safe.
 */
public final class PasswordHasher {
    /** For administrator passwords, chosen by people: OWASP's 2023 PBKDF2-SHA256 recommendation. */
    public static final int ADMIN_ITERATIONS = 600_000;
    /**
     * For generated platform passwords: 256 random bits cannot be guessed whatever the hash cost, so
     * the work factor only needs to stop a stolen table from being checked cheaply at scale.
     */
    public static final int GENERATED_ITERATIONS = 10_000;
    private static final String PREFIX = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int RETRY_AFTER_SECONDS = 2;
    static final int SLOTS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /**
     * At most this many callers wait for a slot; more are told to retry at once. Each waiter holds
     * a server thread, so an unbounded queue would let a flood of guesses take every thread.
     */
    static final int MAX_WAITING = 4 * SLOTS;

    private final Cache<String, Boolean> verified = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofMinutes(5))
            .build();
    /** Failures apart, so a flood of wrong guesses cannot evict the successes real users rely on. */
    private final Cache<String, Boolean> rejected = Caffeine.newBuilder()
            .maximumSize(1_000)
            .expireAfterWrite(Duration.ofMinutes(1))
            .build();
    /**
     * Slow verifications at once: each costs a core for a fraction of a second, so unbounded they
     * would let anyone with a user name and random passwords stop the server. Fair, so that a
     * caller waits behind those that came before it, not behind whoever arrives later.
     */
    private final Semaphore slow = new Semaphore(SLOTS, true);
    private final Duration maxWait;

    /** A hasher whose callers wait up to five seconds for a free verification slot. */
    public PasswordHasher() {
        this(Duration.ofSeconds(5));
    }

    /** A hasher whose callers wait up to {@code maxWait} for a free verification slot. */
    PasswordHasher(Duration maxWait) {
        this.maxWait = maxWait;
    }

    public static String hash(String password, int iterations) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return format(iterations, salt, derive(password, salt, iterations));
    }

    /**
     * A well-formed hash that no password matches, with {@code iterations}, made without the cost
     * of deriving one: checking a password against it costs what checking a real one costs.
     */
    public static String unmatchableHash(int iterations) {
        byte[] salt = new byte[16];
        byte[] derived = new byte[32];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(derived);
        return format(iterations, salt, derived);
    }

    private static String format(int iterations, byte[] salt, byte[] derived) {
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(derived);
    }

    /** The iteration count of a hash of this form, or {@code -1} when it has none. */
    public static int iterations(String storedHash) {
        String[] parts = storedHash.split("\\$");
        try {
            return parts.length == 4 && parts[0].equals(PREFIX) ? Integer.parseInt(parts[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Whether {@code password} matches {@code storedHash}; a malformed stored hash never matches.
     *
     * @throws ServiceUnavailableException when no verification slot frees up in time: a flood of
     *     guesses must make correct credentials wait or retry, never fail as if they were wrong
     */
    public boolean verify(String password, String storedHash) {
        return verify(storedHash + "|" + sha256(password), password, storedHash);
    }

    /**
     * Whether {@code password} was found wrong for {@code storedHash} within the last minute: the
     * same wrong password again tells a guesser nothing new.
     */
    public boolean recentlyRejected(String password, String storedHash) {
        return rejected.getIfPresent(storedHash + "|" + sha256(password)) != null;
    }

    /**
     * Checks a password for a user who does not exist against {@code unmatchableHash}, as long as a
     * wrong password of a real user takes, so that timing does not tell which user names exist.
     * Remembered per user name: with one shared entry, a second unknown name would answer faster
     * than a real one. Always false.
     */
    public boolean verifyUnknownUser(String username, String password, String unmatchableHash) {
        return verify(unmatchableHash + "|" + sha256(username + ":" + password), password, unmatchableHash);
    }

    private boolean verify(String key, String password, String storedHash) {
        if (verified.getIfPresent(key) != null) {
            return true;
        }
        if (rejected.getIfPresent(key) != null) {
            return false;
        }
        boolean acquired = false;
        try {
            acquired = slow.getQueueLength() < MAX_WAITING
                    && slow.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!acquired) {
            throw new ServiceUnavailableException("too many password checks are in progress; retry shortly",
                    RETRY_AFTER_SECONDS);
        }
        try {
            boolean result = verifySlow(password, storedHash);
            (result ? verified : rejected).put(key, Boolean.TRUE);
            return result;
        } finally {
            slow.release();
        }
    }

    static boolean verifySlow(String password, String storedHash) {
        String[] parts = storedHash.split("\\$");
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            if (iterations < 1 || iterations > 10_000_000) {
                return false;
            }
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return MessageDigest.isEqual(expected, derive(password, salt, iterations));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A short digest of {@code value} (say, a stored hash) that tells whether it changed and
     * reveals nothing else: 128 bits of SHA-256, base64url.
     */
    public static String stamp(String value) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest(value), 16));
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is required by every Java 17 runtime", e);
        } finally {
            spec.clearPassword();
        }
    }

    private static String sha256(String value) {
        return Base64.getEncoder().encodeToString(digest(value));
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
        }
    }

    /** A random URL-safe secret of {@code bytes} random bytes. */
    public static String randomSecret(int bytes) {
        byte[] raw = new byte[bytes];
        RANDOM.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
