package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.servicemanager.api.model.Notification;
import org.servicemanager.servlet.NotificationNode.Handshake;
import org.servicemanager.servlet.NotificationNode.PlatformLogin;
import org.servicemanager.servlet.NotificationNode.WebSocketRecorder;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.FakeBroker;

@DisplayName("GET /v1/notifications as a WebSocket through the servlet in a real Servlet 6 container")
@ParameterizedClass(name = "in {0}")
@EnumSource(Container.class)
class NotificationWebSocketTest {
    private static final int QUEUE_SIZE = 5;
    private static final String PAYLOAD = "{\"new\":{\"resource\":{\"id\":\"v1\"},\"additional\":{}}}";

    /** Declared so that JUnit passes it to the class-invocation methods below, too. */
    @Parameter
    Container container;

    private static MemoryStore store;
    private static NotificationNode node;

    private PlatformLogin platform;
    private long start;

    @BeforeParameterizedClassInvocation
    static void startNode(Container container) throws Exception {
        store = new MemoryStore();
        node = NotificationNode.start(container, store, b -> b.notificationQueueSize(QUEUE_SIZE));
    }

    @AfterParameterizedClassInvocation
    static void stopNode() {
        NotificationNode.stop(node, store);
    }

    @BeforeEach
    void newPlatform() throws Exception {
        platform = node.registerPlatform();
        start = store.notifications().newestRevision();
    }

    private static Notification append(String platformId) {
        return NotificationNode.append(store, platformId, PAYLOAD);
    }

    @Nested
    @DisplayName("before the upgrade")
    class Refusals {

        @Test
        @DisplayName("a request without credentials gets 401")
        void noCredentials() throws Exception {
            assertThat(node.handshake(null, null).status()).isEqualTo(401);
        }

        @Test
        @DisplayName("a request with wrong credentials gets 401")
        void wrongCredentials() throws Exception {
            assertThat(node.handshake(NotificationNode.basic("nobody", "wrong"), null).status()).isEqualTo(401);
        }

        @Test
        @DisplayName("an administrator gets 403: the endpoint is for platforms")
        void admin() throws Exception {
            Handshake answer = node.handshake(NotificationNode.ADMIN, null);

            assertThat(answer.status()).isEqualTo(403);
            assertThat(NotificationNode.parse(answer.body()).get("error").asText()).isEqualTo("Forbidden");
        }

        @Test
        @DisplayName("last_notification_revision that is not a non-negative integer gets 400")
        void notAnInteger() throws Exception {
            assertThat(node.handshake(platform.authorization(), "last_notification_revision=abc").status())
                    .isEqualTo(400);
            assertThat(node.handshake(platform.authorization(), "last_notification_revision=-1").status())
                    .isEqualTo(400);
            assertThat(node.handshake(platform.authorization(), "last_notification_revision=").status())
                    .isEqualTo(400);
        }

        @Test
        @DisplayName("last_notification_revision given twice gets 400")
        void twice() throws Exception {
            Handshake answer = node.handshake(platform.authorization(),
                    "last_notification_revision=" + start + "&last_notification_revision=" + start);

            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).contains("once");
        }

        @Test
        @DisplayName("a revision newer than the newest gets 410 with an error body")
        void tooNew() throws Exception {
            Handshake answer = node.handshake(platform.authorization(), "last_notification_revision=" + (start + 1));

            assertThat(answer.status()).isEqualTo(410);
            JsonNode body = NotificationNode.parse(answer.body());
            assertThat(body.get("error").asText()).isEqualTo("Gone");
            assertThat(body.get("description").asText()).contains("newer than the newest");
        }

        @Test
        @DisplayName("a revision far beyond any long gets 410, not 400")
        void hugeRevision() throws Exception {
            assertThat(node.handshake(platform.authorization(), "last_notification_revision=99999999999999999999999")
                    .status()).isEqualTo(410);
        }

