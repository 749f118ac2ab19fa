package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.NotificationStream;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Multitenancy by the label {@code tenant_id} over real HTTP: tenants {@code a} and {@code b}
 * (bearer tokens naming the tenant) each register a platform, a broker, visibilities, an instance
 * and a binding through the REST API and provision through the OSB face; the stage's broker and
 * platforms of {@link OsbTestBase} are global. Protected label: {@code cost_center}.
 */
@DisplayName("multitenancy by tenant label")
class MultitenancyApiTest extends OsbTestBase {
    static final String KEY = "tenant_id";

    /** What one tenant made. */
    final class Tenant {
        final String name;
        final ApiClient api;
        JsonNode platform;
        ApiClient osb;
        FakeBroker broker;
        FakeOsbService osbService;
        String brokerId;
        final Map<String, String> plans = new HashMap<>();
        String offeringId;
        String visibilityId;
        String instanceId;
        String operationId;
        String bindingId;
        String osbInstanceId;

        Tenant(String name, String token) {
            this.name = name;
            this.api = anonymous.withAuthorization("Bearer " + token);
        }

        String platformId() {
            return platform.get("id").asText();
        }

        String osbBase() {
            return "/v1/osb/" + brokerId + "/v2";
        }

        void setUp() {
            platform = created(api.post("/v1/platforms", json("name", unique("platform-" + name), "type",
                    "kubernetes")));
            osb = platformClient(platform).withHeader("X-Broker-API-Version", VERSION);
            broker = broker();
            broker.catalog(defaultCatalog());
            osbService = FakeOsbService.install(broker);
            brokerId = created(api.post("/v1/service_brokers", brokerBody(unique("broker-" + name), broker.url())))
                    .get("id").asText();
            broker.withBasicAuth(BROKER_USER, BROKER_PASSWORD);
            JsonNode offerings = ok(api.get("/v1/service_offerings?fieldQuery=" + q("broker_id eq '" + brokerId
                    + "'")));
            for (JsonNode offering : offerings.get("items")) {
                if (offering.get("catalog_name").asText().equals("db")) {
                    offeringId = offering.get("id").asText();
                }
                for (JsonNode plan : ok(api.get("/v1/service_plans?max_items=500&fieldQuery="
                        + q("service_offering_id eq '" + offering.get("id").asText() + "'"))).get("items")) {
                    plans.put(plan.get("catalog_name").asText(), plan.get("id").asText());
                }
            }
            visibilityId = created(api.post("/v1/visibilities", json("service_plan_id", plans.get("small"),
                    "platform_id", platformId()))).get("id").asText();
            created(api.post("/v1/visibilities", json("service_plan_id", plans.get("small"), "platform_id",
                    "service-manager")));
            instanceId = created(api.post("/v1/service_instances", json("name", unique("instance-" + name),
                    "service_plan_id", plans.get("small")))).get("id").asText();
            operationId = ok(api.get("/v1/service_instances/" + instanceId)).at("/last_operation/id").asText();
            bindingId = created(api.post("/v1/service_bindings", json("name", unique("binding-" + name),
                    "service_instance_id", instanceId))).get("id").asText();
            osbInstanceId = unique("osb-instance-" + name);
            created(osb.put(osbBase() + "/service_instances/" + osbInstanceId, provisionBody("small")));
        }
    }

