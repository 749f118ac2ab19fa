package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * The stage of the OSB tests: a fake broker with {@link FakeOsbService} behind a Service Manager,
 * registered with its own credentials, and two Cloud Foundry platforms that talk OSB 2.17 to it.
 * The test plays the platforms. Each test uses fresh instance and binding ids; the fake goes back
 * to synchronous success and forgets its recorded requests before each test.
 *
 * <p>The catalog: offering {@code db} (bindable, plan_updateable, instances and bindings
 * retrievable) with plans {@code small}, {@code large}, {@code nobind} (not bindable) and
 * {@code fixed} (not plan_updateable), all public, and {@code secret-db}, visible to no one;
 * offering {@code cache} (not retrievable, not bindable) with plan {@code basic} (bindable), public;
 * offering {@code hidden} with plan {@code secret}, visible to no one.
 */
abstract class OsbTestBase extends ApiTestBase {
    static final String VERSION = "2.17";
    static final String BROKER_USER = "broker-user";
    static final String BROKER_PASSWORD = "broker-pass";

    /** One broker registration with its fake. */
    final class Stage {
        final FakeBroker broker;
        final FakeOsbService osb;
        final String brokerId;
        final String brokerName;
        final Map<String, String> planIds = new HashMap<>();

        Stage(String catalog) {
            broker = broker();
            broker.catalog(catalog);
            osb = FakeOsbService.install(broker);
            JsonNode registered = registerBroker(broker);
            brokerId = registered.get("id").asText();
            brokerName = registered.get("name").asText();
            broker.withBasicAuth(BROKER_USER, BROKER_PASSWORD);
            for (JsonNode plan : plansOfBroker(brokerId)) {
                planIds.put(plan.get("catalog_name").asText(), plan.get("id").asText());
            }
        }

        /** The Service Manager's id of a plan, by catalog name. */
        String plan(String name) {
            String id = planIds.get(name);
            assertThat(id).as("plan " + name + " of " + planIds).isNotNull();
            return id;
        }

        String base() {
            return "/v1/osb/" + brokerId + "/v2";
        }

        String instance(String instanceId) {
            return base() + "/service_instances/" + instanceId;
        }

        String binding(String instanceId, String bindingId) {
            return instance(instanceId) + "/service_bindings/" + bindingId;
        }

        /** The requests that reached the broker apart from catalog fetches. */
        List<RecordedRequest> osbCalls() {
            return broker.requests().stream().filter(r -> !r.path().equals(FakeBroker.CATALOG_PATH)).toList();
        }
    }

    Stage stage;
    JsonNode platformA;
    JsonNode platformB;
    /** Platform A with its credentials and {@code X-Broker-API-Version: 2.17}. */
    ApiClient osbA;
    /** Platform B likewise. */
    ApiClient osbB;

    static String defaultCatalog() {
        return Catalogs.of(
                Catalogs.offering("db").set("plan_updateable", true).set("instances_retrievable", true)
                        .set("bindings_retrievable", true)
                        .plan(Catalogs.plan("small"))
                        .plan(Catalogs.plan("large"))
                        .plan(Catalogs.plan("nobind").bindable(false))
                        .plan(Catalogs.plan("fixed").set("plan_updateable", false))
                        .plan(Catalogs.plan("secret-db")),
                Catalogs.offering("cache").bindable(false).plan(Catalogs.plan("basic").bindable(true)),
                Catalogs.offering("hidden").plan(Catalogs.plan("secret")));
    }

    @BeforeAll
    void stage() {
        stage = newStage(defaultCatalog());
        platformA = createPlatform();
        platformB = createPlatform();
        osbA = osbClient(platformA);
        osbB = osbClient(platformB);
    }

    @BeforeEach
    void resetFake() {
        stage.osb.reset();
        stage.broker.clearRequests();
    }

    /** A broker registration whose plans are public, except those named {@code secret...}. */
    Stage newStage(String catalog) {
        Stage s = new Stage(catalog);
        s.planIds.forEach((name, id) -> {
            if (!name.startsWith("secret")) {
                createPublicVisibility(id);
            }
        });
        return s;
    }

