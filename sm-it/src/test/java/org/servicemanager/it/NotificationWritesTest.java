package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.time.MutableClock;

/**
 * The notifications for Service Broker Proxies that REST changes of brokers and visibilities write,
 * read back from the store's notification log (memory store, real HTTP).
 */
@DisplayName("Notifications written by registry changes")
class NotificationWritesTest extends ApiTestBase {
    private static final String BROKERS = "/v1/service_brokers";
    private static final String VISIBILITIES = "/v1/visibilities";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private long start;

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.clock(clock);
    }

    @BeforeEach
    void markStart() {
        clock.advance(Duration.ofMinutes(1));
        start = server.sm().store().notifications().newestRevision();
    }

    /** The notifications written since the test began, in revision order. */
    private List<Notification> written() {
        return server.sm().store().notifications().after(start, null, 10_000);
    }

    private static JsonNode payload(Notification n) {
        return parse(n.payload());
    }

    private static List<String> catalogIdsOfPlans(JsonNode side) {
        List<String> ids = new ArrayList<>();
        side.at("/additional/services").forEach(s -> s.get("plans").forEach(p -> ids.add(p.get("catalog_id").asText())));
        return ids;
    }

    private static String catalog(String offering, String... plans) {
        Catalogs.Offering o = Catalogs.offering(offering);
        for (String plan : plans) {
            o.plan(Catalogs.plan(plan));
        }
        return Catalogs.of(o);
    }

    private FakeBroker brokerWith(String offering, String... plans) {
        return broker().catalog(catalog(offering, plans));
    }

    private JsonNode planByCatalogId(String brokerId, String catalogId) {
        return plansOfBroker(brokerId).stream().filter(p -> p.get("catalog_id").asText().equals(catalogId))
                .findFirst().orElseThrow();
    }

    private void patchBroker(String brokerId) {
        ApiResponse response = admin.patch(BROKERS + "/" + brokerId, json("description", "refreshed"));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("a registered broker: CREATED for all platforms with its services and plans, the request's correlation id and the clock's time")
    void brokerCreated() {
        FakeBroker fake = brokerWith("db", "small", "large");
        String correlationId = "corr-" + UUID.randomUUID();

        ApiResponse response = admin.withHeader("X-Correlation-ID", correlationId)
                .post(BROKERS, brokerBody(unique("broker"), fake.url()));
        assertThat(response.status()).as(response.body()).isEqualTo(201);

        List<Notification> written = written();
        assertThat(written).hasSize(1);
        Notification n = written.get(0);
        assertThat(n.resource()).isEqualTo(BROKERS);
        assertThat(n.type()).isEqualTo(NotificationType.CREATED);
        assertThat(n.platformId()).isNull();
        assertThat(n.correlationId()).isEqualTo(correlationId);
        assertThat(n.createdAt()).isEqualTo(clock.instant());
        JsonNode payload = payload(n);
        assertThat(fieldNames(payload)).containsExactly("new");
        assertThat(payload.at("/new/resource/id").asText()).isEqualTo(response.json().get("id").asText());
        assertThat(payload.at("/new/resource/broker_url").asText()).isEqualTo(fake.url());
        assertThat(payload.at("/new/additional/services/0/catalog_id").asText()).isEqualTo("db-id");
        assertThat(catalogIdsOfPlans(payload.get("new"))).containsExactlyInAnyOrder("small-id", "large-id");
    }

    @Test
    @DisplayName("no notification holds a broker's credentials: neither its basic password nor, after a PATCH, its token")
    void noCredentials() {
        String password = "pw-" + UUID.randomUUID();
        String token = "tok-" + UUID.randomUUID();
        FakeBroker fake = brokerWith("db", "small").withBasicAuth("user-x", password);
        ApiResponse created = admin.post(BROKERS, json("name", unique("broker"), "broker_url", fake.url(),
                "credentials", map("basic", map("username", "user-x", "password", password))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        fake.withBearerToken(token);
        clock.advance(Duration.ofMinutes(1));
        ApiResponse patched = admin.patch(BROKERS + "/" + created.json().get("id").asText(),
                json("credentials", map("basic", null, "token", token)));
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).extracting(Notification::type)
                .containsExactly(NotificationType.CREATED, NotificationType.MODIFIED);
        for (Notification n : written) {
            assertThat(n.payload()).doesNotContain(password).doesNotContain(token).doesNotContain("credentials");
        }
    }

    @Test
    @DisplayName("a broker PATCH whose catalog lost a plan and gained one: MODIFIED with the old and new services")
    void brokerModifiedByCatalogRefresh() {
        FakeBroker fake = brokerWith("db", "small", "large");
        String brokerId = registerBroker(fake).get("id").asText();
        start = server.sm().store().notifications().newestRevision();
        fake.catalog(catalog("db", "small", "huge"));

        patchBroker(brokerId);

        List<Notification> written = written();
        assertThat(written).hasSize(1);
        Notification n = written.get(0);
        assertThat(n.resource()).isEqualTo(BROKERS);
        assertThat(n.type()).isEqualTo(NotificationType.MODIFIED);
        JsonNode payload = payload(n);
        assertThat(catalogIdsOfPlans(payload.get("old"))).containsExactlyInAnyOrder("small-id", "large-id");
        assertThat(catalogIdsOfPlans(payload.get("new"))).containsExactlyInAnyOrder("small-id", "huge-id");
        assertThat(payload.at("/old/resource/description").isMissingNode()).isTrue();
        assertThat(payload.at("/new/resource/description").asText()).isEqualTo("refreshed");
    }

    @Test
    @DisplayName("a plan removed by a catalog refresh: its visibility's DELETED comes first, then the broker's MODIFIED")
    void planRemovedTakesVisibility() {
        FakeBroker fake = brokerWith("db", "small", "large");
        JsonNode broker = registerBroker(fake);
        String brokerId = broker.get("id").asText();
        JsonNode large = planByCatalogId(brokerId, "large-id");
        String platformId = createPlatform().get("id").asText();
        String visibilityId = createVisibility(large.get("id").asText(), platformId).get("id").asText();
        start = server.sm().store().notifications().newestRevision();
        fake.catalog(catalog("db", "small"));

        patchBroker(brokerId);

        List<Notification> written = written();
        assertThat(written).extracting(Notification::resource, Notification::type).containsExactly(
                tuple(VISIBILITIES, NotificationType.DELETED),
                tuple(BROKERS, NotificationType.MODIFIED));
        Notification deleted = written.get(0);
        assertThat(deleted.platformId()).isEqualTo(platformId);
        JsonNode old = payload(deleted).get("old");
        assertThat(old.at("/resource/id").asText()).isEqualTo(visibilityId);
        assertThat(old.at("/additional/broker_id").asText()).isEqualTo(brokerId);
        assertThat(old.at("/additional/broker_name").asText()).isEqualTo(broker.get("name").asText());
        assertThat(old.at("/additional/service_plan/catalog_id").asText()).isEqualTo("large-id");
        assertThat(catalogIdsOfPlans(payload(written.get(1)).get("new"))).containsExactly("small-id");
        assertThat(written.get(1).revision()).isGreaterThan(deleted.revision());
    }

    @Test
    @DisplayName("a deleted broker: DELETED for each of its visibilities (global and per platform), then the broker's DELETED")
    void brokerDeleted() {
        FakeBroker fake = brokerWith("db", "small", "large");
        String brokerId = registerBroker(fake).get("id").asText();
        String platformId = createPlatform().get("id").asText();
        String global = createVisibility(planByCatalogId(brokerId, "small-id").get("id").asText(), null)
                .get("id").asText();
        String own = createVisibility(planByCatalogId(brokerId, "large-id").get("id").asText(), platformId)
                .get("id").asText();
        start = server.sm().store().notifications().newestRevision();

        assertThat(admin.delete(BROKERS + "/" + brokerId).status()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).extracting(Notification::type).containsExactly(NotificationType.DELETED,
                NotificationType.DELETED, NotificationType.DELETED);
        assertThat(written.subList(0, 2)).extracting(Notification::resource).containsOnly(VISIBILITIES);
        assertThat(written.subList(0, 2)).extracting(n -> payload(n).at("/old/resource/id").asText())
                .containsExactlyInAnyOrder(global, own);
        assertThat(written.subList(0, 2)).extracting(Notification::platformId)
                .containsExactlyInAnyOrder(null, platformId);
        Notification last = written.get(2);
        assertThat(last.resource()).isEqualTo(BROKERS);
        assertThat(payload(last).at("/old/resource/id").asText()).isEqualTo(brokerId);
        assertThat(catalogIdsOfPlans(payload(last).get("old"))).containsExactlyInAnyOrder("small-id", "large-id");
        assertThat(payload(last).has("new")).isFalse();
    }

    @Test
    @DisplayName("brokers deleted in bulk by a query: each visibility's DELETED, then each broker's DELETED")
    void brokersDeletedInBulk() {
        String label = unique("team");
        List<String> brokerIds = new ArrayList<>();
        List<String> visibilityIds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            FakeBroker fake = brokerWith("db", "small");
            ApiResponse created = admin.post(BROKERS, json("name", unique("broker"), "broker_url", fake.url(),
                    "credentials", map("basic", map("username", "u", "password", "p")),
                    "labels", map("team", List.of(label))));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String brokerId = created.json().get("id").asText();
            brokerIds.add(brokerId);
            visibilityIds.add(createVisibility(planByCatalogId(brokerId, "small-id").get("id").asText(), null)
                    .get("id").asText());
        }
        start = server.sm().store().notifications().newestRevision();

        ApiResponse response = admin.delete(BROKERS + "?labelQuery=" + q("team eq '" + label + "'"));
        assertThat(response.status()).as(response.body()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).extracting(Notification::resource)
                .containsExactly(VISIBILITIES, VISIBILITIES, BROKERS, BROKERS);
        assertThat(written).extracting(Notification::type).containsOnly(NotificationType.DELETED);
        assertThat(written.subList(0, 2)).extracting(n -> payload(n).at("/old/resource/id").asText())
                .containsExactlyInAnyOrderElementsOf(visibilityIds);
        assertThat(written.subList(2, 4)).extracting(n -> payload(n).at("/old/resource/id").asText())
                .containsExactlyInAnyOrderElementsOf(brokerIds);
    }

    @Test
    @DisplayName("a deleted platform: DELETED for each of its visibilities, and none for other platforms' or global ones")
    void platformDeleted() {
        String brokerId = registerBroker(brokerWith("db", "small", "large")).get("id").asText();
        String small = planByCatalogId(brokerId, "small-id").get("id").asText();
        String large = planByCatalogId(brokerId, "large-id").get("id").asText();
        String platformId = createPlatform().get("id").asText();
        String other = createPlatform().get("id").asText();
        String first = createVisibility(small, platformId).get("id").asText();
        String second = createVisibility(large, platformId).get("id").asText();
        createVisibility(small, other);
        createVisibility(large, null);
        start = server.sm().store().notifications().newestRevision();

        assertThat(admin.delete("/v1/platforms/" + platformId).status()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).extracting(Notification::resource, Notification::type, Notification::platformId)
                .containsOnly(tuple(VISIBILITIES, NotificationType.DELETED, platformId));
        assertThat(written).extracting(n -> payload(n).at("/old/resource/id").asText())
                .containsExactlyInAnyOrder(first, second);
        assertThat(written).extracting(n -> payload(n).at("/old/additional/broker_id").asText())
                .containsOnly(brokerId);
    }

    @Test
    @DisplayName("platforms deleted in bulk by a query: DELETED for each of their visibilities")
    void platformsDeletedInBulk() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String small = planByCatalogId(brokerId, "small-id").get("id").asText();
        String name = unique("platform");
        String platformId = createPlatform(name).get("id").asText();
        String visibilityId = createVisibility(small, platformId).get("id").asText();
        start = server.sm().store().notifications().newestRevision();

        ApiResponse response = admin.delete("/v1/platforms?fieldQuery=" + q("name eq '" + name + "'"));
        assertThat(response.status()).as(response.body()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).hasSize(1);
        assertThat(written.get(0).type()).isEqualTo(NotificationType.DELETED);
        assertThat(written.get(0).platformId()).isEqualTo(platformId);
        assertThat(payload(written.get(0)).at("/old/resource/id").asText()).isEqualTo(visibilityId);
    }

    @Test
    @DisplayName("a visibility for one platform: CREATED for that platform, with the plan and its broker")
    void visibilityCreatedForPlatform() {
        JsonNode broker = registerBroker(brokerWith("db", "small"));
        String brokerId = broker.get("id").asText();
        JsonNode plan = planByCatalogId(brokerId, "small-id");
        String platformId = createPlatform().get("id").asText();
        start = server.sm().store().notifications().newestRevision();

        JsonNode visibility = createVisibility(plan.get("id").asText(), platformId);

        List<Notification> written = written();
        assertThat(written).hasSize(1);
        Notification n = written.get(0);
        assertThat(n.resource()).isEqualTo(VISIBILITIES);
        assertThat(n.type()).isEqualTo(NotificationType.CREATED);
        assertThat(n.platformId()).isEqualTo(platformId);
        JsonNode side = payload(n).get("new");
        assertThat(side.get("resource")).isEqualTo(visibility);
        assertThat(side.at("/additional/broker_id").asText()).isEqualTo(brokerId);
        assertThat(side.at("/additional/broker_name").asText()).isEqualTo(broker.get("name").asText());
        assertThat(side.at("/additional/service_plan")).isEqualTo(plan);
        assertThat(side.at("/additional/service_plan/service_offering_id").asText()).isNotBlank();
    }

    @Test
    @DisplayName("a visibility for all platforms: CREATED with platform_id null")
    void visibilityCreatedForAll() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String planId = planByCatalogId(brokerId, "small-id").get("id").asText();
        start = server.sm().store().notifications().newestRevision();

        createVisibility(planId, null);

        List<Notification> written = written();
        assertThat(written).hasSize(1);
        assertThat(written.get(0).platformId()).isNull();
        assertThat(payload(written.get(0)).at("/new/resource/platform_id").isNull()).isTrue();
        assertThat(payload(written.get(0)).at("/new/additional/service_plan/id").asText()).isEqualTo(planId);
    }

    @Test
    @DisplayName("a visibility's labels patched: MODIFIED with old, new and the label_changes")
    void visibilityLabelsPatched() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String planId = planByCatalogId(brokerId, "small-id").get("id").asText();
        String platformId = createPlatform().get("id").asText();
        ApiResponse created = admin.post(VISIBILITIES, json("service_plan_id", planId, "platform_id", platformId,
                "labels", map("org", List.of("o1", "o2"), "space", List.of("s1"))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        start = server.sm().store().notifications().newestRevision();
        clock.advance(Duration.ofMinutes(1));

        ApiResponse patched = admin.patch(VISIBILITIES + "/" + id, json("labels", List.of(
                map("op", "add_values", "key", "org", "values", List.of("o3")),
                map("op", "remove_values", "key", "org", "values", List.of("o1")),
                map("op", "remove", "key", "space"),
                map("op", "add", "key", "region", "values", List.of("eu")))));
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).hasSize(1);
        Notification n = written.get(0);
        assertThat(n.type()).isEqualTo(NotificationType.MODIFIED);
        assertThat(n.platformId()).isEqualTo(platformId);
        JsonNode payload = payload(n);
        assertThat(payload.at("/old/resource/labels/org").toString()).isEqualTo("[\"o1\",\"o2\"]");
        assertThat(payload.at("/new/resource/labels/org").toString()).isEqualTo("[\"o2\",\"o3\"]");
        List<String> changes = new ArrayList<>();
        payload.get("label_changes").forEach(c -> changes.add(c.toString()));
        assertThat(changes).containsExactlyInAnyOrder(
                "{\"op\":\"add_values\",\"key\":\"org\",\"values\":[\"o3\"]}",
                "{\"op\":\"remove_values\",\"key\":\"org\",\"values\":[\"o1\"]}",
                "{\"op\":\"remove\",\"key\":\"space\",\"values\":[\"s1\"]}",
                "{\"op\":\"add\",\"key\":\"region\",\"values\":[\"eu\"]}");
    }

    @Test
    @DisplayName("a visibility moved to another platform: DELETED for the old platform, CREATED for the new one")
    void visibilityMovedToAnotherPlatform() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String planId = planByCatalogId(brokerId, "small-id").get("id").asText();
        String from = createPlatform().get("id").asText();
        String to = createPlatform().get("id").asText();
        String id = createVisibility(planId, from).get("id").asText();
        start = server.sm().store().notifications().newestRevision();

        ApiResponse patched = admin.patch(VISIBILITIES + "/" + id, json("platform_id", to));
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).extracting(Notification::type, Notification::platformId).containsExactly(
                tuple(NotificationType.DELETED, from),
                tuple(NotificationType.CREATED, to));
    }

    @Test
    @DisplayName("a deleted visibility: DELETED with its old state")
    void visibilityDeleted() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String planId = planByCatalogId(brokerId, "small-id").get("id").asText();
        String id = createVisibility(planId, null).get("id").asText();
        start = server.sm().store().notifications().newestRevision();

        assertThat(admin.delete(VISIBILITIES + "/" + id).status()).isEqualTo(200);

        List<Notification> written = written();
        assertThat(written).hasSize(1);
        assertThat(written.get(0).type()).isEqualTo(NotificationType.DELETED);
        assertThat(written.get(0).platformId()).isNull();
        JsonNode payload = payload(written.get(0));
        assertThat(fieldNames(payload)).containsExactly("old");
        assertThat(payload.at("/old/resource/id").asText()).isEqualTo(id);
        assertThat(payload.at("/old/additional/service_plan/id").asText()).isEqualTo(planId);
    }

    @Test
    @DisplayName("a broker whose catalog is invalid is not registered, and nothing is notified")
    void invalidCatalogNotifiesNothing() {
        FakeBroker fake = broker().catalog("{\"services\": [{\"name\": \"no-id\"}]}");

        ApiResponse response = admin.post(BROKERS, brokerBody(unique("broker"), fake.url()));

        assertThat(response.status()).isBetween(400, 599);
        assertThat(written()).isEmpty();
    }

    @Test
    @DisplayName("a second visibility for the same platform and plan is refused (409), and nothing is notified")
    void duplicateVisibilityNotifiesNothing() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String planId = planByCatalogId(brokerId, "small-id").get("id").asText();
        createVisibility(planId, null);
        start = server.sm().store().notifications().newestRevision();

        ApiResponse response = admin.post(VISIBILITIES, json("service_plan_id", planId, "platform_id", null));

        assertThat(response.status()).as(response.body()).isEqualTo(409);
        assertThat(written()).isEmpty();
    }

    @Test
    @DisplayName("a plan's labels patched: no notification (the proxies replicate nothing of them)")
    void planLabelsNotifyNothing() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String planId = planByCatalogId(brokerId, "small-id").get("id").asText();
        start = server.sm().store().notifications().newestRevision();

        ApiResponse patched = admin.patch("/v1/service_plans/" + planId, json("labels", List.of(
                map("op", "add", "key", "tier", "values", List.of("gold")))));

        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        assertThat(written()).isEmpty();
    }

    @Test
    @DisplayName("revisions grow strictly in the order of the changes")
    void revisionsInOrder() {
        String brokerId = registerBroker(brokerWith("db", "small")).get("id").asText();
        String planId = planByCatalogId(brokerId, "small-id").get("id").asText();
        String id = createVisibility(planId, null).get("id").asText();
        clock.advance(Duration.ofMinutes(1));
        admin.patch(VISIBILITIES + "/" + id, json("labels", List.of(map("op", "add", "key", "k", "values",
                List.of("v")))));
        admin.delete(VISIBILITIES + "/" + id);
        admin.delete(BROKERS + "/" + brokerId);

        List<Notification> written = written();
        assertThat(written).extracting(Notification::resource, Notification::type).containsExactly(
                tuple(BROKERS, NotificationType.CREATED),
                tuple(VISIBILITIES, NotificationType.CREATED),
                tuple(VISIBILITIES, NotificationType.MODIFIED),
                tuple(VISIBILITIES, NotificationType.DELETED),
                tuple(BROKERS, NotificationType.DELETED));
        for (int i = 1; i < written.size(); i++) {
            assertThat(written.get(i).revision()).isGreaterThan(written.get(i - 1).revision());
        }
    }
}
