package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * A multitenant Service Manager whose callers' tenants come from the {@code zid} claim of tokens
 * of an external issuer ({@link OidcBearerVerifier.Builder#tenantClaim}): real HTTP end to end.
 */
@DisplayName("the tenant claim of an external issuer's tokens")
class OidcTenantClaimHttpTest {
    private static final String AUDIENCE = "service-manager";
    private static final RSAKey KEY = TestOidcIssuer.newRsaKey("key-1");

    private final HttpClient http = HttpClient.newHttpClient();
    private final Instant now = Instant.now();
    private TestOidcIssuer issuer;
    private SmHttpServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        issuer = new TestOidcIssuer();
        issuer.publish(KEY);
        OidcBearerVerifier verifier = OidcBearerVerifier.builder().issuer(issuer.issuer()).audience(AUDIENCE)
                .tenantClaim("zid").httpTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)).build();
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        ServiceManager sm = ServiceManager.builder().store(MemoryStore.create()).encryptionKey(new byte[32])
                .tenantLabelKey("tenant_id").bearerTokens(verifier).build();
        server = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", port));
    }

    @AfterEach
    void stop() {
        server.close();
        issuer.close();
    }

    /** An admin token; {@code zid} is left out when {@code null}. */
    private String token(Object zid) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer.issuer()).subject("user-42")
                .audience(List.of(AUDIENCE)).issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(15)))).claim("user_name", "alice")
                .claim("scope", List.of("service_manager.admin"));
        if (zid != null) {
            claims.claim("zid", zid);
        }
        return TestOidcIssuer.sign(KEY, new JOSEObjectType("at+jwt"), claims.build());
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return IssuerFixture.JSON.readTree(response.body());
    }

    @Test
    @DisplayName("a platform created with one zid is labelled with it, hidden from another zid, seen by a token without zid")
    void tenantFromClaim() throws Exception {
        HttpResponse<String> created = send("POST", "/v1/platforms", token("zone-1"),
                "{\"name\":\"k8s-1\",\"type\":\"kubernetes\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode platform = json(created);
        String id = platform.get("id").asText();

        assertThat(platform.at("/labels/tenant_id/0").asText()).isEqualTo("zone-1");
        assertThat(send("GET", "/v1/platforms/" + id, token("zone-2"), null).statusCode()).isEqualTo(404);
        assertThat(json(send("GET", "/v1/platforms", token("zone-2"), null)).get("num_items").asInt()).isZero();
        assertThat(json(send("GET", "/v1/platforms", token("zone-1"), null)).get("num_items").asInt()).isEqualTo(1);
        assertThat(send("GET", "/v1/platforms/" + id, token(null), null).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("a zid that is not a string makes the token invalid (401), never global")
    void malformedClaim() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/platforms", token(42), null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).get("description").asText()).contains("tenant");
    }
}
