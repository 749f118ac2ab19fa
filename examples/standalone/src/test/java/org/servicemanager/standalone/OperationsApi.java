package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * The REST calls the operations tests make against a node, as the administrator: registering a
 * broker and making its plan public, provisioning asynchronously, reading operations back; and
 * waiting on asynchronous work with a deadline. Thread-safe (stateless but for the client).
 */
final class OperationsApi {
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "admin-pw";

    private final ApiClient admin;

    OperationsApi(String baseUrl) {
        this.admin = new ApiClient(baseUrl).withCredentials(ADMIN, ADMIN_PASSWORD);
    }

    ApiClient client() {
        return admin;
    }

    /** Registers the broker and opens its plan {@code small} to everyone; returns the plan's id. */
    String registerPublicPlan(ScriptedBroker broker) {
        ApiResponse registered = admin.post("/v1/service_brokers", "{\"name\":\"scripted\",\"broker_url\":\""
                + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}");
        assertThat(registered.status()).as("%s", registered).isEqualTo(201);
        ApiResponse plans = admin.get("/v1/service_plans?fieldQuery="
                + ApiClient.encode("catalog_id eq '" + ScriptedBroker.PLAN_CATALOG_ID + "'"));
        String planId = plans.json().at("/items/0/id").asText();
        assertThat(planId).as("%s", plans).isNotEmpty();
        ApiResponse visibility = admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + planId + "\"}");
        assertThat(visibility.status()).as("%s", visibility).isEqualTo(201);
        return planId;
    }

    /** The id of the one registered broker. */
    String brokerId() {
        return admin.get("/v1/service_brokers").json().at("/items/0/id").asText();
    }

    /**
     * Registers a platform and, through the OSB face with its credentials, provisions an instance and
     * binds it (plan {@code small}); the broker must answer both synchronously.
     */
    void platformWithBinding(String platformName, String instanceId, String bindingId) {
        ApiResponse platform = admin.post("/v1/platforms", "{\"name\":\"" + platformName
                + "\",\"type\":\"kubernetes\"}");
        assertThat(platform.status()).as("%s", platform).isEqualTo(201);
        ApiClient osb = new ApiClient(admin.baseUrl())
                .withCredentials(platform.json().at("/credentials/basic/username").asText(),
                        platform.json().at("/credentials/basic/password").asText())
                .withHeader("X-Broker-API-Version", "2.17");
        String base = "/v1/osb/" + brokerId() + "/v2/service_instances/" + instanceId;
        String ids = "\"service_id\":\"fake-service-id\",\"plan_id\":\"" + ScriptedBroker.PLAN_CATALOG_ID + "\"";
        ApiResponse provisioned = osb.put(base + "?accepts_incomplete=true", "{" + ids
                + ",\"organization_guid\":\"org-1\",\"space_guid\":\"space-1\",\"context\":{\"platform\":\"kubernetes\"}}");
        assertThat(provisioned.status()).as("%s", provisioned).isEqualTo(201);
        ApiResponse bound = osb.put(base + "/service_bindings/" + bindingId, "{" + ids + "}");
        assertThat(bound.status()).as("%s", bound).isEqualTo(201);
    }

    /** The id of the platform named so. */
    String platformId(String name) {
        return admin.get("/v1/platforms?fieldQuery=" + ApiClient.encode("name eq '" + name + "'")).json()
                .at("/items/0/id").asText();
    }

    /** {@code POST /v1/service_instances?async=true}: the new instance's id and its operation's path. */
    Started provisionAsync(String name, String planId) {
        ApiResponse answer = admin.post("/v1/service_instances?async=true",
                "{\"name\":\"" + name + "\",\"service_plan_id\":\"" + planId + "\"}");
        assertThat(answer.status()).as("%s", answer).isEqualTo(202);
        String location = answer.header("Location").orElseThrow(() -> new AssertionError("no Location: " + answer));
        String prefix = "/v1/service_instances/";
        assertThat(location).startsWith(prefix).contains("/operations/");
        String instanceId = location.substring(prefix.length(), location.indexOf("/operations/"));
        return new Started(instanceId, location);
    }

    /** The operation at {@code location}, or {@code null} if it answers 404. */
    JsonNode operation(String location) {
        ApiResponse answer = admin.get(location);
        if (answer.status() == 404) {
            return null;
        }
        assertThat(answer.status()).as("%s", answer).isEqualTo(200);
        return answer.json();
    }

    ApiResponse instance(String id) {
        return admin.get("/v1/service_instances/" + id);
    }

    long instanceCount() {
        return admin.get("/v1/service_instances").json().get("items").size();
    }

    /** A started asynchronous operation: the resource's id and {@code Location}. */
    record Started(String instanceId, String location) {
        String operationId() {
            return location.substring(location.lastIndexOf('/') + 1);
        }
    }

    /** Polls {@code condition} every 100 ms until it holds; fails with {@code what} after {@code timeout}. */
    static void await(Duration timeout, Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what.get());
            }
            Thread.sleep(100);
        }
    }
}
