package org.servicemanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.oauth.TestOidcIssuer;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@DisplayName("servicemanager.oidc.*: bearer tokens of an OpenID Connect issuer, over real HTTP")
@SpringBootTest(classes = HostApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "servicemanager.oidc.audience=service-manager"})
class OidcStarterTest {
    private static final TestOidcIssuer ISSUER = startIssuer();
    private static final RSAKey KEY = ISSUER.publish(TestOidcIssuer.newRsaKey("k1"));

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) {
        registry.add("servicemanager.oidc.issuer-url", ISSUER::issuer);
    }

    @AfterAll
    static void stopIssuer() {
        ISSUER.close();
    }

    private static TestOidcIssuer startIssuer() {
        try {
            return new TestOidcIssuer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A token for {@code audience} with {@code scope}, signed with the published key. */
    private static String token(String audience, String scope) {
        return signed(KEY, audience, scope);
    }

    /** The same, signed with a key of the same id that the issuer does not publish. */
    private static String forgedToken(String audience, String scope) {
        return signed(TestOidcIssuer.newRsaKey(KEY.getKeyID()), audience, scope);
    }

    private static String signed(RSAKey key, String audience, String scope) {
        return TestOidcIssuer.sign(key, JOSEObjectType.JWT, new JWTClaimsSet.Builder().issuer(ISSUER.issuer())
                .audience(audience).subject("alice").claim("scope", scope).issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
    }

    private ApiClient client() {
        return new ApiClient("http://127.0.0.1:" + port + "/sm");
    }

    @Test
    @DisplayName("a token of the issuer with the admin scope gets in, with no user configured at all")
    void adminToken() {
        ApiResponse response = client().withAuthorization("Bearer "
                + token("service-manager", "service_manager.admin")).get("/v1/service_brokers");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("a token signed with a key the issuer does not publish is 401")
    void forgedToken() {
        assertThat(client().withAuthorization("Bearer " + forgedToken("service-manager",
                "service_manager.admin")).get("/v1/service_brokers").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("a token for another audience is 401")
    void otherAudience() {
        assertThat(client().withAuthorization("Bearer " + token("someone-else", "service_manager.admin"))
                .get("/v1/service_brokers").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("GET /v1/info names the issuer for clients such as smctl")
    void infoNamesTheIssuer() {
        assertThat(client().get("/v1/info").text("token_issuer_url")).isEqualTo(ISSUER.issuer());
    }
}
