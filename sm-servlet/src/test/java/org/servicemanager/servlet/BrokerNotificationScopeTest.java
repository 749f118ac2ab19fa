package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.servlet.NotificationNode.PlatformLogin;
import org.servicemanager.servlet.NotificationNode.WebSocketRecorder;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;

/**
 * A broker's notification is for every platform, but each platform sees in it only the plans it
 * may see (as in the REST lists and the OSB catalog), and one that sees none of the broker's
 * plans does not get it: otherwise any platform's credentials would read every broker's catalog
 * from the stream. Real WebSockets through the servlet in Jetty, real broker registrations.
 */
@DisplayName("Broker notifications on GET /v1/notifications, per platform")
class BrokerNotificationScopeTest {
    private static final String BROKER_PASSWORD = "broker-secret-" + UUID.randomUUID();

    private static MemoryStore store;
    private static NotificationNode node;

    private FakeBroker broker;
    private String suffix;
    private String brokerId;
    /** Catalog id to the Service Manager's plan id. */
    private final Map<String, String> planIds = new LinkedHashMap<>();
    private PlatformLogin seesP1;
    private PlatformLogin seesNothing;
    private final List<WebSocketRecorder> sockets = new ArrayList<>();

    @BeforeAll
    static void startNode() throws Exception {
        store = new MemoryStore();
        node = NotificationNode.start(store, b -> { });
    }

    @AfterAll
    static void stopNode() {
        NotificationNode.stop(node, store);
    }

