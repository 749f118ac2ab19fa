package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;
import org.servicemanager.standalone.StandaloneServer.Running;

@DisplayName("StandaloneServer.start(env)")
class StandaloneServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static Running server;

    @BeforeAll
    static void start() {
        server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", "SM_ADMIN_PASSWORD", "given-pass",
                "SM_BROKER_TIMEOUT_SECONDS", "5"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("with SM_PORT=0 listens on a free port of 127.0.0.1 and serves GET /v1/info")
    void servesInfo() throws Exception {
        assertThat(server.port()).isPositive();
        assertThat(server.baseUrl()).isEqualTo("http://127.0.0.1:" + server.port());

        assertThat(get("/v1/info", null).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("accepts the configured admin password and nothing else")
    void configuredPassword() throws Exception {
        assertThat(server.adminPasswordGenerated()).isFalse();
        assertThat(get("/v1/platforms", "admin:given-pass").statusCode()).isEqualTo(200);
        assertThat(get("/v1/platforms", "admin:wrong").statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("without SM_ADMIN_PASSWORD prints a generated password exactly once, and it works")
    void generatedPassword() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (Running generated = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", "SM_ADMIN_USERNAME", "root"),
                new PrintStream(console, true, StandardCharsets.UTF_8))) {
            String printed = console.toString(StandardCharsets.UTF_8);
            Matcher line = Pattern.compile("Generated admin password for user 'root': (\\S+)\\R").matcher(printed);
            assertThat(line.find()).as("printed: %s", printed).isTrue();
            String password = line.group(1);

            assertThat(generated.adminPasswordGenerated()).isTrue();
            assertThat(password).hasSizeGreaterThanOrEqualTo(32);
            assertThat(printed.split(Pattern.quote(password), -1)).hasSize(2);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(generated.baseUrl() + "/v1/platforms"))
                    .header("Authorization", basic("root:" + password)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest(name = "SM_PORT=''{0}''")
    @ValueSource(strings = {"http", "-1", "65536", "80.5"})
    @DisplayName("rejects an SM_PORT that is not an integer from 0 to 65535, naming it")
    void badPort(String port) {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", port)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("SM_PORT must be an integer between 0 and 65535, was '" + port + "'");
    }

    @ParameterizedTest(name = "SM_BROKER_TIMEOUT_SECONDS=''{0}''")
    @ValueSource(strings = {"0", "-5", "soon", "99999999999999999999"})
    @DisplayName("rejects an SM_BROKER_TIMEOUT_SECONDS that is not a positive integer, naming it")
    void badTimeout(String timeout) {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", "SM_BROKER_TIMEOUT_SECONDS", timeout)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("SM_BROKER_TIMEOUT_SECONDS must be an integer between 1 and 1000000, was '" + timeout + "'");
    }

    @ParameterizedTest(name = "SM_NOTIFICATION_RETENTION_HOURS=''{0}''")
    @ValueSource(strings = {"0", "-1", "half a day", "1000001"})
    @DisplayName("rejects an SM_NOTIFICATION_RETENTION_HOURS that is not a positive integer, naming it")
    void badRetention(String hours) {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_NOTIFICATION_RETENTION_HOURS", hours)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("SM_NOTIFICATION_RETENTION_HOURS must be an integer between 1 and 1000000, was '" + hours
                        + "'");
    }

    @ParameterizedTest(name = "{0}=''{1}''")
    @org.junit.jupiter.params.provider.CsvSource({"SM_OPERATIONS_POLL_SECONDS, 0", "SM_OPERATIONS_RETRY_SECONDS, -1",
            "SM_OPERATIONS_MAX_POLLING_MINUTES, a day", "SM_OPERATIONS_RETENTION_DAYS, 1000001"})
    @DisplayName("rejects an operations setting that is not a positive integer, naming it")
    void badOperationsSetting(String name, String value) {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", name, value)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage(name + " must be an integer between 1 and 1000000, was '" + value + "'");
    }

    @Test
    @DisplayName("serves GET /v1/notifications as a WebSocket to a platform")
    void notificationsWebSocket() throws Exception {
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/platforms"))
                .header("Authorization", basic("admin:given-pass"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ws-platform\",\"type\":\"cf\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        Matcher id = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(created.body());
        Matcher user = Pattern.compile("\"username\":\"([^\"]+)\"").matcher(created.body());
        Matcher password = Pattern.compile("\"password\":\"([^\"]+)\"").matcher(created.body());
        assertThat(id.find() && user.find() && password.find()).isTrue();
        java.util.concurrent.BlockingQueue<String> frames = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.WebSocket ws = HTTP.newWebSocketBuilder()
                .header("Authorization", basic(user.group(1) + ":" + password.group(1)))
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/notifications"),
                        new java.net.http.WebSocket.Listener() {
                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket,
                                    CharSequence data, boolean last) {
                                frames.add(data.toString());
                                socket.request(1);
                                return null;
                            }
                        })
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        try {
            org.servicemanager.api.store.Store store = server.serviceManager().store();
            store.inTransaction(tx -> tx.notifications().append(new org.servicemanager.api.model.Notification(
                    "n-1", "/v1/visibilities", org.servicemanager.api.model.NotificationType.CREATED, id.group(1), 0,
                    "{}", null, java.time.Instant.now())));

            assertThat(frames.poll(5, java.util.concurrent.TimeUnit.SECONDS)).contains("\"id\":\"n-1\"");
        } finally {
            ws.abort();
        }
    }

    private static HttpResponse<String> get(String path, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .timeout(Duration.ofSeconds(10));
        if (credentials != null) {
            request.header("Authorization", basic(credentials));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("by default keeps its registry in an H2 database under SM_DATA_DIR, with an owner-only key file")
    void defaultStorage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path data = dir.resolve("data");
        try (Running h2 = StandaloneServer.start(Map.of("SM_PORT", "0", "SM_ADMIN_PASSWORD", "given-pass",
                "SM_DATA_DIR", data.toString()))) {
            assertThat(h2.port()).isPositive();
        }
        assertThat(data.resolve("service-manager.mv.db")).isRegularFile();
        assertThat(java.nio.file.Files.getPosixFilePermissions(data.resolve("encryption.key")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(java.nio.file.Files.getPosixFilePermissions(data))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    @DisplayName("on its default H2 storage, answers forged paging tokens over HTTP with 400 InvalidToken")
    void forgedTokensOnH2(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.time.Instant far = java.time.Instant.parse("+300000-01-01T00:00:00Z");
        List<String> plains = List.of("1:platforms:" + far.getEpochSecond() + ":0:x", "1:platforms:0:0",
                "1:platforms:99999999999999999999:0:x", "hello, world");
        List<String> tokens = new java.util.ArrayList<>(plains.stream()
                .map(p -> Base64.getUrlEncoder().withoutPadding().encodeToString(p.getBytes(StandardCharsets.UTF_8)))
                .toList());
        tokens.add("not%20base64!");
        try (Running h2 = StandaloneServer.start(Map.of("SM_PORT", "0", "SM_ADMIN_PASSWORD", "given-pass",
                "SM_DATA_DIR", dir.resolve("data").toString()))) {
            for (String token : tokens) {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create(h2.baseUrl() + "/v1/platforms?token=" + token))
                        .header("Authorization", basic("admin:given-pass")).build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).as("%s: %s", token, response.body()).isEqualTo(400);
                assertThat(response.body()).as(token).contains("\"error\":\"InvalidToken\"")
                        .doesNotContain("Exception");
            }
        }
    }

    @Test
    @DisplayName("keeps the H2 database open between store calls, in a pool of connections, instead of reopening "
            + "its file for every call")
    void h2ConnectionsArePooled(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        StandaloneStorage.Opened opened = StandaloneStorage.open(Map.of("SM_DATA_DIR", dir.toString()));
        try {
            opened.store().changeRevision();
            opened.store().ping();
            assertThat(opened.pool()).isInstanceOf(StandaloneStorage.PooledH2.class);
            assertThat(((StandaloneStorage.PooledH2) opened.pool()).dataSource().getHikariPoolMXBean().getTotalConnections())
                    .as("connections kept open after the calls").isPositive();
        } finally {
            opened.close();
        }
    }

    @Test
    @DisplayName("lets each H2 connection keep more parsed statements than one provision and deprovision run")
    void h2QueryCache(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        StandaloneStorage.Opened opened = StandaloneStorage.open(Map.of("SM_DATA_DIR", dir.toString()));
        try (java.sql.Connection connection = ((StandaloneStorage.PooledH2) opened.pool()).dataSource().getConnection();
                java.sql.ResultSet rs = connection.createStatement().executeQuery("SELECT SETTING_VALUE FROM "
                        + "INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'QUERY_CACHE_SIZE'")) {
            assertThat(rs.next()).isTrue();
            assertThat(Integer.parseInt(rs.getString(1))).isGreaterThanOrEqualTo(32);
        } finally {
            opened.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "c2hvcnQ="})
    @DisplayName("refuses an SM_ENCRYPTION_KEY that is not base64 of 32 bytes")
    void badEncryptionKey(String key, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_PORT", "0", "SM_DATA_DIR", dir.toString(),
                "SM_ENCRYPTION_KEY", key)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("SM_ENCRYPTION_KEY must be base64 of 32 random bytes");
    }

    @Test
    @DisplayName("refuses an unknown SM_STORAGE, and postgresql without SM_JDBC_URL")
    void badStorage() {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_PORT", "0", "SM_STORAGE", "mongo")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("SM_STORAGE must be");
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_PORT", "0", "SM_STORAGE", "postgresql")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("SM_JDBC_URL");
    }
}
