package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.api.store.Store;
import org.servicemanager.standalone.StandaloneServer.Running;
import org.servicemanager.storage.jdbc.RootSafeBinaryResolver;

@DisplayName("Two standalone nodes on one PostgreSQL: the notification WebSocket")
class StandaloneTwoNodesNotificationsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
    private static final Pattern USERNAME = Pattern.compile("\"username\":\"([^\"]+)\"");
    private static final Pattern PASSWORD = Pattern.compile("\"password\":\"([^\"]+)\"");
    private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

    private static EmbeddedPostgres postgres;
    private static Running nodeA;
    private static Running nodeB;

    @BeforeAll
    static void startNodes() throws Exception {
        postgres = EmbeddedPostgres.builder()
                .setPgBinaryResolver(RootSafeBinaryResolver.runningAsRoot()
                        ? RootSafeBinaryResolver.INSTANCE : DefaultPostgresBinaryResolver.INSTANCE)
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
        String schema = "sm_ws_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = Map.of(
                "SM_STORAGE", "postgresql",
                "SM_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres") + "&currentSchema=" + schema,
                "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "given-pass",
                "SM_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key));
        nodeA = StandaloneServer.start(env);
        nodeB = StandaloneServer.start(env);
    }

    @AfterAll
    static void stopNodes() throws Exception {
        if (nodeB != null) {
            nodeB.close();
        }
        if (nodeA != null) {
            nodeA.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @DisplayName("a notification committed through node A reaches a client of node B within a second")
    void acrossNodes() throws Exception {
        Platform platform = registerPlatform(nodeA);
        Store storeOfA = nodeA.serviceManager().store();
        BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket ws = connect(nodeB, platform, null, frames);
        try {
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long sent = System.nanoTime();
                Notification n = append(storeOfA, platform.id());
                String frame = frames.poll(5, TimeUnit.SECONDS);
                latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                assertThat(frame).isNotNull();
                assertThat(revision(frame)).isEqualTo(n.revision());
            }
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            System.out.println("node A -> node B over PostgreSQL, ms: " + latencies + " (p50 " + sorted.get(9)
                    + ", max " + sorted.get(19) + ")");
        } finally {
            ws.abort();
        }
    }

    @Test
    @DisplayName("a visibility created through node A's REST API reaches a client of node B within a second")
    void restChangeAcrossNodes() throws Exception {
        Platform platform = registerPlatform(nodeA);
        try (org.servicemanager.test.broker.FakeBroker broker = org.servicemanager.test.broker.FakeBroker.start()) {
            String brokerId = group(ID, post(nodeA, "/v1/service_brokers", "{\"name\":\"b-" + UUID.randomUUID()
                    + "\",\"broker_url\":\"" + broker.url()
                    + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}"));
            String offerings = get(nodeA, "/v1/service_offerings?fieldQuery="
                    + java.net.URLEncoder.encode("broker_id eq '" + brokerId + "'", StandardCharsets.UTF_8));
            String offeringId = group(ID, offerings);
            String planId = group(ID, get(nodeA, "/v1/service_plans?fieldQuery="
                    + java.net.URLEncoder.encode("service_offering_id eq '" + offeringId + "'", StandardCharsets.UTF_8)));
            BlockingQueue<String> frames = new LinkedBlockingQueue<>();
            WebSocket ws = connect(nodeB, platform, null, frames);
            try {
                long sent = System.nanoTime();
                post(nodeA, "/v1/visibilities", "{\"service_plan_id\":\"" + planId + "\",\"platform_id\":\""
                        + platform.id() + "\"}");
                String frame = frames.poll(5, TimeUnit.SECONDS);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);

                assertThat(frame).isNotNull().contains("\"resource\":\"/v1/visibilities\"")
                        .contains("\"platform_id\":\"" + platform.id() + "\"");
                System.out.println("visibility POST on node A -> frame on node B over PostgreSQL: " + millis + " ms");
            } finally {
                ws.abort();
            }
        }
    }

    @Test
    @DisplayName("a client of node B replays from N what node A committed, then gets node A's new ones")
    void replayAcrossNodes() throws Exception {
        Platform platform = registerPlatform(nodeA);
        Store storeOfA = nodeA.serviceManager().store();
        long start = storeOfA.notifications().newestRevision();
        List<Long> expected = new ArrayList<>();
        expected.add(append(storeOfA, platform.id()).revision());
        expected.add(append(storeOfA, platform.id()).revision());
        BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket ws = connect(nodeB, platform, "last_notification_revision=" + start, frames);
        try {
            expected.add(append(storeOfA, platform.id()).revision());
            List<Long> received = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                String frame = frames.poll(5, TimeUnit.SECONDS);
                assertThat(frame).isNotNull();
                received.add(revision(frame));
            }
            assertThat(received).containsExactlyElementsOf(expected);
        } finally {
            ws.abort();
        }
    }

    @Test
    @DisplayName("node A shows the platform active while its proxy is connected to node B")
    void activityAcrossNodes() throws Exception {
        Platform platform = registerPlatform(nodeA);
        WebSocket ws = connect(nodeB, platform, null, new LinkedBlockingQueue<>());
        try {
            String shown = get(nodeA, "/v1/platforms/" + platform.id());
            assertThat(shown).contains("\"active\":true").contains("\"last_active\":");
        } finally {
            ws.abort();
        }
    }

    private record Platform(String id, String username, String password) {
    }

    private static Platform registerPlatform(Running node) throws Exception {
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/platforms"))
                .header("Authorization", basic("admin", "given-pass"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"p-" + UUID.randomUUID() + "\",\"type\":\"cf\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        return new Platform(group(ID, created.body()), group(USERNAME, created.body()), group(PASSWORD, created.body()));
    }

    private static String post(Running node, String path, String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .header("Authorization", basic("admin", "given-pass"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("POST %s: %s", path, response.body()).isEqualTo(201);
        return response.body();
    }

    private static String get(Running node, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .header("Authorization", basic("admin", "given-pass")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static WebSocket connect(Running node, Platform platform, String query, BlockingQueue<String> frames)
            throws Exception {
        return HTTP.newWebSocketBuilder()
                .header("Authorization", basic(platform.username(), platform.password()))
                .buildAsync(URI.create("ws://127.0.0.1:" + node.port() + "/v1/notifications"
                        + (query == null ? "" : "?" + query)), new WebSocket.Listener() {
                            private final StringBuilder partial = new StringBuilder();

                            @Override
                            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                                partial.append(data);
                                if (last) {
                                    frames.add(partial.toString());
                                    partial.setLength(0);
                                }
                                socket.request(1);
                                return null;
                            }
                        })
                .get(10, TimeUnit.SECONDS);
    }

    private static Notification append(Store store, String platformId) {
        Notification n = new Notification(UUID.randomUUID().toString(), "/v1/visibilities", NotificationType.CREATED,
                platformId, 0, "{\"new\":{\"resource\":{},\"additional\":{}}}", null, Instant.now());
        return store.inTransaction(tx -> tx.notifications().append(n));
    }

    private static long revision(String frame) {
        Matcher m = REVISION.matcher(frame);
        assertThat(m.find()).as("frame %s", frame).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("%s in %s", pattern, text).isTrue();
        return m.group(1);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