    /** A broker with offerings one (p1, p2) and two (p3); a platform with a visibility for p1, one without. */
    @BeforeEach
    void registerBroker() throws Exception {
        suffix = UUID.randomUUID().toString().substring(0, 8);
        broker = FakeBroker.start().withBasicAuth("broker-user", BROKER_PASSWORD).catalog(catalog(false));
        brokerId = node.postAsAdmin("/v1/service_brokers", "{\"name\":\"b-" + suffix + "\",\"broker_url\":\""
                + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\",\"password\":\""
                + BROKER_PASSWORD + "\"}}}").get("id").asText();
        readPlanIds();
        seesP1 = node.registerPlatform();
        seesNothing = node.registerPlatform();
        node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planIds.get("p1-" + suffix)
                + "\",\"platform_id\":\"" + seesP1.id() + "\"}");
    }

    @AfterEach
    void closeAll() {
        sockets.forEach(WebSocketRecorder::close);
        sockets.clear();
        if (broker != null) {
            broker.close();
        }
    }

    /** The catalog: offering one with p1 and p2, offering two with p3, and with {@code p4} also p4 in two. */
    private String catalog(boolean p4) {
        Catalogs.Offering two = Catalogs.offering("two-" + suffix).plan(Catalogs.plan("p3-" + suffix));
        if (p4) {
            two.plan(Catalogs.plan("p4-" + suffix));
        }
        return Catalogs.of(Catalogs.offering("one-" + suffix).plan(Catalogs.plan("p1-" + suffix))
                .plan(Catalogs.plan("p2-" + suffix)), two);
    }

    private void readPlanIds() throws Exception {
        JsonNode plans = node.getAsAdmin("/v1/service_plans?max_items=500&fieldQuery=" + URLEncoder.encode(
                "catalog_id in ('p1-" + suffix + "-id','p2-" + suffix + "-id','p3-" + suffix + "-id','p4-" + suffix
                        + "-id')", StandardCharsets.UTF_8)).get("items");
        for (JsonNode plan : plans) {
            planIds.put(plan.get("catalog_id").asText().replaceAll("-id$", ""), plan.get("id").asText());
        }
    }

    private WebSocketRecorder connect(PlatformLogin login, String query) {
        WebSocketRecorder ws = node.connect(login.authorization(), query);
        sockets.add(ws);
        return ws;
    }

    /** Refreshes the broker's catalog (after adding p4 to it) as the administrator. */
    private void refreshCatalog() throws Exception {
        broker.catalog(catalog(true));
        HttpResponse<String> response = NotificationNode.HTTP.send(
                HttpRequest.newBuilder(node.jetty.uri("/v1/service_brokers/" + brokerId))
                        .header("Authorization", NotificationNode.ADMIN)
                        .header("Content-Type", "application/json")
                        .method("PATCH", HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Waits for the next broker notification, skipping visibility ones. */
    private static JsonNode nextBrokerFrame(WebSocketRecorder ws) throws InterruptedException {
        JsonNode frame = ws.next();
        while (!frame.get("resource").asText().equals("/v1/service_brokers")) {
            frame = ws.next();
        }
        return frame;
    }

    /** Offering catalog name to the catalog names of its plans (sorted), in a broker frame's {@code side}. */
    private static Map<String, List<String>> services(JsonNode frame, String side) {
        Map<String, List<String>> services = new LinkedHashMap<>();
        for (JsonNode service : frame.at("/payload/" + side + "/additional/services")) {
            List<String> plans = new ArrayList<>();
            service.get("plans").forEach(p -> plans.add(p.get("catalog_name").asText()));
            plans.sort(null);
            services.put(service.get("catalog_name").asText(), plans);
        }
        return services;
    }

    @Test
    @DisplayName("a catalog refresh reaches a platform with only the plans it may see, offerings without them dropped")
    void refreshCutToVisiblePlans() throws Exception {
        WebSocketRecorder ws = connect(seesP1, null);

        refreshCatalog();
        JsonNode frame = nextBrokerFrame(ws);

        assertThat(frame.get("type").asText()).isEqualTo("MODIFIED");
        assertThat(frame.get("platform_id").isNull()).isTrue();
        assertThat(frame.at("/payload/new/resource/id").asText()).isEqualTo(brokerId);
        assertThat(services(frame, "new")).containsExactly(Map.entry("one-" + suffix, List.of("p1-" + suffix)));
        assertThat(services(frame, "old")).containsExactly(Map.entry("one-" + suffix, List.of("p1-" + suffix)));
    }

    @Test
    @DisplayName("a platform that sees none of the broker's plans does not get its notification")
    void notToPlatformSeeingNothing() throws Exception {
        WebSocketRecorder blind = connect(seesNothing, null);
        WebSocketRecorder seeing = connect(seesP1, null);

        refreshCatalog();
        // The hub decides for every platform at once: once one got it, the other was passed over.
        nextBrokerFrame(seeing);
        node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planIds.get("p3-" + suffix)
                + "\",\"platform_id\":\"" + seesNothing.id() + "\"}");

        JsonNode first = blind.next();
        assertThat(first.get("resource").asText()).isEqualTo("/v1/visibilities");
        assertThat(first.at("/payload/new/resource/platform_id").asText()).isEqualTo(seesNothing.id());
    }

    @Test
    @DisplayName("nor in the replay from a revision before it")
    void notInReplay() throws Exception {
        long before = store.notifications().newestRevision();
        WebSocketRecorder seeing = connect(seesP1, null);
        refreshCatalog();
        long brokerRevision = nextBrokerFrame(seeing).get("revision").asLong();

        WebSocketRecorder blind = connect(seesNothing, "last_notification_revision=" + before);
        WebSocketRecorder replayed = connect(seesP1, "last_notification_revision=" + before);

        JsonNode again = nextBrokerFrame(replayed);
        assertThat(again.get("revision").asLong()).isEqualTo(brokerRevision);
        assertThat(services(again, "new")).containsExactly(Map.entry("one-" + suffix, List.of("p1-" + suffix)));
        assertThat(blind.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    @DisplayName("a visibility for all platforms shows its plan to every platform")
    void visibilityForAll() throws Exception {
        node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planIds.get("p3-" + suffix) + "\"}");
        WebSocketRecorder seeing = connect(seesP1, null);
        WebSocketRecorder other = connect(seesNothing, null);

        refreshCatalog();
        JsonNode toSeeing = nextBrokerFrame(seeing);
        JsonNode toOther = nextBrokerFrame(other);

        assertThat(services(toSeeing, "new")).containsOnly(
                Map.entry("one-" + suffix, List.of("p1-" + suffix)),
                Map.entry("two-" + suffix, List.of("p3-" + suffix)));
        assertThat(services(toOther, "new")).containsExactly(Map.entry("two-" + suffix, List.of("p3-" + suffix)));
    }

    @Test
    @DisplayName("a platform that may see every plan gets the whole catalog, old and new")
    void wholeCatalog() throws Exception {
        for (String plan : List.of("p2-", "p3-")) {
            node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planIds.get(plan + suffix)
                    + "\",\"platform_id\":\"" + seesP1.id() + "\"}");
        }
        WebSocketRecorder ws = connect(seesP1, null);

        refreshCatalog();
        JsonNode frame = nextBrokerFrame(ws);

        assertThat(services(frame, "old")).containsOnly(
                Map.entry("one-" + suffix, List.of("p1-" + suffix, "p2-" + suffix)),
                Map.entry("two-" + suffix, List.of("p3-" + suffix)));
        // p4 is new and nobody may see it yet.
        assertThat(services(frame, "new")).isEqualTo(services(frame, "old"));
    }

    @Test
    @DisplayName("on another node, a visibility created just before a refresh is in the refresh's notification")
    void otherNodeFollowsVisibilities() throws Exception {
        // The memory store is not clustered: node B never hears of node A's writes but through the log.
        try (NotificationNode b = NotificationNode.start(store, builder -> { })) {
            WebSocketRecorder ws = b.connect(seesP1.authorization(), null);
            sockets.add(ws);
            refreshCatalog();
            assertThat(services(nextBrokerFrame(ws), "new")).containsOnlyKeys("one-" + suffix);

            node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planIds.get("p3-" + suffix)
                    + "\",\"platform_id\":\"" + seesP1.id() + "\"}");
            refreshCatalog();
            JsonNode frame = nextBrokerFrame(ws);

            assertThat(services(frame, "new")).containsOnly(
                    Map.entry("one-" + suffix, List.of("p1-" + suffix)),
                    Map.entry("two-" + suffix, List.of("p3-" + suffix)));
        }
    }

    @Test
    @DisplayName("the broker's credentials never appear in its notification")
    void noCredentials() throws Exception {
        node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planIds.get("p3-" + suffix) + "\"}");
        WebSocketRecorder ws = connect(seesP1, null);

        refreshCatalog();
        String frame = nextBrokerFrame(ws).toString();

        assertThat(frame).doesNotContain(BROKER_PASSWORD).doesNotContain("\"password\"")
                .doesNotContain("credentials");
    }
}
