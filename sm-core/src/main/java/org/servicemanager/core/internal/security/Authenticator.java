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

/**
 * Turns a request's {@code Authorization} header into a {@link Principal}: configured admin users
 * first, then platforms by their registration credentials. Thread-safe.
 */
public final class Authenticator {
    private final Map<String, String> adminHashes;
    private final Store store;
    private final PasswordHasher hasher = new PasswordHasher();
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
        this.adminHashes = Map.copyOf(adminHashes);
        this.store = store;
        this.platforms = new RevisionCache<>(revision, 10_000, found -> 1, Duration.ofSeconds(10));
    }

    /**
     * Who sent the request: {@link Principal#ANONYMOUS} without an {@code Authorization} header.
     *
     * @throws UnauthorizedException for an unsupported scheme, malformed or wrong credentials
     */
    public Principal authenticate(SmRequest request) {
        Optional<String> header = request.header("Authorization");
        if (header.isEmpty()) {
            return Principal.ANONYMOUS;
        }
        String value = header.get().trim();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        if (!scheme.equalsIgnoreCase("Basic")) {
            throw new UnauthorizedException("authentication scheme '" + scheme + "' is not supported; use Basic");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new UnauthorizedException("the Basic credentials are not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new UnauthorizedException("the Basic credentials must have the form username:password");
        }
        return authenticate(decoded.substring(0, colon), decoded.substring(colon + 1));
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
            return new Principal.PlatformCaller(retirePreviousCredentials(current.get(0)));
        }
        List<Platform> previous = find("previous_username", username);
        if (previous.size() == 1 && previous.get(0).previousCredentials() != null
                && hasher.verify(password, previous.get(0).previousCredentials().passwordHash())) {
            return new Principal.PlatformCaller(previous.get(0));
        }
        throw invalid();
    }

    /** At most two platforms whose {@code field} is {@code username} (two means the data is wrong). */
    private List<Platform> find(String field, String username) {
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
