package org.servicemanager.it;

import java.time.Instant;
import java.util.Map;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;

/**
 * A bearer-token verifier for the core's tests: fixed token strings stand for verified tokens
 * (real JWTs are sm-oauth's tests). Thread-safe (immutable).
 */
final class TestTokens implements BearerTokenVerifier {
    static final String ADMIN = "admin-token";
    static final String READER = "read-token";
    static final String NO_ROLE = "no-role-token";
    static final String EXPIRED = "expired-token";
    static final String ISSUER = "https://issuer.example/oauth";

    private static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
    private static final Map<String, VerifiedToken> TOKENS = Map.of(
            ADMIN, new VerifiedToken("sub-admin", "token-admin", "cf", Role.ADMIN, FAR),
            READER, new VerifiedToken("sub-reader", "token-reader", "cf", Role.READ_ONLY, FAR),
            NO_ROLE, new VerifiedToken("sub-none", "token-none", "cf", null, FAR));

    @Override
    public VerifiedToken verify(String token) {
        VerifiedToken verified = TOKENS.get(token);
        if (verified != null) {
            return verified;
        }
        throw new InvalidBearerTokenException(token.equals(EXPIRED) ? "the token has expired"
                : "the token is malformed");
    }

    @Override
    public String issuerUrl() {
        return ISSUER;
    }

    @Override
    public boolean tokenBasicAuth() {
        return false;
    }
}