    Tenant a;
    Tenant b;
    ApiClient global;

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.tenantLabelKey(KEY).protectedLabels(Set.of("cost_center")).bearerTokens(new TenantTokens());
    }

    @BeforeAll
    void tenants() {
        global = anonymous.withAuthorization("Bearer " + TenantTokens.GLOBAL);
        a = new Tenant("a", TenantTokens.ADMIN_A);
        b = new Tenant("b", TenantTokens.ADMIN_B);
        a.setUp();
        b.setUp();
    }

    static JsonNode created(ApiResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    static JsonNode ok(ApiResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    static List<String> tenantOf(JsonNode record) {
        List<String> values = new ArrayList<>();
        record.path("labels").path(KEY).forEach(v -> values.add(v.asText()));
        return values;
    }

    /** The paths of what tenant {@code t} made, by kind. */
    static Map<String, String> paths(Tenant t) {
        Map<String, String> paths = new HashMap<>();
        paths.put("platform", "/v1/platforms/" + t.platformId());
        paths.put("broker", "/v1/service_brokers/" + t.brokerId);
        paths.put("visibility", "/v1/visibilities/" + t.visibilityId);
        paths.put("instance", "/v1/service_instances/" + t.instanceId);
        paths.put("binding", "/v1/service_bindings/" + t.bindingId);
        paths.put("osb instance", "/v1/service_instances/" + t.osbInstanceId);
        return paths;
    }

    @Test
    @DisplayName("every record a tenant creates, through the REST API or the OSB face, carries its tenant label")
    void createsGetTheLabel() {
        for (Map.Entry<String, String> path : paths(a).entrySet()) {
            assertThat(tenantOf(ok(global.get(path.getValue())))).as(path.getKey()).containsExactly("a");
        }
        assertThat(tenantOf(ok(a.api.get("/v1/service_instances/" + a.instanceId + "/operations/"
                + a.operationId)))).containsExactly("a");
        assertThat(tenantOf(ok(a.api.get("/v1/service_instances/" + a.instanceId)).get("last_operation")))
                .containsExactly("a");
    }

    @Test
    @DisplayName("another tenant's records by id are 404 for get, patch and delete, and stay untouched")
    void otherTenantByIdIsNotFound() {
        for (Map.Entry<String, String> path : paths(b).entrySet()) {
            assertError(a.api.get(path.getValue()), 404, "NotFound");
            assertError(a.api.patch(path.getValue(), json("labels", List.of(map("op", "add", "key", "x",
                    "values", List.of("y"))))), 404, "NotFound");
            assertError(a.api.delete(path.getValue()), 404, "NotFound");
            ok(b.api.get(path.getValue()));
        }
        assertError(a.api.get("/v1/service_instances/" + b.instanceId + "/operations/" + b.operationId), 404,
                "NotFound");
        assertError(a.api.get("/v1/service_instances/" + a.instanceId + "/operations/" + b.operationId), 404,
                "NotFound");
        assertError(a.api.get("/v1/service_instances/" + b.instanceId + "/parameters"), 404, "NotFound");
        assertError(a.api.get("/v1/service_offerings/" + b.offeringId), 404, "NotFound");
        assertError(a.api.get("/v1/service_plans/" + b.plans.get("small")), 404, "NotFound");
    }

    @Test
    @DisplayName("lists, field queries and label queries show a tenant only its own records")
    void listsAreFiltered() {
        Map<String, List<String>> own = Map.of(
                "/v1/platforms", List.of(a.platformId()),
                "/v1/service_brokers", List.of(a.brokerId),
                "/v1/visibilities", List.of(a.visibilityId),
                "/v1/service_instances", List.of(a.instanceId, a.osbInstanceId),
                "/v1/service_bindings", List.of(a.bindingId));
        Map<String, List<String>> others = Map.of(
                "/v1/platforms", List.of(b.platformId(), platformId(platformA)),
                "/v1/service_brokers", List.of(b.brokerId, stage.brokerId),
                "/v1/visibilities", List.of(b.visibilityId),
                "/v1/service_instances", List.of(b.instanceId, b.osbInstanceId),
                "/v1/service_bindings", List.of(b.bindingId));
        for (String type : own.keySet()) {
            JsonNode listing = ok(a.api.get(type + "?max_items=500"));
            assertThat(ids(listing)).as(type).containsAll(own.get(type)).doesNotContainAnyElementsOf(others.get(type));
            assertThat(listing.get("num_items").asInt()).as(type).isEqualTo(listing.get("items").size());
            assertThat(ok(a.api.get(type + "?labelQuery=" + q(KEY + " eq 'b'"))).get("num_items").asInt()).as(type)
                    .isZero();
            assertThat(ok(a.api.get(type + "?fieldQuery=" + q("id eq '" + others.get(type).get(0) + "'")))
                    .get("num_items").asInt()).as(type).isZero();
        }
        JsonNode operations = ok(a.api.get("/v1/operations?max_items=500"));
        assertThat(ids(operations)).contains(a.operationId).doesNotContain(b.operationId);
        operations.get("items").forEach(op -> assertThat(tenantOf(op)).containsExactly("a"));
    }

    @Test
    @DisplayName("a read-only caller of a tenant sees only its tenant's records too")
    void readOnlyTenant() {
        ApiClient reader = anonymous.withAuthorization("Bearer " + TenantTokens.READER_A);

        assertThat(ids(ok(reader.get("/v1/service_instances?max_items=500")))).contains(a.instanceId)
                .doesNotContain(b.instanceId);
        assertError(reader.get("/v1/service_instances/" + b.instanceId), 404, "NotFound");
    }

    @Test
    @DisplayName("a tenant's bulk delete touches only its own records")
    void bulkDeleteIsFiltered() {
        String name = b.platform.get("name").asText();

        assertError(a.api.delete("/v1/platforms?fieldQuery=" + q("name eq '" + name + "'")), 404, "NotFound");
        assertError(a.api.delete("/v1/visibilities?labelQuery=" + q(KEY + " eq 'b'")), 404, "NotFound");
        assertError(a.api.delete("/v1/service_brokers?fieldQuery=" + q("id eq '" + b.brokerId + "'")), 404,
                "NotFound");

        ok(b.api.get("/v1/platforms/" + b.platformId()));
        ok(b.api.get("/v1/visibilities/" + b.visibilityId));
        ok(b.api.get("/v1/service_brokers/" + b.brokerId));
    }

    @Test
    @DisplayName("a tenant sees the offerings of global brokers and of its own, not another tenant's")
    void offeringsOfGlobalAndOwnBrokers() {
        List<String> brokers = new ArrayList<>();
        ok(a.api.get("/v1/service_offerings?max_items=500")).get("items")
                .forEach(o -> brokers.add(o.get("broker_id").asText()));

        assertThat(brokers).contains(stage.brokerId, a.brokerId).doesNotContain(b.brokerId);
        assertThat(ids(ok(a.api.get("/v1/service_plans?max_items=500")))).contains(stage.plan("small"))
                .doesNotContainAnyElementsOf(b.plans.values());
    }

    @Test
    @DisplayName("a tenant may label its own broker's offerings but not a global broker's (403)")
    void globalOfferingsAreReadOnlyForTenants() {
        String patch = json("labels", List.of(map("op", "add", "key", "mine", "values", List.of("yes"))));
        String globalOffering = offeringsOfBroker(stage.brokerId).get(0).get("id").asText();

        assertError(a.api.patch("/v1/service_offerings/" + globalOffering, patch), 403, "Forbidden");
        ok(a.api.patch("/v1/service_offerings/" + a.offeringId, patch));
    }

    @Test
    @DisplayName("a body may not refer to another tenant's plan, instance or platform (400, as if unknown)")
    void referencesToAnotherTenant() {
        assertError(a.api.post("/v1/service_bindings", json("name", unique("bd"), "service_instance_id",
                b.instanceId)), 400, "BadRequest");
        assertError(a.api.post("/v1/visibilities", json("service_plan_id", a.plans.get("large"), "platform_id",
                b.platformId())), 400, "BadRequest");
        assertError(a.api.post("/v1/visibilities", json("service_plan_id", b.plans.get("large"), "platform_id",
                a.platformId())), 400, "BadRequest");
        assertError(a.api.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                b.plans.get("small"))), 400, "BadRequest");
    }

    @Test
    @DisplayName("a tenant's visibility for every platform is refused: it would reach other tenants")
    void noPublicVisibilityByTenant() {
        ApiResponse response = a.api.post("/v1/visibilities", json("service_plan_id", a.plans.get("large")));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("platform_id");
    }

    @Test
    @DisplayName("a create naming another tenant in the tenant label is 400 naming the key")
    void createWithAnotherTenant() {
        ApiResponse response = a.api.post("/v1/platforms", json("name", unique("p"), "type", "kubernetes",
                "labels", map(KEY, List.of("b"))));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("'" + KEY + "'");
    }

    @Test
    @DisplayName("a tenant cannot change or remove the tenant label (400 naming the key)")
    void tenantLabelIsFixed() {
        String path = "/v1/service_instances/" + a.instanceId;
        for (Map<String, Object> op : List.of(
                map("op", "remove", "key", KEY),
                map("op", "remove_values", "key", KEY, "values", List.of("a")),
                map("op", "add", "key", KEY, "values", List.of("b")),
                map("op", "add_values", "key", KEY, "values", List.of("b")))) {
            ApiResponse response = a.api.patch(path, json("labels", List.of(op)));
            assertError(response, 400, "BadRequest");
            assertThat(description(response)).as(op.toString()).contains("'" + KEY + "'");
        }
        assertThat(tenantOf(ok(a.api.get(path)))).containsExactly("a");
    }

    @Test
    @DisplayName("protected labels are 400 for a tenant, on create and patch, and allowed for a global admin")
    void protectedLabels() {
        ApiResponse create = a.api.post("/v1/platforms", json("name", unique("p"), "type", "kubernetes",
                "labels", map("cost_center", List.of("42"))));
        assertError(create, 400, "BadRequest");
        assertThat(description(create)).contains("'cost_center'");
        String path = "/v1/platforms/" + a.platformId();
        String add = json("labels", List.of(map("op", "add", "key", "cost_center", "values", List.of("42"))));
        assertError(a.api.patch(path, add), 400, "BadRequest");

        assertThat(ok(global.patch(path, add)).at("/labels/cost_center/0").asText()).isEqualTo("42");
        assertThat(ok(admin.patch(path, json("labels", List.of(map("op", "add", "key", "cost_center",
                "values", List.of("43")))))).at("/labels/cost_center").size()).isEqualTo(2);
        assertError(a.api.patch(path, json("labels", List.of(map("op", "remove", "key", "cost_center")))), 400,
                "BadRequest");
        ok(a.api.patch(path, json("labels", List.of(map("op", "add", "key", "team", "values", List.of("x"))))));
    }

    @Test
    @DisplayName("a global admin sees both tenants' records, by id and in lists")
    void globalAdminSeesBoth() {
        for (ApiClient client : List.of(admin, global)) {
            assertThat(ids(ok(client.get("/v1/service_instances?max_items=500")))).contains(a.instanceId,
                    b.instanceId, a.osbInstanceId, b.osbInstanceId);
            assertThat(ids(ok(client.get("/v1/platforms?max_items=500")))).contains(a.platformId(), b.platformId());
            ok(client.get("/v1/service_bindings/" + b.bindingId));
            ok(client.get("/v1/service_instances/" + b.instanceId + "/operations/" + b.operationId));
        }
    }

    @Test
    @DisplayName("a tenant's platform cannot reach another tenant's broker through the OSB face (404)")
    void osbOtherTenantsBroker() {
        assertError(a.osb.get(b.osbBase() + "/catalog"), 404, "NotFound");
        assertError(a.osb.put(b.osbBase() + "/service_instances/" + unique("x"), provisionBody("small")), 404,
                "NotFound");
        assertThat(b.broker.requests().stream().filter(r -> r.method().equals("PUT")
                && r.path().contains("/x-"))).isEmpty();
    }

    @Test
    @DisplayName("a global admin's public visibility of a tenant's plan does not reach another tenant's platform")
    void publicVisibilityStaysInTenant() {
        created(admin.post("/v1/visibilities", json("service_plan_id", a.plans.get("large"))));

        assertError(b.osb.get(a.osbBase() + "/catalog"), 404, "NotFound");
        assertThat(ids(ok(b.osb.get("/v1/service_plans?max_items=500")))).doesNotContain(a.plans.get("large"));
        assertThat(ok(a.osb.get(a.osbBase() + "/catalog")).toString()).contains("large-id");
    }

    @Test
    @DisplayName("a tenant's platform sees in its OSB catalog the global brokers' plans and its own broker's")
    void osbCatalogOfTenantPlatform() {
        assertThat(plans(a.osb, stage)).contains("db:small");
        assertThat(ok(a.osb.get(a.osbBase() + "/catalog")).toString()).contains("small-id");
    }

    @Test
    @DisplayName("an OSB provision whose context names another tenant than the platform's is 400, and not forwarded")
    void osbContextMismatch() {
        String id = unique("mismatch");
        String body = json("service_id", "db-id", "plan_id", "small-id", "organization_guid", "org-1",
                "space_guid", "space-1", "context", map("platform", "kubernetes", KEY, "b"));

        assertError(a.osb.put(a.osbBase() + "/service_instances/" + id, body), 400, "BadRequest");
        assertThat(a.broker.requests().stream().filter(r -> r.path().contains(id))).isEmpty();
    }

    @Test
    @DisplayName("a global platform's instance takes its tenant from context, and its binding inherits it")
    void osbContextTenantOfGlobalPlatform() {
        String id = unique("ctx");
        String body = json("service_id", "db-id", "plan_id", "small-id", "organization_guid", "org-1",
                "space_guid", "space-1", "context", map("platform", "cloudfoundry", "organization_guid", "org-1",
                        "space_guid", "space-1", KEY, "a"));
        created(osbA.put(stage.instance(id), body));
        String binding = bound(osbA, id, "small");

        assertThat(tenantOf(ok(a.api.get("/v1/service_instances/" + id)))).containsExactly("a");
        assertThat(tenantOf(ok(a.api.get("/v1/service_bindings/" + binding)))).containsExactly("a");
        assertError(b.api.get("/v1/service_instances/" + id), 404, "NotFound");
    }

    @Test
    @DisplayName("a tenant's calls are audited with its tenant, a global admin's without one")
    void auditNamesTheTenant() {
        try (LogCapture log = LogCapture.start()) {
            String tenantCall = unique("audit-a");
            String globalCall = unique("audit-global");
            a.api.withHeader("X-Correlation-ID", tenantCall).patch("/v1/platforms/" + a.platformId(), "{}");
            global.withHeader("X-Correlation-ID", globalCall).patch("/v1/platforms/" + a.platformId(), "{}");

            assertThat(log.text().lines().filter(line -> line.contains(" correlation_id=" + tenantCall + " ")))
                    .singleElement().asString().contains(" tenant=a method=PATCH ");
            assertThat(log.text().lines().filter(line -> line.contains(" correlation_id=" + globalCall + " ")))
                    .singleElement().asString().doesNotContain("tenant=");
        }
    }

    @Test
    @DisplayName("a plan given by names resolves among the brokers the tenant may use: another tenant's broker is neither a candidate nor named")
    void planByNamesStaysInTheTenant() {
        String brokerOfB = ok(global.get("/v1/service_brokers/" + b.brokerId)).get("name").asText();
        String brokerOfA = ok(global.get("/v1/service_brokers/" + a.brokerId)).get("name").asText();

        ApiResponse ambiguous = a.api.post("/v1/service_instances", json("name", unique("by-names"),
                "service_offering_name", "db", "service_plan_name", "small"));
        ApiResponse otherBroker = a.api.post("/v1/service_instances", json("name", unique("by-names"),
                "service_offering_name", "db", "service_plan_name", "small", "broker_name", brokerOfB));
        ApiResponse ownBroker = a.api.post("/v1/service_instances", json("name", unique("by-names"),
                "service_offering_name", "db", "service_plan_name", "small", "broker_name", brokerOfA));

        // The stage's global broker has the same offering and plan, so the names alone are ambiguous.
        assertThat(ambiguous.status()).as(ambiguous.body()).isEqualTo(400);
        assertThat(ambiguous.body()).contains(brokerOfA).doesNotContain(brokerOfB);
        assertThat(otherBroker.status()).isEqualTo(400);
        assertThat(otherBroker.body()).contains("service broker '" + brokerOfB + "' (broker_name) does not exist")
                .doesNotContain(b.plans.get("small"));
        assertThat(created(ownBroker).at("/labels/" + KEY + "/0").asText()).isEqualTo("a");
    }

    @Test
    @DisplayName("a tenant's visibility of a global broker's plan for service-manager is 400, so a hidden global plan stays unusable by every tenant")
    void noServiceManagerVisibilityOfGlobalPlans() {
        String secret = stage.plan("secret");

        ApiResponse visibility = a.api.post("/v1/visibilities", json("service_plan_id", secret, "platform_id",
                "service-manager"));

        assertError(visibility, 400, "BadRequest");
        assertThat(description(visibility)).contains("global service broker");
        assertError(b.api.post("/v1/service_instances", json("name", unique("s"), "service_plan_id", secret)), 400,
                "BadRequest");
        assertError(a.api.post("/v1/service_instances", json("name", unique("s"), "service_plan_id", secret)), 400,
                "BadRequest");
    }

    @Test
    @DisplayName("a tenant cannot grant itself a global broker's plan for its own platform, by create or by patch (400)")
    void noSelfGrantOfGlobalPlans() {
        String secret = stage.plan("secret");

        assertError(a.api.post("/v1/visibilities", json("service_plan_id", secret, "platform_id", a.platformId())),
                400, "BadRequest");
        assertError(a.api.patch("/v1/visibilities/" + a.visibilityId, json("service_plan_id", secret)), 400,
                "BadRequest");
        assertThat(plans(a.osb, stage)).doesNotContain("hidden:secret");
        assertThat(ok(a.api.get("/v1/visibilities/" + a.visibilityId)).get("service_plan_id").asText())
                .isEqualTo(a.plans.get("small"));
    }

    @Test
    @DisplayName("a tenant cannot repoint a global admin's visibility of a global plan labelled with its tenant (400), so the plan stays hidden from the other tenant")
    void noRepointOfGlobalAdminsVisibility() {
        String secret = stage.plan("secret");
        String visibility = created(admin.post("/v1/visibilities", json("service_plan_id", secret, "platform_id",
                a.platformId(), "labels", map(KEY, List.of("a"))))).get("id").asText();
        try {
            ApiResponse toServiceManager = a.api.patch("/v1/visibilities/" + visibility, json("platform_id",
                    "service-manager"));

            assertError(toServiceManager, 400, "BadRequest");
            assertThat(description(toServiceManager)).contains("global service broker");
            assertThat(ok(admin.get("/v1/visibilities/" + visibility)).get("platform_id").asText())
                    .isEqualTo(a.platformId());
            assertError(b.api.post("/v1/service_instances", json("name", unique("s"), "service_plan_id", secret)),
                    400, "BadRequest");
        } finally {
            admin.delete("/v1/visibilities/" + visibility);
        }
    }

    @Test
    @DisplayName("a tenant's visibility of another tenant's plan for service-manager is 400 as if the plan were unknown")
    void noServiceManagerVisibilityOfOtherTenantsPlan() {
        ApiResponse visibility = a.api.post("/v1/visibilities", json("service_plan_id", b.plans.get("large"),
                "platform_id", "service-manager"));

        assertError(visibility, 400, "BadRequest");
        assertThat(description(visibility)).isEqualTo("service plan '" + b.plans.get("large")
                + "' (service_plan_id) does not exist");
    }

    @Test
    @DisplayName("a public visibility of one tenant's plan is streamed to its own tenant's and global platforms, not to another tenant's (live and replayed)")
    void publicVisibilityNotificationsStayInTenant() throws InterruptedException {
        FakeBroker brokerOfA = broker();
        brokerOfA.catalog(Catalogs.of(Catalogs.offering(unique("a-offering")).plan(Catalogs.plan("a-only"))));
        String brokerId = created(a.api.post("/v1/service_brokers", brokerBody(unique("broker-a"),
                brokerOfA.url()))).get("id").asText();
        String planOfA = plansOfBroker(brokerId).get(0).get("id").asText();
        long before = server.sm().store().notifications().newestRevision();
        StreamFrames toB = StreamFrames.open(this, b.platform, before);
        StreamFrames toA = StreamFrames.open(this, a.platform, before);
        StreamFrames toGlobal = StreamFrames.open(this, platformA, before);
        try {
            created(admin.post("/v1/visibilities", json("service_plan_id", planOfA)));
            // A global plan's public visibility after it: once B has that, B had its chance at A's.
            String globalPlan = newStage(Catalogs.of(Catalogs.offering(unique("g-offering"))
                    .plan(Catalogs.plan("g-only")))).plan("g-only");
            toB.await(globalPlan);
            toA.await(planOfA);
            toGlobal.await(planOfA);
            StreamFrames replayToB = StreamFrames.open(this, b.platform, before);
            try {
                replayToB.await(globalPlan);
                assertThat(replayToB.text()).doesNotContain(planOfA).doesNotContain("a-only");
            } finally {
                replayToB.close();
            }
            assertThat(toB.text()).doesNotContain(planOfA).doesNotContain("a-only").doesNotContain(brokerId);
        } finally {
            toB.close();
            toA.close();
            toGlobal.close();
        }
    }

    /** The frames a platform's notification stream gets, opened through the Service Manager itself. */
    static final class StreamFrames implements NotificationStream.Sink {
        private final List<String> frames = new CopyOnWriteArrayList<>();
        private NotificationStream stream;

        static StreamFrames open(ApiTestBase test, JsonNode platform, long after) {
            String basic = Base64.getEncoder().encodeToString((platform.at("/credentials/basic/username").asText()
                    + ":" + platform.at("/credentials/basic/password").asText()).getBytes(StandardCharsets.UTF_8));
            NotificationStream.Opening opening = test.server.sm().openNotificationStream(SmRequest.builder("GET",
                    "/v1/notifications").header("Authorization", "Basic " + basic)
                    .query("last_notification_revision=" + after).build());
            assertThat(opening).isInstanceOf(NotificationStream.Opened.class);
            StreamFrames frames = new StreamFrames();
            frames.stream = ((NotificationStream.Opened) opening).stream();
            frames.stream.start(frames);
            return frames;
        }

        @Override
        public void send(String text, Consumer<Throwable> whenSent) {
            frames.add(text);
            whenSent.accept(null);
        }

        @Override
        public void close(int code, String reason) {
        }

        void await(String text) throws InterruptedException {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!text().contains(text)) {
                assertThat(System.nanoTime()).as("no frame with " + text + " came").isLessThan(deadline);
                Thread.sleep(20);
            }
        }

        String text() {
            return String.join("\n", frames);
        }

        void close() {
            stream.close();
        }
    }
}
