package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.core.NotificationStream;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;

/**
 * A quick measure of the hub's fan-out, the hot path of visibility notifications: many open
 * streams (as many proxies) and notifications appended straight to the log, timed from the first
 * append until every stream has its last frame. Streams are opened through the public API with a
 * sink that completes each send at once, so only the Service Manager's side is measured. Also
 * broker notifications of a 100-plan broker, which each platform gets cut to the plan it may see.
 * Prints its numbers; asserts only that everything arrived.
 */
@DisplayName("Notification fan-out to many streams (a quick measure)")
class NotificationFanOutBenchmarkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PLATFORMS = 50;
    private static final int STREAMS_PER_PLATFORM = 10;
    private static final int NOTIFICATIONS = 1000;
    private static final int BROKER_NOTIFICATIONS = 50;
    private static final int BROKER_PLANS = 100;
    private static final String PAYLOAD = "{\"new\":{\"resource\":{\"id\":\"v1\",\"platform_id\":null},"
            + "\"additional\":{\"broker_id\":\"b\",\"broker_name\":\"n\",\"service_plan\":{\"id\":\"p\"}}}}";

    /** Counts the frames a stream got; completes every send at once. */
    private static final class CountingSink implements NotificationStream.Sink {
        final AtomicInteger frames = new AtomicInteger();

        @Override
        public void send(String text, Consumer<Throwable> whenSent) {
            frames.incrementAndGet();
            whenSent.accept(null);
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    @Test
    @DisplayName("visibility notifications for all and for one platform reach 500 streams")
    void fanOut() throws Exception {
        try (MemoryStore store = new MemoryStore();
                ServiceManager sm = ServiceManager.builder().store(store).adminUser("admin", "admin-pass")
                        .notificationQueueSize(NOTIFICATIONS * 2).build()) {
            String admin = basic("admin", "admin-pass");
            List<String> platformIds = new ArrayList<>();
            List<String> logins = new ArrayList<>();
            for (int p = 0; p < PLATFORMS; p++) {
                SmResponse created = sm.handle(SmRequest.builder("POST", "/v1/platforms").header("Authorization", admin)
                        .jsonBody("{\"name\":\"p-" + UUID.randomUUID() + "\",\"type\":\"cf\"}").build());
                JsonNode body = JSON.readTree(created.body());
                platformIds.add(body.get("id").asText());
                JsonNode basic = body.at("/credentials/basic");
                logins.add(basic(basic.get("username").asText(), basic.get("password").asText()));
            }
            // A broker of BROKER_PLANS plans; platform p may see plan p % BROKER_PLANS. Before any stream opens.
            Notification brokerCreated;
            try (FakeBroker broker = FakeBroker.start()) {
                Catalogs.Offering offering = Catalogs.offering("big");
                for (int i = 0; i < BROKER_PLANS; i++) {
                    offering.plan(Catalogs.plan("plan-" + i));
                }
                broker.catalog(Catalogs.of(offering));
                SmResponse registered = sm.handle(SmRequest.builder("POST", "/v1/service_brokers")
                        .header("Authorization", admin).jsonBody("{\"name\":\"big\",\"broker_url\":\"" + broker.url()
                                + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}").build());
                assertThat(registered.status()).isEqualTo(201);
                JsonNode plans = JSON.readTree(sm.handle(SmRequest.builder("GET", "/v1/service_plans")
                        .query("max_items=500").header("Authorization", admin).build()).body()).get("items");
                for (int p = 0; p < PLATFORMS; p++) {
                    SmResponse visibility = sm.handle(SmRequest.builder("POST", "/v1/visibilities")
                            .header("Authorization", admin).jsonBody("{\"service_plan_id\":\""
                                    + plans.get(p % BROKER_PLANS).get("id").asText() + "\",\"platform_id\":\""
                                    + platformIds.get(p) + "\"}").build());
                    assertThat(visibility.status()).isEqualTo(201);
                }
                brokerCreated = store.notifications().after(0, null, 10_000).stream()
                        .filter(n -> n.resource().equals("/v1/service_brokers")).findFirst().orElseThrow();
            }
            List<List<CountingSink>> sinks = new ArrayList<>();
            List<NotificationStream> streams = new ArrayList<>();
            for (String login : logins) {
                List<CountingSink> ofPlatform = new ArrayList<>();
                for (int s = 0; s < STREAMS_PER_PLATFORM; s++) {
                    NotificationStream.Opening opening = sm.openNotificationStream(
                            SmRequest.builder("GET", "/v1/notifications").header("Authorization", login).build());
                    NotificationStream stream = ((NotificationStream.Opened) opening).stream();
                    CountingSink sink = new CountingSink();
                    stream.start(sink);
                    streams.add(stream);
                    ofPlatform.add(sink);
                }
                sinks.add(ofPlatform);
            }
            try {
                // Warm-up, then the measured rounds: all-platform notifications, then one platform each.
                round(store, sinks, null, 50, "/v1/visibilities", PAYLOAD);
                long[] forAll = new long[3];
                long[] forOne = new long[3];
                long[] brokers = new long[3];
                for (int r = 0; r < 3; r++) {
                    forAll[r] = round(store, sinks, null, NOTIFICATIONS, "/v1/visibilities", PAYLOAD);
                    forOne[r] = round(store, sinks, platformIds, NOTIFICATIONS, "/v1/visibilities", PAYLOAD);
                    brokers[r] = round(store, sinks, null, BROKER_NOTIFICATIONS, "/v1/service_brokers",
                            brokerCreated.payload());
                }
                System.out.println("fan-out, " + NOTIFICATIONS + " visibility notifications, "
                        + PLATFORMS * STREAMS_PER_PLATFORM + " streams: platform_id null (each to all) ms "
                        + Arrays.toString(forAll) + "; platform_id set (each to " + STREAMS_PER_PLATFORM
                        + " streams) ms " + Arrays.toString(forOne) + "; " + BROKER_NOTIFICATIONS
                        + " broker notifications (" + BROKER_PLANS + " plans, each platform sees one) ms "
                        + Arrays.toString(brokers));
            } finally {
                streams.forEach(NotificationStream::close);
            }
        }
    }

    /**
     * Appends {@code count} notifications (for all platforms, or round-robin one platform each) and
     * waits until every stream has what it should.
     *
     * @return milliseconds from the first append until every frame arrived
     */
    private static long round(MemoryStore store, List<List<CountingSink>> sinks, List<String> platformIds, int count,
            String resource, String payload) throws InterruptedException {
        int[][] expected = new int[sinks.size()][];
        for (int p = 0; p < sinks.size(); p++) {
            expected[p] = new int[sinks.get(p).size()];
            for (int s = 0; s < expected[p].length; s++) {
                expected[p][s] = sinks.get(p).get(s).frames.get();
            }
        }
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String platformId = platformIds == null ? null : platformIds.get(i % platformIds.size());
            store.inTransaction(tx -> tx.notifications().append(new Notification(UUID.randomUUID().toString(),
                    resource, NotificationType.CREATED, platformId, 0, payload, null,
                    java.time.Instant.now())));
            if (platformIds == null) {
                for (int[] e : expected) {
                    for (int s = 0; s < e.length; s++) {
                        e[s]++;
                    }
                }
            } else {
                for (int s = 0; s < expected[i % platformIds.size()].length; s++) {
                    expected[i % platformIds.size()][s]++;
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int p = 0; p < sinks.size(); p++) {
            for (int s = 0; s < expected[p].length; s++) {
                CountingSink sink = sinks.get(p).get(s);
                while (sink.frames.get() < expected[p][s] && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    Thread.sleep(0, 100_000);
                }
                assertThat(sink.frames.get()).as("frames of stream %d of platform %d", s, p).isEqualTo(expected[p][s]);
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
