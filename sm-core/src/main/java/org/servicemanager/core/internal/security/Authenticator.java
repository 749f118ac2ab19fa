package org.servicemanager.core.internal.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.UnauthorizedException;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.internal.revision.Revision;
import org.servicemanager.core.internal.revision.RevisionCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a request's {@code Authorization} header into a {@link Principal}: configured admin users
 * first, then platforms by their registration credentials. Thread-safe.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    private final Map<String, String> adminHashes;
    private final Store store;
    private final PasswordHasher hasher = new PasswordHasher();
    /** What the password of a user who does not exist is checked against. */
    private final String unknownUserHash;
    private final FailedLogins failedLogins = new FailedLogins(LOG::warn, System::nanoTime);
    /** Refuses further wrong guesses over the limit; {@code null} when there is none. */
    private final FailedLoginLimit limit;
    /**
     * Platforms by {@code username} or {@code previous_username}, as read at a registry revision:
     * every platform call needs them, and a PostgreSQL store would pay a round trip each time.
     * Every platform write through the Service Manager's store moves the revision (retiring
     * previous credentials here included); entries also expire after ten seconds, for writes made
     * around the Service Manager. A user name that matches nothing is not cached, so guessed names
     * cannot crowd out real ones.
     */
    private final RevisionCache<Lookup, List<Platform>> platforms;

    private record Lookup(String field, String username) {
    }

    /** {@code store} must be one whose registry writes move {@code revision} (a {@code RevisionedStore}). */
    public Authenticator(Map<String, String> adminHashes, Store store, Revision revision) {
        this(adminHashes, store, revision, null);
    }

    /**
     * {@code store} must be one whose registry writes move {@code revision}; {@code limit}, when
     * not {@code null}, refuses wrong guesses beyond it with 429.
     */
    public Authenticator(Map<String, String> adminHashes, Store store, Revision revision, FailedLoginLimit limit) {
        this.limit = limit;
        this.adminHashes = Map.copyOf(adminHashes);
        this.store = store;
        this.platforms = new RevisionCache<>(revision, 10_000, found -> 1, Duration.ofSeconds(10));
        int iterations = this.adminHashes.values().stream().mapToInt(PasswordHasher::iterations).max()
                .orElse(PasswordHasher.ADMIN_ITERATIONS);
        this.unknownUserHash = PasswordHasher.unmatchableHash(
                iterations > 0 ? iterations : PasswordHasher.ADMIN_ITERATIONS);
    }

    /**
     * Who sent the request: {@link Principal#ANONYMOUS} without an {@code Authorization} header.
     * Failed logins are logged (rate-limited, without the password).
     *
     * @throws UnauthorizedException for an unsupported scheme, malformed or wrong credentials; its
     *     message never repeats what the client sent
     * @throws org.servicemanager.api.ServiceUnavailableException when too many passwords are being
     *     checked to check this one in time
     * @throws org.servicemanager.api.TooManyRequestsException for wrong credentials from a user name
     *     or address over the failed-login limit (checked only after the password was found wrong)
     */
    public Principal authenticate(SmRequest request) {
        Optional<String> header = request.header("Authorization");
        if (header.isEmpty()) {
            return Principal.ANONYMOUS;
        }
        String source = request.remoteAddress().orElse(null);
        String value = header.get().trim();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        if (!scheme.equalsIgnoreCase("Basic")) {
            failed(null, source, "unsupported authentication scheme");
            throw new UnauthorizedException("the authentication scheme is not supported; use Basic");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            failed(null, source, "malformed Basic credentials");
            throw new UnauthorizedException("the Basic credentials are not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            failed(null, source, "malformed Basic credentials");
            throw new UnauthorizedException("the Basic credentials must have the form username:password");
        }
        String username = decoded.substring(0, colon);
        try {
            return authenticate(username, decoded.substring(colon + 1));
        } catch (UnknownUser e) {
            failed(username, source, "unknown user");
            throw invalid();
        } catch (UnauthorizedException e) {
            failed(username, source, "wrong password");
            throw e;
        }
    }

    /** Logs a failed login, and refuses it with 429 when over the limit. */
    private void failed(String username, String source, String reason) {
        failedLogins.failed(username, source, reason);
        if (limit != null) {
            limit.failed(username, source);
        }
    }

    /**
     * The user name of a request's Basic credentials, or {@code null} without readable ones: for
     * the audit log of a failed login. Never the password.
     */
    public static String claimedUsername(SmRequest request) {
        String value = request.header("Authorization").map(String::trim).orElse("");
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Basic")) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : decoded.substring(0, colon);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private Principal authenticate(String username, String password) {
        String adminHash = adminHashes.get(username);
        if (adminHash != null) {
            if (hasher.verify(password, adminHash)) {
                return new Principal.Admin(username);
            }
            throw invalid();
        }
        List<Platform> current = find("username", username);
        if (current.size() == 1 && hasher.verify(password, current.get(0).credentials().passwordHash())) {
            return new Principal.PlatformCaller(retirePreviousCredentials(current.get(0)), username);
        }
        List<Platform> previous = find("previous_username", username);
        if (previous.size() == 1 && previous.get(0).previousCredentials() != null
                && hasher.verify(password, previous.get(0).previousCredentials().passwordHash())) {
            return new Principal.PlatformCaller(previous.get(0), username);
        }
        if (current.isEmpty() && previous.isEmpty()) {
            // As slow as a wrong administrator password, or the answer time would tell which user
            // names exist (the administrator's first).
            hasher.verifyUnknownUser(username, password, unknownUserHash);
            throw new UnknownUser();
        }
        throw invalid();
    }

    /** No such user; answered exactly like a wrong password, only logged differently. */
    private static final class UnknownUser extends UnauthorizedException {
        private static final long serialVersionUID = 1L;

        UnknownUser() {
            super("the supplied credentials could not be authenticated");
        }
    }

    /** At most two platforms whose {@code field} is {@code username} (two means the data is wrong). */
    private List<Platform> find(String field, String username) {
        if (username.indexOf('\0') >= 0) {
            // No stored user name holds NUL, and PostgreSQL fails a statement that does (a 500
            // anyone could cause without credentials): such a name is unknown, not looked up.
            return List.of();
        }
        List<Platform> found = platforms.get(new Lookup(field, username), () -> {
            List<Platform> read = store.repository(EntityTypes.PLATFORMS)
                    .list(Query.fieldEquals(field, username), PageRequest.first(2)).items();
            return read.isEmpty() ? null : read;
        });
        return found == null ? List.of() : found;
    }

    /** The first use of regenerated credentials ends the validity of the old ones. */
    private Platform retirePreviousCredentials(Platform platform) {
        if (platform.previousCredentials() == null) {
            return platform;
        }
        Repository<Platform> platforms = store.repository(EntityTypes.PLATFORMS);
        Platform retired = new Platform(platform.id(), platform.name(), platform.type(), platform.description(),
                platform.credentials(), null, platform.labels(), platform.createdAt(), platform.updatedAt(),
                platform.ready(), platform.version());
        try {
            return platforms.update(retired);
        } catch (ConcurrentModificationException | NotFoundException e) {
            // Someone changed the platform meanwhile; the next authentication retires them.
            return platform;
        }
    }

    private static UnauthorizedException invalid() {
        return new UnauthorizedException("the supplied credentials could not be authenticated");
    }
}
