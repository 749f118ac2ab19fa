package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;

@DisplayName("smctl's login flows against a Service Manager with the built-in issuer, over HTTP")
class BuiltInIssuerHttpTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private SmHttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        BuiltInIssuer issuer = BuiltInIssuer.builder().issuerUrl(base + "/oauth")
                .client("robot", "robot-secret", Role.ADMIN).build();
        ServiceManager sm = ServiceManager.builder().store(MemoryStore.create())
                .encryptionKey(new byte[32])
                .user("admin", "admin-pw", Role.ADMIN)
                .user("reader", "reader-pw", Role.READ_ONLY)
                .tokenIssuer(issuer)
                .build();
        server = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", port));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return IssuerFixture.JSON.readTree(response.body());
    }

    /** Steps 1 and 2 of smctl login: /v1/info without credentials, then discovery; the token endpoint. */
    private String discoverTokenEndpoint(String infoQuery) throws Exception {
        HttpResponse<String> info = send(HttpRequest.newBuilder(URI.create(base + "/v1/info" + infoQuery)));
        assertThat(info.statusCode()).isEqualTo(200);
        String issuerUrl = json(info).get("token_issuer_url").asText();
        assertThat(issuerUrl).isEqualTo(base + "/oauth");
        assertThat(json(info).get("token_basic_auth").asBoolean()).isTrue();
        HttpResponse<String> discovery = send(HttpRequest.newBuilder(
                URI.create(issuerUrl + "/.well-known/openid-configuration")));
        assertThat(discovery.statusCode()).isEqualTo(200);
        return json(discovery).get("token_endpoint").asText();
    }

    private HttpResponse<String> token(String endpoint, String authorization, String form) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(b);
    }

    private HttpResponse<String> api(String method, String path, String accessToken, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)));
    }

    @Test
    @DisplayName("smctl login -u admin -p ... (Basic Y2Y6) then a list call with the bearer token works")
    void passwordFlowWithBasicHeader() throws Exception {
        String endpoint = discoverTokenEndpoint("");

        HttpResponse<String> token = token(endpoint, "Basic Y2Y6", "grant_type=password&password=admin-pw&username=admin");

        assertThat(token.statusCode()).isEqualTo(200);
        assertThat(token.headers().firstValue("Cache-Control")).contains("no-store");
        HttpResponse<String> list = api("GET", "/v1/service_brokers", json(token).get("access_token").asText(), null);
        assertThat(list.statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("a wrong password with the Basic header and then with params (smctl's fallback) is 400 invalid_grant both times")
    void wrongPasswordBothStyles() throws Exception {
        String endpoint = discoverTokenEndpoint("");

        HttpResponse<String> header = token(endpoint, "Basic Y2Y6", "grant_type=password&password=nope&username=admin");
        HttpResponse<String> params = token(endpoint, null, "client_id=cf&grant_type=password&password=nope&username=admin");

        assertThat(header.statusCode()).isEqualTo(400);
        assertThat(params.statusCode()).isEqualTo(400);
        assertThat(json(header).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(params).get("error_description").asText()).isEqualTo("wrong user name or password");
    }

    @Test
    @DisplayName("a read-only user's token may read but a write is 403 naming the role admin")
    void readOnlyToken() throws Exception {
        String endpoint = discoverTokenEndpoint("");
        String access = json(token(endpoint, null, "client_id=cf&grant_type=password&password=reader-pw&username=reader"))
                .get("access_token").asText();

        assertThat(api("GET", "/v1/platforms", access, null).statusCode()).isEqualTo(200);
        HttpResponse<String> write = api("POST", "/v1/platforms", access, "{\"name\":\"p\",\"type\":\"cf\"}");
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(write.body()).contains("admin");
    }

    @Test
    @DisplayName("smctl's refresh (grant_type=refresh_token with Basic Y2Y6) gives a token the API accepts")
    void refreshFlow() throws Exception {
        String endpoint = discoverTokenEndpoint("");
        String refresh = json(token(endpoint, "Basic Y2Y6", "grant_type=password&password=admin-pw&username=admin"))
                .get("refresh_token").asText();

        HttpResponse<String> refreshed = token(endpoint, "Basic Y2Y6", "grant_type=refresh_token&refresh_token=" + refresh);

        assertThat(refreshed.statusCode()).isEqualTo(200);
        assertThat(api("GET", "/v1/service_brokers", json(refreshed).get("access_token").asText(), null).statusCode())
                .isEqualTo(200);
        assertThat(api("GET", "/v1/service_brokers", refresh, null).statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("smctl login --auth-flow client-credentials (info with ?grant_type=client_credentials, Basic client) works, also with params")
    void clientCredentialsFlow() throws Exception {
        String endpoint = discoverTokenEndpoint("?grant_type=client_credentials");
        String basic = "Basic " + Base64.getEncoder().encodeToString("robot:robot-secret".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> header = token(endpoint, basic, "grant_type=client_credentials");
        HttpResponse<String> params = token(endpoint, null,
                "client_id=robot&client_secret=robot-secret&grant_type=client_credentials");

        assertThat(header.statusCode()).isEqualTo(200);
        assertThat(params.statusCode()).isEqualTo(200);
        assertThat(api("POST", "/v1/platforms", json(params).get("access_token").asText(),
                "{\"name\":\"p\",\"type\":\"cf\"}").statusCode()).isEqualTo(201);
    }

    @Test
    @DisplayName("a platform's credentials never yield a token: the password grant answers 400 invalid_grant")
    void platformCredentialsGetNoToken() throws Exception {
        String endpoint = discoverTokenEndpoint("");
        String admin = json(token(endpoint, "Basic Y2Y6", "grant_type=password&password=admin-pw&username=admin"))
                .get("access_token").asText();
        HttpResponse<String> platform = api("POST", "/v1/platforms", admin, "{\"name\":\"cf-eu\",\"type\":\"cf\"}");
        assertThat(platform.statusCode()).isEqualTo(201);
        JsonNode credentials = json(platform).get("credentials").get("basic");

        HttpResponse<String> response = token(endpoint, "Basic Y2Y6", "grant_type=password&password="
                + URLEncoder.encode(credentials.get("password").asText(), StandardCharsets.UTF_8) + "&username="
                + URLEncoder.encode(credentials.get("username").asText(), StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    @DisplayName("the JWKS is served over HTTP without credentials")
    void jwksOverHttp() throws Exception {
        HttpResponse<String> jwks = send(HttpRequest.newBuilder(URI.create(base + "/oauth/token_keys")));

        assertThat(jwks.statusCode()).isEqualTo(200);
        assertThat(json(jwks).get("keys")).hasSize(1);
    }

    @Test
    @DisplayName("HEAD on discovery and on token_keys is 200 without a body, like GET, not 405")
    void headOverHttp() throws Exception {
        for (String path : new String[] {"/oauth/.well-known/openid-configuration", "/oauth/token_keys"}) {
            HttpResponse<String> head = send(HttpRequest.newBuilder(URI.create(base + path))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));

            assertThat(head.statusCode()).as(path).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Type")).as(path).hasValueSatisfying(
                    v -> assertThat(v).contains("application/json"));
            assertThat(head.body()).as(path).isEmpty();
        }
    }
}
