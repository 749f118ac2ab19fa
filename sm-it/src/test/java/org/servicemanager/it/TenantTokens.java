package org.servicemanager.it;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;

/**
 * Fixed token strings for tenant callers (real JWTs with a tenant claim are sm-oauth's tests):
 * administrators of tenants {@code a} and {@code b}, a read-only caller of {@code a}, and a global
 * administrator's token. Thread-safe (immutable).
 */
final class TenantTokens implements BearerTokenVerifier {
    static final String ADMIN_A = "tenant-a-admin";
    static final String ADMIN_B = "tenant-b-admin";
    static final String READER_A = "tenant-a-reader";
    static final String GLOBAL = "global-admin";

    private static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
    private static final Map<String, VerifiedToken> TOKENS = Map.of(
            ADMIN_A, new VerifiedToken("sub-a", "admin-of-a", "cf", Role.ADMIN, FAR, Optional.of("a")),
            ADMIN_B, new VerifiedToken("sub-b", "admin-of-b", "cf", Role.ADMIN, FAR, Optional.of("b")),
            READER_A, new VerifiedToken("sub-ra", "reader-of-a", "cf", Role.READ_ONLY, FAR, Optional.of("a")),
            GLOBAL, new VerifiedToken("sub-g", "global-admin", "cf", Role.ADMIN, FAR));

    @Override
    public VerifiedToken verify(String token) {
        VerifiedToken verified = TOKENS.get(token);
        if (verified == null) {
            throw new InvalidBearerTokenException("the token is malformed");
        }
        return verified;
    }

    @Override
    public String issuerUrl() {
        return "https://issuer.example/oauth";
    }
}
