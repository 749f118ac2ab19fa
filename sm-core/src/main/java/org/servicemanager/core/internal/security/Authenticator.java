package org.servicemanager.core.internal.security;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.UnauthorizedException;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.UserCredentials;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.internal.revision.Revision;
import org.servicemanager.core.internal.revision.RevisionCache;
import org.servicemanager.core.security.BasicCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a request's {@code Authorization} header into a {@link Principal}: Basic credentials are
 * checked against the configured users first, then against platforms' registration credentials; a
 * {@code Bearer} token goes to the configured {@link BearerTokenVerifier} (if any) and always
 * yields an operator, never a platform. Thread-safe.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    private final Map<String, User> users;
    /** {@code null}: bearer tokens are refused. */
    private final BearerTokenVerifier verifier;
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

    /** A configured operator: its password hash and role. */
    /**
     * A configured user. {@code stamp} changes with the password or the role and is the same on
     * every node and after restarts (a fresh salt in {@code passwordHash} does not move it).
     */
    public record User(String passwordHash, Role role, String stamp) {
        /** A user configured by a password: the stamp is a digest of name, role and password. */
        public static User withPassword(String username, String password, Role role) {
            return new User(PasswordHasher.hash(password, PasswordHasher.ADMIN_ITERATIONS), role,
                    PasswordHasher.stamp("password|" + username + "|" + role.wireName() + "|" + password));
        }

        /** A user configured by a hash: the same hash is given to every node, so it makes the stamp. */
        public static User withHash(String passwordHash, Role role) {
            return new User(passwordHash, role, PasswordHasher.stamp("hash|" + role.wireName() + "|" + passwordHash));
        }
    }

    /**
     * {@code store} must be one whose registry writes move {@code revision}; {@code limit}, when
     * not {@code null}, refuses wrong guesses beyond it with 429; {@code verifier}, when not
     * {@code null}, accepts bearer tokens.
     */
    public Authenticator(Map<String, User> users, Store store, Revision revision, FailedLoginLimit limit,
                         BearerTokenVerifier verifier) {
        this.limit = limit;
        this.verifier = verifier;
        this.users = Map.copyOf(users);
        this.store = store;
        this.platforms = new RevisionCache<>("auth.platforms", revision, 10_000, found -> 1, Duration.ofSeconds(10));
        int iterations = this.users.values().stream().mapToInt(user -> PasswordHasher.iterations(user.passwordHash())).max()
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
     * @throws org.servicemanager.api.TooManyRequestsException when the failed-login limit throttles
     *     the user name from this address, or the address, and its next check is not due yet
     *     (refused before any hashing)
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
        if (scheme.equalsIgnoreCase("Bearer")) {
            return bearer(space < 0 ? "" : value.substring(space + 1).trim(), source);
        }
        if (!scheme.equalsIgnoreCase("Basic")) {
            failed(null, source, "unsupported authentication scheme");
            throw new UnauthorizedException(verifier == null ? "the authentication scheme is not supported; use Basic"
                    : "the authentication scheme is not supported; use Basic or Bearer");
        }
        Optional<BasicCredentials> credentials = BasicCredentials.parse(value);
        if (credentials.isEmpty()) {
            failed(null, source, "malformed Basic credentials");
            throw new UnauthorizedException("the Basic credentials must be base64 of username:password");
        }
        String username = credentials.get().user();
        before(username, source);
        try {
            Principal principal = authenticate(username, credentials.get().password());
            succeeded(username, source);
            return principal;
        } catch (UnknownUser e) {
            failed(username, source, "unknown user");
            throw invalid();
        } catch (UnauthorizedException e) {
            failed(username, source, "wrong password");
            throw e;
        }
    }

    /**
     * The token scope that grants {@code role}, as the configured verifier names it (its scope
     * prefix may not be the default one). Only bearer callers are told scopes, and they exist
     * only with a verifier.
     *
     * @throws IllegalStateException without a verifier
     */
    public String scope(Role role) {
        if (verifier == null) {
            throw new IllegalStateException("no bearer token verifier is configured");
        }
        return verifier.scope(role);
    }

    /** Whether bearer tokens are accepted at all. */
    public boolean acceptsBearerTokens() {
        return verifier != null;
    }

    /**
     * The operator holding {@code token}. A failed check counts against the source address only
     * (a token names nobody until it is verified); the token itself is never logged.
     */
    private Principal bearer(String token, String source) {
        if (verifier == null) {
            failed(null, source, "bearer token where none are accepted");
            throw new UnauthorizedException("bearer tokens are not accepted here; use Basic");
        }
        if (token.isEmpty()) {
            failed(null, source, "empty bearer token");
            throw new InvalidBearerTokenException("the bearer token is missing");
        }
        before(null, source);
        VerifiedToken verified;
        try {
            verified = verifier.verify(token);
        } catch (InvalidBearerTokenException e) {
            failed(null, source, "invalid bearer token (" + FailedLogins.sanitize(String.valueOf(e.getMessage())) + ")");
            throw e;
        }
        return new Principal.Operator(verified.name(), verified.role(), Principal.Via.BEARER, verified.subject(),
                verified.tenant().orElse(null));
    }

    /**
     * The configured users for a token issuer's password grant: never platforms (a platform's user
     * name is answered like an unknown one, just as slowly), failures logged and limited like wrong
     * Basic passwords.
     */
    public UserCredentials userCredentials() {
        return new UserCredentials() {
            @Override
            public Optional<Role> check(String username, String password, String source) {
                if (username == null || password == null) {
                    failed(username, source, "incomplete credentials");
                    return Optional.empty();
                }
                before(username, source);
                User user = users.get(username);
                if (user == null) {
                    hasher.verifyUnknownUser(username, password, unknownUserHash);
                    failed(username, source, "unknown user");
                    return Optional.empty();
                }
                // smctl (Go's oauth2 package) resends a refused token request at once with the
                // client moved from the header to the body: one wrong password, two requests. The
                // same wrong password again is not a new guess, so it is not counted twice.
                boolean repeated = hasher.recentlyRejected(password, user.passwordHash());
                if (hasher.verify(password, user.passwordHash())) {
                    succeeded(username, source);
                    return Optional.of(user.role());
                }
                if (!repeated) {
                    failed(username, source, "wrong password");
                }
                return Optional.empty();
            }

            @Override
            public Optional<Role> currentRole(String username) {
                return Optional.ofNullable(username == null ? null : users.get(username)).map(User::role);
            }

            @Override
            public Optional<String> credentialStamp(String username) {
                return Optional.ofNullable(username == null ? null : users.get(username))
                        .map(User::stamp);
            }

            @Override
            public boolean checkSecret(String clientId, String secret, String storedHash, String source) {
                if (secret == null) {
                    failed(clientId, source, "no client secret");
                    return false;
                }
                before(clientId, source);
                boolean valid = (storedHash == null
                        ? hasher.verifyUnknownUser(String.valueOf(clientId), secret, unknownUserHash)
                        : hasher.verify(secret, storedHash));
                if (valid) {
                    succeeded(clientId, source);
                } else {
                    failed(clientId, source, storedHash == null ? "unknown client" : "wrong client secret");
                }
                return valid;
            }

            @Override
            public void failed(String name, String source, String reason) {
                Authenticator.this.failed(name, source, reason);
            }
        };
    }

    /**
     * Before any credential check (before hashing): refuses it with 429 when the failed-login limit
     * throttles the user name from this source, or the source, and its next check is not due.
     */
    private void before(String username, String source) {
        if (limit != null) {
            limit.before(username, source);
        }
    }

    private void succeeded(String username, String source) {
        if (limit != null) {
            limit.succeeded(username, source);
        }
    }

    /** Logs a failed login and counts it towards the limit (never refuses: the check was made). */
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
        return request.header("Authorization").flatMap(BasicCredentials::parse).map(BasicCredentials::user)
                .orElse(null);
    }

    private Principal authenticate(String username, String password) {
        User user = users.get(username);
        if (user != null) {
            if (hasher.verify(password, user.passwordHash())) {
                return new Principal.Operator(username, user.role(), Principal.Via.BASIC);
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
