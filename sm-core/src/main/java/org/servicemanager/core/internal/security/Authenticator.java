package org.servicemanager.core.internal.security;

import java.nio.charset.StandardCharsets;
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

/**
 * Turns a request's {@code Authorization} header into a {@link Principal}: configured admin users
 * first, then platforms by their registration credentials. Thread-safe.
 */
public final class Authenticator {
    private final Map<String, String> adminHashes;
    private final Store store;
    private final PasswordHasher hasher = new PasswordHasher();

    public Authenticator(Map<String, String> adminHashes, Store store) {
        this.adminHashes = Map.copyOf(adminHashes);
        this.store = store;
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
        Repository<Platform> platforms = store.repository(EntityTypes.PLATFORMS);
        List<Platform> current = platforms.list(Query.fieldEquals("username", username), PageRequest.first(2)).items();
        if (current.size() == 1 && hasher.verify(password, current.get(0).credentials().passwordHash())) {
            return new Principal.PlatformCaller(retirePreviousCredentials(platforms, current.get(0)));
        }
        List<Platform> previous =
                platforms.list(Query.fieldEquals("previous_username", username), PageRequest.first(2)).items();
        if (previous.size() == 1 && previous.get(0).previousCredentials() != null
                && hasher.verify(password, previous.get(0).previousCredentials().passwordHash())) {
            return new Principal.PlatformCaller(previous.get(0));
        }
        throw invalid();
    }

    /** The first use of regenerated credentials ends the validity of the old ones. */
    private static Platform retirePreviousCredentials(Repository<Platform> platforms, Platform platform) {
        if (platform.previousCredentials() == null) {
            return platform;
        }
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
