package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiResponse;

/** 403 texts and challenges name the scopes the configured verifier uses, not the default ones. */
@DisplayName("scopes named in 403s come from the verifier")
class ScopePrefixApiTest extends ApiTestBase {

    /** {@link TestTokens} with the scope prefix {@code sm}. Thread-safe (immutable). */
    private static final class PrefixedTokens implements BearerTokenVerifier {
        private final TestTokens tokens = new TestTokens();

        @Override
        public VerifiedToken verify(String token) {
            return tokens.verify(token);
        }

        @Override
        public String issuerUrl() {
            return tokens.issuerUrl();
        }

        @Override
        public String scope(Role role) {
            return role == Role.ADMIN ? "sm.admin" : "sm.read";
        }
    }

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.bearerTokens(new PrefixedTokens());
    }

    @Test
    @DisplayName("a read-only token's 403 challenge names the verifier's admin scope")
    void readOnlyChallenge() {
        ApiResponse response = anonymous.withAuthorization("Bearer " + TestTokens.READER).post("/v1/platforms", "{}");

        assertError(response, 403, "Forbidden");
        assertThat(response.headers().get("www-authenticate")).containsExactly("Bearer realm=\"service-manager\", "
                + "error=\"insufficient_scope\", scope=\"sm.admin\"");
    }

    @Test
    @DisplayName("a token without a role is told the verifier's scopes")
    void noRoleText() {
        ApiResponse response = anonymous.withAuthorization("Bearer " + TestTokens.NO_ROLE).get("/v1/platforms");

        assertError(response, 403, "Forbidden");
        assertThat(description(response)).isEqualTo("this call needs the role read-only; the token grants no "
                + "Service Manager role (scope sm.admin or sm.read)");
        assertThat(response.headers().get("www-authenticate")).containsExactly("Bearer realm=\"service-manager\", "
                + "error=\"insufficient_scope\", scope=\"sm.read\"");
    }
}