        @Test
        @DisplayName("a backlog larger than the per-connection queue gets 410")
        void backlogTooLarge() throws Exception {
            for (int i = 0; i <= QUEUE_SIZE; i++) {
                append(platform.id());
            }

            Handshake answer = node.handshake(platform.authorization(), "last_notification_revision=" + start);

            assertThat(answer.status()).isEqualTo(410);
            assertThat(answer.body()).contains("more than " + QUEUE_SIZE);
        }

        @Test
        @DisplayName("other platforms' notifications do not count toward the backlog")
        void backlogOfOthers() throws Exception {
            PlatformLogin other = node.registerPlatform();
            for (int i = 0; i <= QUEUE_SIZE; i++) {
                append(other.id());
            }

            assertThat(node.handshake(platform.authorization(), "last_notification_revision=" + start).status())
                    .isEqualTo(101);
        }
    }

    @Nested
    @DisplayName("a GET without the upgrade")
    class PlainGet {

        private HttpResponse<String> get(String authorization, String query) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(node.jetty.uri("/v1/notifications"
                    + (query == null ? "" : "?" + query))).GET();
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            return NotificationNode.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        @Test
        @DisplayName("answers a platform 200 with the newest revision and max_ping_period, as JSON and as headers")
        void values() throws Exception {
            Notification newest = append(platform.id());

            HttpResponse<String> response = get(platform.authorization(), null);

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = NotificationNode.parse(response.body());
            assertThat(body.get("last_notification_revision").asLong()).isEqualTo(newest.revision());
            assertThat(body.get("max_ping_period").asLong()).isEqualTo(60000);
            assertThat(response.headers().firstValue("last_notification_revision"))
                    .contains(Long.toString(newest.revision()));
            assertThat(response.headers().firstValue("max_ping_period")).contains("60000");
        }

        @Test
        @DisplayName("refuses as the upgrade does: no or wrong credentials 401, an administrator 403")
        void refusals() throws Exception {
            assertThat(get(null, null).statusCode()).isEqualTo(401);
            assertThat(get(NotificationNode.basic("nobody", "wrong"), null).statusCode()).isEqualTo(401);
            assertThat(get(NotificationNode.ADMIN, null).statusCode()).isEqualTo(403);
        }

        @Test
        @DisplayName("checks last_notification_revision as the upgrade does: 200 when available, 410 when not, 400 when malformed")
        void probe() throws Exception {
            assertThat(get(platform.authorization(), "last_notification_revision=" + start).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> tooNew = get(platform.authorization(), "last_notification_revision=" + (start + 1));
            assertThat(tooNew.statusCode()).isEqualTo(410);
            assertThat(NotificationNode.parse(tooNew.body()).get("error").asText()).isEqualTo("Gone");
            assertThat(get(platform.authorization(), "last_notification_revision=abc").statusCode()).isEqualTo(400);
        }
    }

    @Nested
    @DisplayName("the upgrade")
    class Upgrade {

        @Test
        @DisplayName("answers 101 with last_notification_revision (the newest) and max_ping_period (ms)")
        void headers() throws Exception {
            Notification newest = append(platform.id());

            Handshake answer = node.handshake(platform.authorization(), null);

            assertThat(answer.status()).isEqualTo(101);
            assertThat(answer.headers()).containsEntry("last_notification_revision",
                    Long.toString(newest.revision()));
            assertThat(answer.headers()).containsEntry("max_ping_period", "60000");
        }
    }

    @Nested
    @DisplayName("after the upgrade")
    class Delivery {

        @Test
        @DisplayName("the notifications after N come first, in order, then new ones live; other platforms' never")
        void replayThenLive() throws Exception {
            PlatformLogin other = node.registerPlatform();
            List<Long> expected = new ArrayList<>();
            expected.add(append(platform.id()).revision());
            append(other.id());
            expected.add(append(null).revision());
            expected.add(append(platform.id()).revision());

            WebSocketRecorder ws = node.connect(platform.authorization(), "last_notification_revision=" + start);
            try {
                append(other.id());
                expected.add(append(platform.id()).revision());
                expected.add(append(null).revision());

                List<Long> received = new ArrayList<>();
                for (int i = 0; i < expected.size(); i++) {
                    JsonNode frame = ws.next();
                    received.add(frame.get("revision").asLong());
                    assertThat(frame.get("platform_id").isNull() || frame.get("platform_id").asText()
                            .equals(platform.id())).isTrue();
                }
                assertThat(received).containsExactlyElementsOf(expected);
                assertThat(ws.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
            } finally {
                ws.close();
            }
        }

        @Test
        @DisplayName("a frame is the notification as JSON with its payload as an object")
        void frameFormat() throws Exception {
            WebSocketRecorder ws = node.connect(platform.authorization(), null);
            try {
                Notification sent = append(platform.id());

                JsonNode frame = ws.next();

                assertThat(frame.get("id").asText()).isEqualTo(sent.id());
                assertThat(frame.get("resource").asText()).isEqualTo("/v1/visibilities");
                assertThat(frame.get("type").asText()).isEqualTo("CREATED");
                assertThat(frame.get("platform_id").asText()).isEqualTo(platform.id());
                assertThat(frame.get("revision").asLong()).isEqualTo(sent.revision());
                assertThat(frame.get("correlation_id").asText()).isEqualTo(sent.correlationId());
                assertThat(Instant.parse(frame.get("created_at").asText())).isNotNull();
                assertThat(frame.get("payload").isObject()).isTrue();
                assertThat(frame.at("/payload/new/resource/id").asText()).isEqualTo("v1");
            } finally {
                ws.close();
            }
        }

        @Test
        @DisplayName("without N only notifications newer than the upgrade come")
        void withoutRevision() throws Exception {
            append(platform.id());
            append(null);

            WebSocketRecorder ws = node.connect(platform.authorization(), null);
            try {
                Notification fresh = append(platform.id());

                assertThat(ws.next().get("revision").asLong()).isEqualTo(fresh.revision());
                assertThat(ws.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
            } finally {
                ws.close();
            }
        }

        @Test
        @DisplayName("a client that does not read overflows its queue and is closed with 1008")
        void overflow() throws Exception {
            WebSocketRecorder ws = node.connect(platform.authorization(), null, false);
            try {
                // Large frames fill the socket buffers, so sends stop completing and the queue fills.
                String big = "{\"new\":{\"resource\":{\"id\":\"" + "x".repeat(256 * 1024) + "\"}}}";
                int appended = 0;
                while (node.sm.openNotificationStreams() > 0 && appended < 400) {
                    NotificationNode.append(store, platform.id(), big);
                    appended++;
                    if (appended % 20 == 0) {
                        Thread.sleep(50); // let the poller catch up
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (node.sm.openNotificationStreams() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(node.sm.openNotificationStreams()).isZero();

                ws.read();
                assertThat(ws.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1008);
                assertThat(ws.frames.size()).isLessThan(appended);
            } finally {
                ws.socket.abort();
            }
        }

        @Test
        @DisplayName("a slow client does not delay another platform's client")
        void slowClientDoesNotBlockOthers() throws Exception {
            PlatformLogin other = node.registerPlatform();
            WebSocketRecorder slow = node.connect(platform.authorization(), null, false);
            WebSocketRecorder fast = node.connect(other.authorization(), null);
            try {
                String big = "{\"new\":{\"resource\":{\"id\":\"" + "x".repeat(256 * 1024) + "\"}}}";
                for (int i = 0; i < 40; i++) {
                    NotificationNode.append(store, platform.id(), big);
                }
                Notification forFast = append(other.id());

                assertThat(fast.next().get("revision").asLong()).isEqualTo(forFast.revision());
            } finally {
                slow.socket.abort();
                fast.close();
            }
        }
    }

    @Nested
    @DisplayName("platform activity")
    class Activity {

        @Test
        @DisplayName("a platform with a connection open is active, and after it closes inactive with last_active")
        void activeWhileConnected() throws Exception {
            JsonNode before = node.getAsAdmin("/v1/platforms/" + platform.id());
            assertThat(before.get("active").asBoolean()).isFalse();
            assertThat(before.has("last_active")).isFalse();

            WebSocketRecorder ws = node.connect(platform.authorization(), null);
            JsonNode during = node.getAsAdmin("/v1/platforms/" + platform.id());
            assertThat(during.get("active").asBoolean()).isTrue();
            assertThat(during.has("last_active")).isTrue();

            ws.close();
            JsonNode after = awaitPlatform(p -> !p.get("active").asBoolean());
            assertThat(after.has("last_active")).isTrue();
        }

        @Test
        @DisplayName("the platform list shows active for each platform")
        void list() throws Exception {
            WebSocketRecorder ws = node.connect(platform.authorization(), null);
            try {
                JsonNode items = node.getAsAdmin("/v1/platforms?max_items=500").get("items");
                boolean found = false;
                for (JsonNode item : items) {
                    assertThat(item.has("active")).isTrue();
                    if (item.get("id").asText().equals(platform.id())) {
                        found = true;
                        assertThat(item.get("active").asBoolean()).isTrue();
                    }
                }
                assertThat(found).isTrue();
            } finally {
                ws.close();
            }
        }

        @Test
        @DisplayName("active and last_active cannot be set: PATCH with them is 400")
        void readOnly() throws Exception {
            HttpResponse<String> response = NotificationNode.HTTP.send(
                    HttpRequest.newBuilder(node.jetty.uri("/v1/platforms/" + platform.id()))
                            .header("Authorization", NotificationNode.ADMIN)
                            .header("Content-Type", "application/json")
                            .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"active\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(400);
        }

        private JsonNode awaitPlatform(java.util.function.Predicate<JsonNode> condition) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            JsonNode current = node.getAsAdmin("/v1/platforms/" + platform.id());
            while (!condition.test(current) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                current = node.getAsAdmin("/v1/platforms/" + platform.id());
            }
            assertThat(condition.test(current)).as("platform state %s", current).isTrue();
            return current;
        }
    }

    @Nested
    @DisplayName("retention")
    class Retention {

        @Test
        @DisplayName("a revision whose successors were removed gets 410")
        void tooOld() throws Exception {
            Instant old = Instant.now().minus(Duration.ofHours(13));
            NotificationNode.append(store, platform.id(), PAYLOAD, old);
            NotificationNode.append(store, platform.id(), PAYLOAD, old);

            assertThat(node.sm.cleanUpNotifications()).isGreaterThanOrEqualTo(2);

            Handshake answer = node.handshake(platform.authorization(), "last_notification_revision=" + start);
            assertThat(answer.status()).isEqualTo(410);
            assertThat(answer.body()).contains("removed");
            assertThat(node.handshake(platform.authorization(),
                    "last_notification_revision=" + store.notifications().removedThrough()).status()).isEqualTo(101);
        }
    }

    @Nested
    @DisplayName("without Jakarta WebSocket in the container")
    class NoWebSocket {

        @Test
        @DisplayName("the upgrade is answered 501 naming what is missing")
        void notImplemented() throws Exception {
            try (Container.Running plain = container.start(8,
                    new Container.Mount("/", "/*", new ServiceManagerServlet(node.sm), false))) {
                NotificationNode view = NotificationNode.view(node.sm, plain);
                Handshake answer = view.handshake(platform.authorization(), null);

                assertThat(answer.status()).isEqualTo(501);
                assertThat(answer.body()).contains("WebSocket");
            }
        }
    }

    @Nested
    @DisplayName("pings")
    class Pings {

        @Test
        @DisplayName("a client that sends nothing for max_ping_period is closed; one that pings stays")
        void silentClientClosed() throws Exception {
            try (NotificationNode quick = NotificationNode.start(container, store,
                    b -> b.maxPingPeriod(Duration.ofMillis(700)))) {
                PlatformLogin login = quick.registerPlatform();
                WebSocketRecorder silent = quick.connect(login.authorization(), null);
                WebSocketRecorder pinging = quick.connect(login.authorization(), null);
                long opened = System.nanoTime();
                for (int i = 0; i < 8; i++) {
                    Thread.sleep(200);
                    pinging.socket.sendPing(java.nio.ByteBuffer.allocate(0)).join();
                }
                int code = silent.closed.get(5, TimeUnit.SECONDS);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);

                assertThat(code).isIn(1001, 1008, 1011);
                assertThat(tookMillis).isGreaterThanOrEqualTo(600);
                assertThat(pinging.closed).isNotDone();
                pinging.close();
            }
        }
    }

    @Nested
    @DisplayName("while notifications are being appended")
    class Concurrent {

        @Test
        @DisplayName("connections opened meanwhile each get every notification after their N exactly once, in order")
        void noGapNoDuplicate() throws Exception {
            try (NotificationNode roomy = NotificationNode.start(container, store, b -> { })) {
                PlatformLogin login = roomy.registerPlatform();
                List<WebSocketRecorder> clients = new ArrayList<>();
                List<Long> fromRevisions = new ArrayList<>();
                int atLeast = 300;
                java.util.concurrent.atomic.AtomicBoolean connected = new java.util.concurrent.atomic.AtomicBoolean();
                Thread appender = new Thread(() -> {
                    // Appends until every connection is open (and at least atLeast), so they all overlap it.
                    for (int i = 0; i < atLeast || !connected.get(); i++) {
                        NotificationNode.append(store, i % 3 == 0 ? null : login.id(), PAYLOAD);
                        if (i % 10 == 0) {
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                        }
                    }
                });
                appender.start();
                try {
                    for (int i = 0; i < 6; i++) {
                        // N a little behind the newest: the replay and the live feed overlap.
                        long n = Math.max(start, store.notifications().newestRevision() - 3);
                        fromRevisions.add(n);
                        clients.add(roomy.connect(login.authorization(), "last_notification_revision=" + n));
                        Thread.sleep(5);
                    }
                } finally {
                    connected.set(true);
                    appender.join();
                }
                try {
                    for (int c = 0; c < clients.size(); c++) {
                        List<Long> expected = store.notifications().after(fromRevisions.get(c), login.id(), 10_000)
                                .stream().map(Notification::revision).toList();
                        List<Long> received = new ArrayList<>();
                        while (received.size() < expected.size()) {
                            received.add(clients.get(c).next().get("revision").asLong());
                        }
                        assertThat(received).as("client %d from %d", c, fromRevisions.get(c))
                                .containsExactlyElementsOf(expected);
                        assertThat(clients.get(c).frames.poll(100, TimeUnit.MILLISECONDS)).isNull();
                    }
                } finally {
                    clients.forEach(WebSocketRecorder::close);
                }
            }
        }
    }

    @Nested
    @DisplayName("changes through the REST API")
    class RealChanges {

        @Test
        @DisplayName("a visibility for the platform arrives at once; one for another platform, and the registration "
                + "of a broker it sees no plan of, never")
        void brokerAndVisibility() throws Exception {
            PlatformLogin other = node.registerPlatform();
            try (FakeBroker broker = FakeBroker.start()) {
                WebSocketRecorder ws = node.connect(platform.authorization(), null);
                try {
                    // The broker's CREATED goes out at once (the request wakes the hub), while the platform
                    // sees none of its plans: so it never arrives.
                    JsonNode created = node.postAsAdmin("/v1/service_brokers", "{\"name\":\"b-" + platform.id()
                            + "\",\"broker_url\":\"" + broker.url() + "\",\"credentials\":{\"basic\":"
                            + "{\"username\":\"u\",\"password\":\"p\"}}}");
                    assertThat(ws.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();

                    String planId = node.getAsAdmin("/v1/service_plans?fieldQuery="
                            + java.net.URLEncoder.encode("service_offering_id in ("
                                    + offeringIds(created.get("id").asText()) + ")", java.nio.charset.StandardCharsets.UTF_8))
                            .at("/items/0/id").asText();
                    node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planId + "\",\"platform_id\":\""
                            + other.id() + "\"}");
                    long sent = System.nanoTime();
                    node.postAsAdmin("/v1/visibilities", "{\"service_plan_id\":\"" + planId + "\",\"platform_id\":\""
                            + platform.id() + "\"}");
                    JsonNode visibilityFrame = ws.next();
                    long visibilityMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);

                    assertThat(visibilityFrame.get("resource").asText()).isEqualTo("/v1/visibilities");
                    assertThat(visibilityFrame.get("platform_id").asText()).isEqualTo(platform.id());
                    assertThat(ws.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
                    System.out.println("REST change -> frame on the same node (ms): visibility " + visibilityMillis);
                } finally {
                    ws.close();
                }
            }
        }

        private String offeringIds(String brokerId) throws Exception {
            JsonNode items = node.getAsAdmin("/v1/service_offerings?fieldQuery="
                    + java.net.URLEncoder.encode("broker_id eq '" + brokerId + "'", java.nio.charset.StandardCharsets.UTF_8))
                    .get("items");
            List<String> ids = new ArrayList<>();
            items.forEach(item -> ids.add("'" + item.get("id").asText() + "'"));
            return String.join(",", ids);
        }
    }

    @Nested
    @DisplayName("when the store fails for a while")
    class StoreOutage {

        @Test
        @DisplayName("the connection stays open and gets what was committed meanwhile once reading works again")
        void resumes() throws Exception {
            java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
            org.servicemanager.api.store.Store flaky = new org.servicemanager.api.store.ForwardingStore(store) {
                @Override
                public org.servicemanager.api.store.NotificationLog notifications() {
                    if (failing.get()) {
                        throw new IllegalStateException("the database is away");
                    }
                    return super.notifications();
                }
            };
            try (NotificationNode flakyNode = NotificationNode.start(container, flaky, b -> { })) {
                PlatformLogin login = flakyNode.registerPlatform();
                WebSocketRecorder ws = flakyNode.connect(login.authorization(), null);
                try {
                    failing.set(true);
                    Notification during = append(login.id());
                    assertThat(ws.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();

                    failing.set(false);

                    assertThat(ws.next().get("revision").asLong()).isEqualTo(during.revision());
                    assertThat(ws.closed).isNotDone();
                } finally {
                    failing.set(false);
                    ws.close();
                }
            }
        }
    }

    @Nested
    @DisplayName("when the Service Manager closes")
    class Shutdown {

        @Test
        @DisplayName("its open connections are closed with 1001 so the proxies reconnect elsewhere")
        void goingAway() throws Exception {
            NotificationNode closing = NotificationNode.start(container, store, b -> { });
            try {
                PlatformLogin login = closing.registerPlatform();
                WebSocketRecorder ws = closing.connect(login.authorization(), null);

                closing.sm.close();

                assertThat(ws.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
            } finally {
                closing.close();
            }
        }
    }

    @Nested
    @DisplayName("when the platform or its credentials go away")
    class Revocation {

        /** Asserts that {@code ws} is open: not closed, and it gets a notification of its platform. */
        private void assertOpen(WebSocketRecorder ws, String platformId) throws Exception {
            assertThat(ws.closed).isNotDone();
            Notification n = append(platformId);
            assertThat(ws.next().get("revision").asLong()).isEqualTo(n.revision());
        }

        @Test
        @DisplayName("deleting the platform closes its open connection at once with 1008; another platform's stays")
        void deleted() throws Exception {
            PlatformLogin other = node.registerPlatform();
            WebSocketRecorder ws = node.connect(platform.authorization(), null);
            WebSocketRecorder others = node.connect(other.authorization(), null);
            try {
                node.sendAsAdmin("DELETE", "/v1/platforms/" + platform.id(), null);

                assertThat(ws.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
                assertThat(ws.closeReason).isEqualTo("platform deleted");
                assertOpen(others, other.id());
            } finally {
                ws.close();
                others.close();
            }
        }

        @Test
        @DisplayName("a cascade delete of the platform closes its open connection with 1008 once the platform is "
                + "deleted; another platform's stays")
        void cascadeDeleted() throws Exception {
            PlatformLogin other = node.registerPlatform();
            WebSocketRecorder ws = node.connect(platform.authorization(), null);
            WebSocketRecorder others = node.connect(other.authorization(), null);
            try {
                node.sendAsAdmin("DELETE", "/v1/platforms/" + platform.id() + "?cascade=true", null, 202);

                assertThat(ws.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
                assertThat(ws.closeReason).isEqualTo("platform deleted");
                assertOpen(others, other.id());
            } finally {
                ws.close();
                others.close();
            }
        }

        @Test
        @DisplayName("deleting platforms by query closes their open connections at once with 1008")
        void bulkDeleted() throws Exception {
            WebSocketRecorder ws = node.connect(platform.authorization(), null);
            try {
                node.sendAsAdmin("DELETE", "/v1/platforms?fieldQuery=id+eq+'" + platform.id() + "'", null);

                assertThat(ws.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
                assertThat(ws.closeReason).isEqualTo("platform deleted");
            } finally {
                ws.close();
            }
        }

        @Test
        @DisplayName("a connection opened with the previous credentials stays open after a regeneration until the "
                + "new ones are used, then the periodic check closes it with 1008; one opened with the new stays")
        void credentialsRetired() throws Exception {
            PlatformLogin other = node.registerPlatform();
            WebSocketRecorder old = node.connect(platform.authorization(), null);
            WebSocketRecorder others = node.connect(other.authorization(), null);
            WebSocketRecorder renewed = null;
            try {
                String fresh = node.regenerateCredentials(platform.id());
                node.sm.recheckNotificationStreams();
                assertOpen(old, platform.id());

                renewed = node.connect(fresh, null);
                assertThat(node.getNotifications(fresh)).isEqualTo(200);
                assertThat(node.getNotifications(platform.authorization())).isEqualTo(401);
                assertThat(node.sm.recheckNotificationStreams()).isEqualTo(1);

                assertThat(old.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
                assertThat(old.closeReason).isEqualTo("credentials no longer valid");
                assertOpen(renewed, platform.id());
                assertOpen(others, other.id());
            } finally {
                old.close();
                others.close();
                if (renewed != null) {
                    renewed.close();
                }
            }
        }

        @Test
        @DisplayName("a platform deleted through node A has its connection to node B closed by B's periodic check")
        void deletedThroughAnotherNode() throws Exception {
            try (NotificationNode b = NotificationNode.start(container, store, builder -> { })) {
                WebSocketRecorder ws = b.connect(platform.authorization(), null);
                try {
                    node.sendAsAdmin("DELETE", "/v1/platforms/" + platform.id(), null);
                    assertThat(ws.closed).isNotDone();

                    assertThat(b.sm.recheckNotificationStreams()).isEqualTo(1);

                    assertThat(ws.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
                    assertThat(ws.closeReason).isEqualTo("platform deleted");
                } finally {
                    ws.close();
                }
            }
        }
    }

    @Nested
    @DisplayName("two nodes on one store")
    class TwoNodes {

        @Test
        @DisplayName("a notification committed through node A reaches a client of node B within a second")
        void acrossNodes() throws Exception {
            try (NotificationNode b = NotificationNode.start(container, store, builder -> { })) {
                WebSocketRecorder ws = b.connect(platform.authorization(), null);
                try {
                    List<Long> latencies = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        long sent = System.nanoTime();
                        Notification n = append(platform.id());
                        JsonNode frame = ws.next();
                        latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                        assertThat(frame.get("revision").asLong()).isEqualTo(n.revision());
                    }
                    System.out.println("node A -> node B latency (ms, memory store): " + latencies);
                } finally {
                    ws.close();
                }
            }
        }
    }
}
