package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;
import org.servicemanager.standalone.StandaloneServer.Running;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;

/**
 * Bearer tokens in the standalone server, over real HTTP with smctl's exact requests ({@link Smctl}):
 * the built-in issuer on by default, its clients and users, TLS, keys kept across a restart, the
 * issuer switched off, an external issuer, and the configuration errors.
 */
@DisplayName("StandaloneServer: bearer tokens and smctl login")
class StandaloneTokensTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static Running server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", "SM_ADMIN_PASSWORD", "admin-pw",
                "SM_READ_ONLY_USERNAME", "viewer", "SM_READ_ONLY_PASSWORD", "viewer-pw",
                "SM_TOKEN_CLIENTS", "robot:robot-secret:admin, auditor:a:secret:with:colons:read-only",
                "SM_BROKER_TIMEOUT_SECONDS", "5"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("GET /v1/info without credentials (also with ?grant_type=client_credentials) names the built-in "
            + "issuer at the bound port and Basic client authentication")
    void infoNamesIssuer() throws Exception {
        for (String query : new String[] {"", "?grant_type=client_credentials"}) {
            HttpResponse<String> info = Smctl.info(HTTP, server.baseUrl(), query);

            assertThat(info.statusCode()).isEqualTo(200);
            assertThat(Smctl.json(info).get("token_issuer_url").asText())
                    .isEqualTo("http://127.0.0.1:" + server.port() + "/oauth");
            assertThat(Smctl.json(info).get("token_basic_auth").asBoolean()).isTrue();
        }
        HttpResponse<String> discovery = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/oauth/.well-known/openid-configuration")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(Smctl.json(discovery).get("token_endpoint").asText()).isEqualTo(server.baseUrl() + "/oauth/token");
        assertThat(Smctl.json(discovery).get("issuer").asText()).isEqualTo(server.baseUrl() + "/oauth");
    }

    @Test
    @DisplayName("smctl login -u admin, then list-brokers, register-broker, register-platform, marketplace, "
            + "provision and bind with the bearer token")
    void smctlFlow() throws Exception {
        try (FakeBroker broker = FakeBroker.start()) {
            FakeOsbService.install(broker);
            Smctl smctl = Smctl.passwordLogin(HTTP, server.baseUrl(), "admin", "admin-pw");

            assertThat(smctl.tokenResponses).as("the Basic cf: attempt worked at once").hasSize(1);
            smctl.commandsAfterLogin(broker.url());
        }
    }

    @Test
    @DisplayName("smctl's refresh (grant_type=refresh_token) gives a new access token the API accepts")
    void refresh() throws Exception {
        Smctl smctl = Smctl.passwordLogin(HTTP, server.baseUrl(), "admin", "admin-pw");
        String first = smctl.accessToken();

        smctl.refresh();

        assertThat(smctl.lastTokenResponse().statusCode()).isEqualTo(200);
        assertThat(smctl.accessToken()).isNotEqualTo(first);
        smctl.expect(200, "GET", "/v1/platforms", null);
    }

    @Test
    @DisplayName("smctl login --auth-flow client-credentials with a client of SM_TOKEN_CLIENTS gets its role")
    void clientCredentials() throws Exception {
        Smctl robot = Smctl.clientCredentialsLogin(HTTP, server.baseUrl(), "robot", "robot-secret");
        Smctl auditor = Smctl.clientCredentialsLogin(HTTP, server.baseUrl(), "auditor", "a:secret:with:colons");

        assertThat(robot.loggedIn()).as("%s", robot.lastTokenResponse().body()).isTrue();
        robot.expect(201, "POST", "/v1/platforms?async=false", "{\"name\":\"robot-made\",\"type\":\"cf\"}");
        auditor.expect(200, "GET", "/v1/platforms", null);
        auditor.expect(403, "POST", "/v1/platforms?async=false", "{\"name\":\"auditor-made\",\"type\":\"cf\"}");
    }

    @Test
    @DisplayName("the read-only user of SM_READ_ONLY_USERNAME logs in and reads, but register-broker is 403 "
            + "naming the role admin; with Basic too")
    void readOnlyUser() throws Exception {
        Smctl viewer = Smctl.passwordLogin(HTTP, server.baseUrl(), "viewer", "viewer-pw");

        viewer.expect(200, "GET", "/v1/service_brokers", null);
        HttpResponse<String> register = viewer.call("POST", "/v1/service_brokers?async=false",
                "{\"name\":\"b\",\"broker_url\":\"http://127.0.0.1:1\",\"credentials\":{\"basic\":"
                        + "{\"username\":\"u\",\"password\":\"p\"}}}");
        assertThat(register.statusCode()).isEqualTo(403);
        assertThat(Smctl.json(register).get("description").asText()).contains("role admin").contains("read-only");
        HttpResponse<String> basic = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/platforms"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "viewer:viewer-pw".getBytes(StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(basic.statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("a platform's credentials get no token: 400 invalid_grant")
    void platformGetsNoToken() throws Exception {
        Smctl admin = Smctl.passwordLogin(HTTP, server.baseUrl(), "admin", "admin-pw");
        JsonNode platform = admin.expect(201, "POST", "/v1/platforms?async=false",
                "{\"name\":\"cf-token-test\",\"type\":\"cf\"}").get("credentials").get("basic");

        Smctl attempt = Smctl.passwordLogin(HTTP, server.baseUrl(), platform.get("username").asText(),
                platform.get("password").asText());

        assertThat(attempt.loggedIn()).isFalse();
        assertThat(attempt.lastTokenResponse().statusCode()).isEqualTo(400);
        assertThat(Smctl.json(attempt.lastTokenResponse()).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    @DisplayName("a wrong password is 400 invalid_grant with an error_description, for the Basic try and the "
            + "params fallback alike")
    void wrongPassword() throws Exception {
        Smctl attempt = Smctl.passwordLogin(HTTP, server.baseUrl(), "admin", "wrong");

        assertThat(attempt.loggedIn()).isFalse();
        assertThat(attempt.tokenResponses).hasSize(2).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(Smctl.json(r).get("error").asText()).isEqualTo("invalid_grant");
            assertThat(Smctl.json(r).get("error_description").asText()).isNotBlank();
        });
    }

    @Test
    @DisplayName("with TLS the issuer URL is https, and smctl's login and calls work over it")
    void https() throws Exception {
        TestCertificates.Issued cert = TestCertificates.selfSigned(dir, "RSA");
        Map<String, String> env = Map.of("SM_STORAGE", "memory", "SM_PORT", "0", "SM_ADMIN_PASSWORD", "admin-pw",
                StandaloneTls.CERT_FILE, TestCertificates.write(dir, "cert.pem", cert.chainPem()).toString(),
                StandaloneTls.KEY_FILE, TestCertificates.write(dir, "key.pem", cert.keyPem()).toString());
        HttpClient tls = HttpClient.newBuilder().sslContext(cert.trustingRoot())
                .connectTimeout(Duration.ofSeconds(10)).build();
        try (Running https = StandaloneServer.start(env)) {
            HttpResponse<String> info = Smctl.info(tls, https.baseUrl(), "");
            assertThat(Smctl.json(info).get("token_issuer_url").asText())
                    .isEqualTo("https://127.0.0.1:" + https.port() + "/oauth");

            Smctl smctl = Smctl.passwordLogin(tls, https.baseUrl(), "admin", "admin-pw");

            smctl.expect(200, "GET", "/v1/service_brokers", null);
        }
    }

    @Test
    @DisplayName("on the H2 file, a token issued before a restart is accepted after it (the signing key is kept)")
    void keysSurviveRestart() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Map<String, String> env = Map.of("SM_PORT", Integer.toString(port), "SM_ADMIN_PASSWORD", "admin-pw",
                "SM_DATA_DIR", dir.resolve("data").toString());
        Smctl smctl;
        String jwks;
        try (Running first = StandaloneServer.start(env)) {
            smctl = Smctl.passwordLogin(HTTP, first.baseUrl(), "admin", "admin-pw");
            smctl.expect(200, "GET", "/v1/platforms", null);
            jwks = get(first.baseUrl() + "/oauth/token_keys").body();
        }
        try (Running second = StandaloneServer.start(env)) {
            assertThat(get(second.baseUrl() + "/oauth/token_keys").body()).isEqualTo(jwks);

            smctl.expect(200, "GET", "/v1/platforms", null);
            smctl.refresh();
            assertThat(smctl.lastTokenResponse().statusCode()).isEqualTo(200);
        }
    }

    @Test
    @DisplayName("SM_TOKEN_ISSUER=off: /v1/info has no token fields and /oauth/token is 404")
    void issuerOff() throws Exception {
        try (Running off = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw", "SM_TOKEN_ISSUER", "off"))) {
            JsonNode info = Smctl.json(Smctl.info(HTTP, off.baseUrl(), ""));
            assertThat(info.has("token_issuer_url")).as("%s", info).isFalse();
            assertThat(info.has("token_basic_auth")).isFalse();
            HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(off.baseUrl() + "/oauth/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("client_id=cf&grant_type=password&password=admin-pw"
                            + "&username=admin")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(token.statusCode()).isEqualTo(404);
        }
    }

    @Test
    @DisplayName("SM_OIDC_ISSUER_URL: tokens of that loopback issuer are accepted, /v1/info names it, and the "
            + "built-in issuer is off")
    void externalIssuer() throws Exception {
        // The issuer: another standalone server's built-in one, a real OpenID Connect issuer on loopback.
        try (Running issuer = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "idp-pw"))) {
            String issuerUrl = issuer.baseUrl() + "/oauth";
            try (Running sm = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                    "SM_ADMIN_PASSWORD", "admin-pw", "SM_OIDC_ISSUER_URL", issuerUrl,
                    "SM_OIDC_AUDIENCE", "service-manager"))) {
                JsonNode info = Smctl.json(Smctl.info(HTTP, sm.baseUrl(), ""));
                assertThat(info.get("token_issuer_url").asText()).isEqualTo(issuerUrl);

                Smctl smctl = Smctl.passwordLogin(HTTP, sm.baseUrl(), "admin", "idp-pw");

                assertThat(smctl.lastTokenResponse().uri().toString()).isEqualTo(issuerUrl + "/token");
                smctl.expect(201, "POST", "/v1/platforms?async=false", "{\"name\":\"p\",\"type\":\"cf\"}");
                assertThat(get(sm.baseUrl() + "/oauth/token_keys").statusCode()).isEqualTo(404);
            }
        }
    }

    @Test
    @DisplayName("an https SM_OIDC_ISSUER_URL is trusted through SM_BROKER_TRUST_FILE, and without it the start "
            + "fails: its certificate is checked")
    void externalHttpsIssuer() throws Exception {
        TestCertificates.Issued cert = TestCertificates.selfSigned(dir, "RSA");
        Path certFile = TestCertificates.write(dir, "cert.pem", cert.chainPem());
        try (Running issuer = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "idp-pw", StandaloneTls.CERT_FILE, certFile.toString(),
                StandaloneTls.KEY_FILE, TestCertificates.write(dir, "key.pem", cert.keyPem()).toString()))) {
            String issuerUrl = issuer.baseUrl() + "/oauth";
            Map<String, String> env = new HashMap<>(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                    "SM_ADMIN_PASSWORD", "admin-pw", "SM_OIDC_ISSUER_URL", issuerUrl,
                    "SM_OIDC_AUDIENCE", "service-manager"));
            assertThatThrownBy(() -> StandaloneServer.start(env).close()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("SM_OIDC_ISSUER_URL=" + issuerUrl);

            env.put(StandaloneTls.BROKER_TRUST_FILE, certFile.toString());
            try (Running sm = StandaloneServer.start(env)) {
                Smctl smctl = Smctl.passwordLogin(HttpClient.newBuilder().sslContext(cert.trustingRoot()).build(),
                        issuer.baseUrl(), "admin", "idp-pw");

                HttpResponse<String> list = HTTP.send(HttpRequest.newBuilder(URI.create(sm.baseUrl()
                        + "/v1/platforms")).header("Authorization", "Bearer " + smctl.accessToken()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            }
        }
    }

    @Test
    @DisplayName("SM_PUBLIC_URL names the issuer (a trailing slash dropped); ES256 keys with SM_TOKEN_ALGORITHM")
    void publicUrlAndAlgorithm() throws Exception {
        try (Running sm = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw", "SM_PUBLIC_URL", "https://sm.example.com/", "SM_TOKEN_ALGORITHM",
                "ES256", "SM_TOKEN_TTL_SECONDS", "120"))) {
            assertThat(Smctl.json(Smctl.info(HTTP, sm.baseUrl(), "")).get("token_issuer_url").asText())
                    .isEqualTo("https://sm.example.com/oauth");
            assertThat(Smctl.json(get(sm.baseUrl() + "/oauth/token_keys")).get("keys").get(0).get("kty").asText())
                    .isEqualTo("EC");
            HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(sm.baseUrl() + "/oauth/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("client_id=cf&grant_type=password&password=admin-pw"
                            + "&username=admin")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(Smctl.json(token).get("expires_in").asInt()).isEqualTo(120);
        }
    }

    @Test
    @DisplayName("with a wildcard SM_HOST and no SM_PUBLIC_URL the issuer names localhost")
    void wildcardHost() throws Exception {
        try (Running sm = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", "SM_HOST", "0.0.0.0",
                "SM_ADMIN_PASSWORD", "admin-pw"))) {
            assertThat(Smctl.json(Smctl.info(HTTP, "http://127.0.0.1:" + sm.port(), "")).get("token_issuer_url")
                    .asText()).isEqualTo("http://localhost:" + sm.port() + "/oauth");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "SM_TOKEN_ISSUER=maybe | SM_TOKEN_ISSUER must be on or off, was 'maybe'",
        "SM_TOKEN_ISSUER=on;SM_OIDC_ISSUER_URL=http://127.0.0.1:1/idp | SM_TOKEN_ISSUER=on and SM_OIDC_ISSUER_URL contradict each other",
        "SM_OIDC_ISSUER_URL=http://127.0.0.1:1/idp | SM_OIDC_AUDIENCE must be set with SM_OIDC_ISSUER_URL",
        "SM_OIDC_ISSUER_URL=ftp://idp | SM_OIDC_ISSUER_URL must be an http or https URL",
        "SM_OIDC_ISSUER_URL=http://idp.example.com;SM_OIDC_AUDIENCE=sm | SM_OIDC_ISSUER_URL must be https (plain http only on loopback), was 'http://idp.example.com'",
        "SM_OIDC_AUDIENCE=sm | SM_OIDC_AUDIENCE needs SM_OIDC_ISSUER_URL",
        "SM_TOKEN_ISSUER=off;SM_TOKEN_CLIENTS=robot:s3cr3t:admin | SM_TOKEN_CLIENTS configures the built-in token issuer, which is off",
        "SM_TOKEN_TTL_SECONDS=10 | SM_TOKEN_TTL_SECONDS must be an integer between 60 and 86400, was '10'",
        "SM_TOKEN_ALGORITHM=HS256 | SM_TOKEN_ALGORITHM must be RS256 or ES256, was 'HS256'",
        "SM_TOKEN_CLIENTS=robot:s3cr3t:admin,robot2:s3cr3t:root | SM_TOKEN_CLIENTS entry 2 (client 'robot2') has the role 'root'; it must be admin or read-only",
        "SM_TOKEN_CLIENTS=robot-s3cr3t | SM_TOKEN_CLIENTS entry 1 must have the form id:secret:role",
        "SM_TOKEN_CLIENTS=robot:admin | SM_TOKEN_CLIENTS entry 1 (client 'robot') must have the form id:secret:role",
        "SM_TOKEN_CLIENTS=cf:s3cr3t:admin | SM_TOKEN_CLIENTS: client id cf is reserved",
        "SM_TOKEN_CLIENTS=robot:s3cr3t:admin,robot:s3cr3t:admin | SM_TOKEN_CLIENTS: client robot is configured twice",
        "SM_PUBLIC_URL=sm.example.com | SM_PUBLIC_URL must be an http or https URL",
        "SM_READ_ONLY_USERNAME=viewer | SM_READ_ONLY_PASSWORD must be set too when SM_READ_ONLY_USERNAME is set",
        "SM_READ_ONLY_PASSWORD=s3cr3t | SM_READ_ONLY_USERNAME must be set too when SM_READ_ONLY_PASSWORD is set",
        "SM_READ_ONLY_USERNAME=admin;SM_READ_ONLY_PASSWORD=s3cr3t | SM_READ_ONLY_USERNAME must differ from the admin's user name, was 'admin'"})
    @DisplayName("a bad or contradicting token setting fails the start naming the variable, never showing a secret")
    void badConfiguration(String settings, String message) {
        Map<String, String> env = new HashMap<>(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw"));
        for (String setting : settings.split(";")) {
            String[] pair = setting.split("=", 2);
            env.put(pair[0], pair[1]);
        }

        assertThatThrownBy(() -> StandaloneServer.start(env).close())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }

    @Test
    @DisplayName("an SM_OIDC_ISSUER_URL that serves no discovery document fails the start naming it")
    void unreachableIssuer() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw", "SM_OIDC_ISSUER_URL", "http://127.0.0.1:" + port + "/idp",
                "SM_OIDC_AUDIENCE", "sm")).close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SM_OIDC_ISSUER_URL=http://127.0.0.1:" + port + "/idp");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