    JsonNode createPublicVisibility(String planId) {
        ApiResponse response = admin.post("/v1/visibilities", json("service_plan_id", planId));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    ApiClient osbClient(JsonNode platform) {
        return platformClient(platform).withHeader("X-Broker-API-Version", VERSION);
    }

    static String platformId(JsonNode platform) {
        return platform.get("id").asText();
    }

    /** A provision body for a plan of {@code db} (or of the offering named), with a Cloud Foundry context. */
    static String provisionBody(String offering, String plan, String org) {
        return json("service_id", offering + "-id", "plan_id", plan + "-id", "organization_guid", org,
                "space_guid", "space-1", "context", map("platform", "cloudfoundry", "organization_guid", org,
                        "space_guid", "space-1", "instance_name", "my-" + plan),
                "parameters", map("size", 3));
    }

    static String provisionBody(String plan) {
        return provisionBody("db", plan, "org-1");
    }

    static String bindBody(String offering, String plan) {
        return json("service_id", offering + "-id", "plan_id", plan + "-id",
                "context", map("platform", "cloudfoundry"), "bind_resource", map("app_guid", "app-1"));
    }

    /** {@code ?service_id=...&plan_id=...} for a delete. */
    static String idsQuery(String offering, String plan) {
        return "?service_id=" + offering + "-id&plan_id=" + plan + "-id";
    }

    /** Provisions synchronously through the Service Manager and checks it worked. */
    String provisioned(ApiClient client, String plan) {
        String id = unique("instance");
        ApiResponse response = client.put(stage.instance(id), provisionBody(plan));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return id;
    }

    /** Binds synchronously through the Service Manager and checks it worked. */
    String bound(ApiClient client, String instanceId, String plan) {
        String id = unique("binding");
        ApiResponse response = client.put(stage.binding(instanceId, id), bindBody("db", plan));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return id;
    }

    /** "offering:plan" for every plan of the OSB catalog of {@code s} that the client's platform sees. */
    static List<String> plans(ApiClient client, Stage s) {
        ApiResponse response = client.get(s.base() + "/catalog");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<String> result = new ArrayList<>();
        for (JsonNode service : response.json().get("services")) {
            for (JsonNode plan : service.get("plans")) {
                result.add(service.get("name").asText() + ":" + plan.get("name").asText());
            }
        }
        return result;
    }

    /** The admin API's view of an instance. */
    ApiResponse instanceRecord(String id) {
        return admin.get("/v1/service_instances/" + id);
    }

    ApiResponse bindingRecord(String id) {
        return admin.get("/v1/service_bindings/" + id);
    }

    /** Asserts an OSB error answer of the Service Manager: status and an {error, description} body. */
    static void assertOsbError(ApiResponse response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(fieldNames(response.json())).as(response.body()).containsExactly("description", "error");
        assertThat(response.text("description")).isNotBlank();
    }

    /** A platform and the id of an instance it provisioned through its OSB face and then shared. */
    record SharedOnPlatform(String platformId, ApiClient client, String id) {
    }

    /**
     * Registers a kubernetes platform as {@code operator}, provisions plan {@code shareable} of
     * offering {@code sdb} of {@code stage} through its OSB face and shares the instance.
     */
    SharedOnPlatform sharedOnNewPlatform(ApiClient operator, Stage stage) {
        ApiResponse created = operator.post("/v1/platforms", json("name", unique("k8s"), "type", "kubernetes"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        ApiClient client = osbClient(created.json());
        String id = unique("k-instance");
        ApiResponse provisioned = client.put(stage.instance(id), json("service_id", "sdb-id", "plan_id",
                "shareable-id", "context", map("platform", "kubernetes", "namespace", "ns-1")));
        assertThat(provisioned.status()).as(provisioned.body()).isEqualTo(201);
        ApiResponse share = operator.patch("/v1/service_instances/" + id, json("shared", true));
        assertThat(share.status()).as(share.body()).isEqualTo(200);
        return new SharedOnPlatform(platformId(created.json()), client, id);
    }
}
