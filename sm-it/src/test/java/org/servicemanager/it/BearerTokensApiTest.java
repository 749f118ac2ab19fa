package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.TooManyRequestsException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.UserCredentials;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.time.MutableClock;

/**
 * Bearer tokens beside Basic: failed checks in the failed-login limit and the audit log, a built-in
 * issuer's public routes served through the pipeline, the users it may check, and the builder's
 * fail-fast rules. One Service Manager per test (each needs its own configuration).
 */
@DisplayName("bearer tokens and the token issuer hook")
class BearerTokensApiTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private LogCapture log;
    private SmServer server;

    private SmServer start(Consumer<ServiceManager.Builder> customizer) {
        server = SmServer.start(builder -> {
            builder.clock(clock).user(RolesApiTest.READER, RolesApiTest.READER_PASSWORD, Role.READ_ONLY);
            customizer.accept(builder);
        });
        return server;
    }

    @BeforeEach
    void capture() {
        log = LogCapture.start();
    }

    @AfterEach
    void stop() {
        log.close();
        if (server != null) {
            server.close();
        }
    }

    private String logs() {
        return log.text();
    }

    private ApiClient token(String token) {
        return server.anonymous().withAuthorization("Bearer " + token);
    }

    @Test
    @DisplayName("rejected tokens count in the failed-login limit per source address (ten times the limit)")
    void rejectedTokensAreLimited() {
        start(builder -> builder.bearerTokens(new TestTokens()).failedLoginLimit(3, Duration.ofSeconds(60)));
        for (int i = 0; i < 30; i++) {
            assertThat(token("forged-" + i).get("/v1/platforms").status()).isEqualTo(401);
        }

        ApiResponse refused = token("forged-31").get("/v1/platforms");

        // The right token after Retry-After: FailedLoginLimitApiTest, on a clock it can move.
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).hasValue("20");
        assertThat(refused.json().get("description").asText()).contains("from this address");
    }

    @Test
    @DisplayName("a rejected token is logged and audited as an authentication failure, never with the token")
    void rejectedTokenAudited() {
        start(builder -> builder.bearerTokens(new TestTokens()));
        String secretToken = "Secret-Token-4713";

        ApiResponse response = token(secretToken).withHeader("X-Correlation-ID", "bearer-fail-1").get("/v1/platforms");

        assertThat(response.status()).isEqualTo(401);
        assertThat(logs()).contains("audit event=auth_failure principal=- method=GET path=/v1/platforms "
                + "resource_type=- resource_id=- status=401 correlation_id=bearer-fail-1 source=127.0.0.1")
                .contains("failed login from 127.0.0.1: invalid bearer token (the token is malformed)")
                .doesNotContain(secretToken);
    }

    @Test
    @DisplayName("a call with a token is audited with the operator's name, role, scheme and token subject")
    void tokenCallAudited() {
        start(builder -> builder.bearerTokens(new TestTokens()));

        token(TestTokens.ADMIN).withHeader("X-Correlation-ID", "bearer-call-1")
                .post("/v1/platforms", "{\"name\":\"p-audit\",\"type\":\"cf\"}");

        assertThat(logs()).contains("audit event=call principal=operator:token-admin role=admin via=bearer "
                + "sub=sub-admin method=POST path=/v1/platforms").doesNotContain(TestTokens.ADMIN);
    }

    @Test
    @DisplayName("without a verifier a bearer token is 401 saying to use Basic, and /v1/info has no token fields")
    void bearerWithoutVerifier() {
        start(builder -> { });

        ApiResponse response = token(TestTokens.ADMIN).get("/v1/platforms");

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.json().get("description").asText()).isEqualTo("bearer tokens are not accepted here; use Basic");
        assertThat(response.headers().get("www-authenticate")).containsExactly("Basic realm=\"service-manager\"");
        JsonNode info = server.anonymous().get("/v1/info").json();
        assertThat(info.has("token_issuer_url")).isFalse();
        assertThat(info.has("token_basic_auth")).isFalse();
    }

    @Test
    @DisplayName("the issuer's routes are answered by the issuer without credentials, with the call's correlation id")
    void issuerRoutesArePublic() {
        start(builder -> builder.tokenIssuer(new TestIssuer()));

        for (String path : new String[] {"/oauth", "/oauth/.well-known/openid-configuration", "/oauth/token_keys"}) {
            ApiResponse response = server.anonymous().withHeader("X-Correlation-ID", "issuer-1").get(path);
            assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
            assertThat(response.json().get("path").asText()).isEqualTo(path);
            assertThat(response.json().get("correlation").asText()).isEqualTo("issuer-1");
        }
        ApiResponse generated = server.anonymous().post("/oauth/token", "{}");
        assertThat(generated.json().get("correlation").asText()).isEqualTo(generated.header("X-Correlation-ID")
                .orElseThrow());
        assertThat(server.anonymous().get("/oauthx").status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a token request is audited as a call and by the issuer's own line")
    void issuerRequestAudited() {
        start(builder -> builder.tokenIssuer(new TestIssuer()));

        server.anonymous().withHeader("X-Correlation-ID", "issuer-audit-1")
                .raw("POST", "/oauth/token", "application/x-www-form-urlencoded",
                        "grant_type=password&username=admin&password=Pw-4714".getBytes(StandardCharsets.UTF_8));

        assertThat(logs()).contains("audit event=call principal=anonymous method=POST path=/oauth/token "
                        + "resource_type=oauth resource_id=- status=200 correlation_id=issuer-audit-1")
                .contains("audit event=token action=token_request subject=some-user outcome=issued path=/oauth/token "
                        + "correlation_id=issuer-audit-1 source=127.0.0.1")
                .doesNotContain("Pw-4714");
    }

    @Test
    @DisplayName("the issuer's routes keep the body limit")
    void issuerBodyLimit() {
        start(builder -> builder.tokenIssuer(new TestIssuer()).maxRequestBodyBytes(100));

        ApiResponse response = server.anonymous().post("/oauth/token", "{\"x\":\"" + "a".repeat(200) + "\"}");

        assertThat(response.status()).isEqualTo(413);
    }

    @Test
    @DisplayName("with an issuer, its tokens are accepted and /v1/info names it")
    void issuerTokensAndInfo() {
        start(builder -> builder.tokenIssuer(new TestIssuer()));

        assertThat(token(TestTokens.ADMIN).get("/v1/platforms").status()).isEqualTo(200);
        JsonNode info = server.anonymous().get("/v1/info").json();
        assertThat(info.get("token_issuer_url").asText()).isEqualTo(TestIssuer.URL);
        assertThat(info.get("token_basic_auth").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("the issuer is started with the store, a cipher and the clock, and closed with the Service Manager")
    void issuerLifecycle() {
        TestIssuer issuer = new TestIssuer();
        start(builder -> builder.tokenIssuer(issuer));

        assertThat(issuer.context.get().store()).isNotNull();
        assertThat(issuer.context.get().clock()).isSameAs(clock);
        String sealed = issuer.context.get().cipher().encrypt("private-jwk");
        assertThat(sealed).doesNotContain("private-jwk");
        assertThat(issuer.context.get().cipher().decrypt(sealed)).isEqualTo("private-jwk");
        assertThat(issuer.closed).isFalse();

        server.close();
        server = null;

        assertThat(issuer.closed).isTrue();
    }

    @Test
    @DisplayName("the issuer's user check knows configured users and their roles, and never a platform")
    void userCredentials() {
        TestIssuer issuer = new TestIssuer();
        start(builder -> builder.tokenIssuer(issuer));
        JsonNode platform = server.admin().post("/v1/platforms", "{\"name\":\"p-creds\",\"type\":\"cf\"}").json();
        UserCredentials users = issuer.context.get().users();

        assertThat(users.check(SmServer.ADMIN_USER, SmServer.ADMIN_PASSWORD, "192.0.2.1")).hasValue(Role.ADMIN);
        assertThat(users.check(RolesApiTest.READER, RolesApiTest.READER_PASSWORD, "192.0.2.1"))
                .hasValue(Role.READ_ONLY);
        assertThat(users.check(SmServer.ADMIN_USER, "wrong", "192.0.2.1")).isEmpty();
        assertThat(users.check("nobody", "wrong", "192.0.2.1")).isEmpty();
        assertThat(users.check(platform.at("/credentials/basic/username").asText(),
                platform.at("/credentials/basic/password").asText(), "192.0.2.1")).isEmpty();
        assertThat(users.currentRole(RolesApiTest.READER)).hasValue(Role.READ_ONLY);
        assertThat(users.currentRole("nobody")).isEqualTo(Optional.empty());
    }

    @Test
    @DisplayName("the issuer's user check counts failures in the failed-login limit; other addresses are unaffected")
    void userCredentialsLimited() {
        TestIssuer issuer = new TestIssuer();
        start(builder -> builder.tokenIssuer(issuer).failedLoginLimit(2, Duration.ofSeconds(60)));
        UserCredentials users = issuer.context.get().users();
        users.check(SmServer.ADMIN_USER, "wrong-1", "192.0.2.9");
        users.failed(SmServer.ADMIN_USER, "192.0.2.9", "forged refresh token");

        assertThatThrownBy(() -> users.check(SmServer.ADMIN_USER, SmServer.ADMIN_PASSWORD, "192.0.2.9"))
                .isInstanceOf(TooManyRequestsException.class);
        assertThat(users.check(SmServer.ADMIN_USER, SmServer.ADMIN_PASSWORD, "192.0.2.10")).hasValue(Role.ADMIN);
        assertThat(logs()).contains("failed login for user 'admin' from 192.0.2.9: wrong password")
                .doesNotContain("wrong-1");
    }

    @Test
    @DisplayName("the same wrong password sent again at once (smctl resends a refused token request) is one guess, "
            + "a different one another")
    void repeatedWrongPasswordCountsOnce() {
        TestIssuer issuer = new TestIssuer();
        start(builder -> builder.tokenIssuer(issuer).failedLoginLimit(2, Duration.ofSeconds(60)));
        UserCredentials users = issuer.context.get().users();
        // At a limit of 2, counting each request would refuse the third before checking it.
        for (int i = 0; i < 3; i++) {
            assertThat(users.check(SmServer.ADMIN_USER, "typo", "192.0.2.11")).isEmpty();
        }
        assertThat(users.check(SmServer.ADMIN_USER, "another-typo", "192.0.2.11")).isEmpty();

        assertThatThrownBy(() -> users.check(SmServer.ADMIN_USER, SmServer.ADMIN_PASSWORD, "192.0.2.11"))
                .isInstanceOf(TooManyRequestsException.class);
    }

    @Test
    @DisplayName("bearerTokens and tokenIssuer together fail the build, naming both")
    void verifierAndIssuerExclusive() {
        ServiceManager.Builder builder = ServiceManager.builder().store(new MemoryStore())
                .bearerTokens(new TestTokens()).tokenIssuer(new TestIssuer());

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bearerTokens(...)").hasMessageContaining("tokenIssuer(...)");
    }

    @Test
    @DisplayName("a user name configured twice fails at once, naming it")
    void userTwice() {
        ServiceManager.Builder builder = ServiceManager.builder().adminUser("ops", "pw-1");

        assertThatThrownBy(() -> builder.user("ops", "pw-2", Role.READ_ONLY))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("user 'ops' is configured twice");
    }

    @Test
    @DisplayName("user names are checked like admin names, and a role is required")
    void userValidation() {
        assertThatThrownBy(() -> ServiceManager.builder().user("a:b", "pw", Role.READ_ONLY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a:b'");
        assertThatThrownBy(() -> ServiceManager.builder().userWithHash(" ", "pbkdf2-sha256$1$a$b", Role.ADMIN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServiceManager.builder().user("r", "", Role.READ_ONLY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'r'");
        assertThatThrownBy(() -> ServiceManager.builder().user("r", "pw", null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("role");
    }

    @Test
    @DisplayName("an issuer whose path prefix would shadow the API fails the build, naming the prefix")
    void issuerPrefixChecked() {
        ServiceManager.Builder builder = ServiceManager.builder().store(new MemoryStore())
                .tokenIssuer(new PrefixedIssuer("/v1/oauth"));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'/v1/oauth'");
    }

    @Test
    @DisplayName("a verifier alone is enough to build: operators may come by token only")
    void verifierWithoutUsers() {
        try (ServiceManager sm = ServiceManager.builder().store(new MemoryStore()).bearerTokens(new TestTokens())
                .build()) {
            assertThat(sm).isNotNull();
        }
    }

    /** The test issuer under another prefix. */
    private static final class PrefixedIssuer implements org.servicemanager.core.security.TokenIssuer {
        private final String prefix;
        private final TestIssuer delegate = new TestIssuer();

        PrefixedIssuer(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public String pathPrefix() {
            return prefix;
        }

        @Override
        public void start(Context context) {
            delegate.start(context);
        }

        @Override
        public org.servicemanager.core.SmResponse handle(org.servicemanager.core.SmRequest request) {
            return delegate.handle(request);
        }

        @Override
        public org.servicemanager.api.security.VerifiedToken verify(String token) {
            return delegate.verify(token);
        }

        @Override
        public String issuerUrl() {
            return delegate.issuerUrl();
        }
    }
}
