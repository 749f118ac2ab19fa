package org.servicemanager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;
import org.servicemanager.test.junit.TestPlatform;

/**
 * The proxy tests' steps on the Service Manager that sm-test's {@code ServiceManagerExtension}
 * started (memory store, JDK HTTP server on loopback): one registered platform, brokers as
 * WireMock stubs (stopped with the fixture), visibilities through its REST API, and the
 * notifications (in the format README's "Notifications WebSocket" gives) the Service Manager would send for them, from its own REST answers.
 * Not thread-safe.
 */
final class SmFixture {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ServiceManagerRuntimeInfo info;
    private final ApiClient admin;
    private final List<BrokerStub> brokers = new ArrayList<>();
    final String platformId;
    final String platformUser;
    final String platformPassword;

    SmFixture(ServiceManagerRuntimeInfo info) {
        this.info = info;
        admin = info.admin();
        TestPlatform platform = info.registerPlatform("cf-test", "cloudfoundry");
        platformId = platform.id();
        platformUser = platform.username();
        platformPassword = platform.password();
    }

    String baseUrl() {
        return info.baseUrl();
    }

    ApiClient admin() {
        return admin;
    }

    /** Starts a broker stub with one offering {@code <name>-svc} and these plans, and registers it. Returns the SM broker id. */
    String registerBroker(String name, String... plans) {
        BrokerStub broker = info.brokerStub().catalog(catalog(name, plans));
        brokers.add(broker);
        return info.registerBroker(name, broker);
    }

    /** Gives the broker (by its index of registration) a new catalog, and refreshes it in the SM. */
    void changeCatalog(String brokerId, int index, String name, String... plans) {
        brokers.get(index).catalog(catalog(name, plans));
        ok(admin.patch("/v1/service_brokers/" + brokerId, "{}"), 200);
    }

    private static String catalog(String name, String... plans) {
        Catalogs.Offering offering = Catalogs.offering(name + "-svc");
        for (String plan : plans) {
            offering.plan(Catalogs.plan(plan).id(name + "-" + plan + "-id"));
        }
        return Catalogs.of(offering);
    }

    /** The SM id of the plan with this catalog id. */
    String planId(String catalogId) {
        JsonNode items = ok(admin.get("/v1/service_plans?fieldQuery=" + ApiClient.encode("catalog_id eq '" + catalogId + "'")),
                200).get("items");
        assertThat(items).hasSize(1);
        return items.get(0).get("id").asText();
    }

    /** A visibility of the plan for the test platform, with these labels (none: open to the whole platform). */
    String visibleToPlatform(String catalogId, Map<String, List<String>> labels) {
        ObjectNode body = MAPPER.createObjectNode().put("service_plan_id", planId(catalogId))
                .put("platform_id", platformId);
        body.set("labels", MAPPER.valueToTree(labels));
        return ok(admin.post("/v1/visibilities", body.toString()), 201).get("id").asText();
    }

    /** A visibility of the plan for every platform. */
    String visibleToAll(String catalogId) {
        ObjectNode body = MAPPER.createObjectNode().put("service_plan_id", planId(catalogId));
        return ok(admin.post("/v1/visibilities", body.toString()), 201).get("id").asText();
    }

    void deleteVisibility(String id) {
        ok(admin.delete("/v1/visibilities/" + id), 200);
    }

    void deleteBroker(String id) {
        ok(admin.delete("/v1/service_brokers/" + id), 200);
    }

    void renameBroker(String id, String name) {
        ok(admin.patch("/v1/service_brokers/" + id, "{\"name\":\"" + name + "\"}"), 200);
    }

    void addLabelValue(String visibilityId, String key, String value) {
        ok(admin.patch("/v1/visibilities/" + visibilityId, "{\"labels\":[{\"op\":\"add_values\",\"key\":\"" + key
                + "\",\"values\":[\"" + value + "\"]}]}"), 200);
    }

    // ---- notifications as the SM would send them, built from its REST answers ----

    /** {"resource": broker, "additional": {"services": [offering + plans]}} for the broker as it is now. */
    ObjectNode brokerState(String brokerId) {
        ObjectNode state = MAPPER.createObjectNode();
        state.set("resource", ok(admin.get("/v1/service_brokers/" + brokerId), 200));
        ArrayNode services = state.putObject("additional").putArray("services");
        for (JsonNode offering : ok(admin.get("/v1/service_offerings?fieldQuery="
                + ApiClient.encode("broker_id eq '" + brokerId + "'")), 200).get("items")) {
            ObjectNode service = offering.deepCopy();
            service.set("plans", ok(admin.get("/v1/service_plans?fieldQuery="
                    + ApiClient.encode("service_offering_id eq '" + offering.get("id").asText() + "'")), 200)
                    .get("items"));
            services.add(service);
        }
        return state;
    }

    /** {"resource": visibility, "additional": {broker_id, broker_name, service_plan}} for the visibility as it is now. */
    ObjectNode visibilityState(String visibilityId) {
        JsonNode visibility = ok(admin.get("/v1/visibilities/" + visibilityId), 200);
        JsonNode plan = ok(admin.get("/v1/service_plans/" + visibility.get("service_plan_id").asText()), 200);
        JsonNode offering = ok(admin.get("/v1/service_offerings/" + plan.get("service_offering_id").asText()), 200);
        JsonNode broker = ok(admin.get("/v1/service_brokers/" + offering.get("broker_id").asText()), 200);
        ObjectNode state = MAPPER.createObjectNode();
        state.set("resource", visibility);
        state.putObject("additional").put("broker_id", broker.get("id").asText())
                .put("broker_name", broker.get("name").asText()).set("service_plan", plan);
        return state;
    }

    static String notification(long revision, String resource, String type, String platformId, JsonNode oldState,
                               JsonNode newState) {
        ObjectNode n = MAPPER.createObjectNode().put("id", UUID.randomUUID().toString()).put("resource", resource)
                .put("type", type);
        if (platformId == null) {
            n.putNull("platform_id");
        } else {
            n.put("platform_id", platformId);
        }
        n.put("revision", revision).put("correlation_id", "corr-" + revision).put("created_at", "2026-11-29T08:00:00Z");
        ObjectNode payload = n.putObject("payload");
        if (oldState != null) {
            payload.set("old", oldState);
        }
        if (newState != null) {
            payload.set("new", newState);
        }
        return n.toString();
    }

    private static JsonNode ok(ApiResponse response, int status) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        return response.json();
    }
}
