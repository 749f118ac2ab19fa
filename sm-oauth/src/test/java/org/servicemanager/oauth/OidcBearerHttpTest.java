package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

/**
 * The tokens issue 11 lists, presented to a Service Manager (JDK HTTP server) that verifies them
 * with {@link OidcBearerVerifier} against the rotating loopback issuer: real HTTP end to end.
 */
@DisplayName("Bearer tokens of an external issuer, over HTTP through a Service Manager")
class OidcBearerHttpTest {
    private static final String AUDIENCE = "service-manager";
    private static final RSAKey KEY = TestOidcIssuer.newRsaKey("key-1");

    private final HttpClient http = HttpClient.newHttpClient();
    private final Instant now = Instant.now();
    /** Started before the fixture's Service Manager, whose verifier needs its address. */
    private final TestOidcIssuer issuer = startIssuer();

    @RegisterExtension
    ServiceManagerExtension sm = ServiceManagerExtension.newInstance().adminUser("admin", "admin-pw")
            .configure(builder -> builder.bearerTokens(verifier().build()))
            .build();

    /** A Service Manager of the test's own, for a verifier with other timings than the fixture's. */
    private SmHttpServer server;
    private String base;

    private static TestOidcIssuer startIssuer() {
        try {
            TestOidcIssuer issuer = new TestOidcIssuer();
            issuer.publish(KEY);
            return issuer;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeEach
    void start(ServiceManagerRuntimeInfo info) {
        base = info.baseUrl();
    }

    private OidcBearerVerifier.Builder verifier() {
        return OidcBearerVerifier.builder().issuer(issuer.issuer()).audience(AUDIENCE)
                .httpTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    private void serve(OidcBearerVerifier verifier) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        ServiceManager own = ServiceManager.builder().store(MemoryStore.create()).encryptionKey(new byte[32])
                .user("admin", "admin-pw", Role.ADMIN).bearerTokens(verifier).build();
        server = SmHttpServer.start(own, new InetSocketAddress("127.0.0.1", port));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        issuer.close();
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(issuer.issuer()).subject("user-42").audience(List.of(AUDIENCE))
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(15))))
                .claim("user_name", "alice").claim("scope", List.of("service_manager.admin"));
    }

    private static String signed(RSAKey key, JWTClaimsSet.Builder claims) {
        return TestOidcIssuer.sign(key, new JOSEObjectType("at+jwt"), claims.build());
    }

    private HttpResponse<String> list(String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/service_brokers"))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private void assertInvalidToken(String token) throws Exception {
        HttpResponse<String> response = list(token);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).anySatisfy(v -> assertThat(v)
                .startsWith("Bearer realm=\"service-manager\"").contains("error=\"invalid_token\""));
        JsonNode body = IssuerFixture.JSON.readTree(response.body());
        assertThat(body.get("error").asText()).isNotBlank();
        assertThat(body.get("description").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain(token);
    }

    @Test
    @DisplayName("a valid token lists the brokers")
    void valid() throws Exception {
        assertThat(list(signed(KEY, claims())).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("an expired token is 401 invalid_token")
    void expired() throws Exception {
        assertInvalidToken(signed(KEY, claims().issueTime(Date.from(now.minus(Duration.ofHours(1))))
                .notBeforeTime(Date.from(now.minus(Duration.ofHours(1))))
                .expirationTime(Date.from(now.minus(Duration.ofMinutes(10))))));
    }

    @Test
    @DisplayName("a token not yet valid is 401 invalid_token")
    void notYetValid() throws Exception {
        assertInvalidToken(signed(KEY, claims().notBeforeTime(Date.from(now.plus(Duration.ofMinutes(10))))));
    }

    @Test
    @DisplayName("a token for another audience is 401 invalid_token")
    void wrongAudience() throws Exception {
        assertInvalidToken(signed(KEY, claims().audience("someone-else")));
    }

    @Test
    @DisplayName("a token of another issuer is 401 invalid_token")
    void wrongIssuer() throws Exception {
        assertInvalidToken(signed(KEY, claims().issuer("https://elsewhere.example/oauth/token")));
    }

    @Test
    @DisplayName("a token of a key the issuer does not publish is 401 invalid_token")
    void unknownKey() throws Exception {
        assertInvalidToken(signed(TestOidcIssuer.newRsaKey("never-published"), claims()));
    }

    @Test
    @DisplayName("a token whose payload was changed after signing is 401 invalid_token")
    void badSignature() throws Exception {
        String[] parts = signed(KEY, claims()).split("\\.");
        String forged = Base64URL.encode(claims().claim("scope", List.of("service_manager.admin", "x")).build()
                .toString().getBytes(StandardCharsets.UTF_8)).toString();
        assertInvalidToken(parts[0] + "." + forged + "." + parts[2]);
    }

    @Test
    @DisplayName("an unsigned token (alg none) is 401 invalid_token")
    void algNone() throws Exception {
        assertInvalidToken(new PlainJWT(claims().build()).serialize());
    }

    @Test
    @DisplayName("an HS256 token whose secret is the issuer's public key is 401 invalid_token")
    void hs256WithPublicKey() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(KEY.getKeyID()).build(),
                claims().build());
        jwt.sign(new MACSigner(KEY.toRSAPublicKey().getEncoded()));
        assertInvalidToken(jwt.serialize());
    }

    @Test
    @DisplayName("a key the issuer rotated to is accepted after exactly one JWKS refetch")
    void rotatedKey() throws Exception {
        assertThat(list(signed(KEY, claims())).statusCode()).isEqualTo(200);
        int before = issuer.jwksRequests();
        RSAKey next = issuer.publish(TestOidcIssuer.newRsaKey("key-2"));

        assertThat(list(signed(next, claims())).statusCode()).isEqualTo(200);
        assertThat(list(signed(next, claims().jwtID("second"))).statusCode()).isEqualTo(200);

        assertThat(issuer.jwksRequests() - before).isEqualTo(1);
    }

    @Test
    @DisplayName("when the issuer is unreachable at a new kid the answer is 503 with Retry-After, not 401")
    void jwksUnreachable() throws Exception {
        String token = signed(TestOidcIssuer.newRsaKey("key-after-outage"), claims());
        issuer.close();

        HttpResponse<String> response = list(token);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
        // a token of a key read before the outage still works
        assertThat(list(signed(KEY, claims())).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("once the cached keys expire during an outage, tokens verify from the outage copy, then are 503, never 401")
    void outageAfterCacheExpiry() throws Exception {
        serve(verifier().jwksRefetchInterval(Duration.ofMillis(200)).jwksCacheTime(Duration.ofMillis(500))
                .jwksOutageTolerance(Duration.ofSeconds(2)).build());
        assertThat(list(signed(KEY, claims().jwtID("before"))).statusCode()).isEqualTo(200);
        issuer.close();
        Instant outage = Instant.now();

        // distinct jti: a verified token is remembered, and each request must consult the keys
        List<Integer> statuses = new java.util.ArrayList<>();
        int n = 0;
        while (!statuses.contains(503) && Instant.now().isBefore(outage.plusSeconds(20))) {
            statuses.add(list(signed(KEY, claims().jwtID("during-" + n++))).statusCode());
            Thread.sleep(100);
        }

        assertThat(statuses).first().isEqualTo(200);
        assertThat(statuses).last().isEqualTo(503);
        assertThat(statuses).containsOnly(200, 503);
        // the outage copy served at least past the cache time
        assertThat(statuses.stream().filter(status -> status == 200).count()).isGreaterThan(5);
    }
}
