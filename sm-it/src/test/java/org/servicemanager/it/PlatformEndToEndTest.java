package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * The Service Manager as a platform from end to end: instances and bindings made through
 * {@code /v1/service_instances} and {@code /v1/service_bindings}, against a fake broker on
 * loopback, in the synchronous and asynchronous modes. The broker's recorded requests show what
 * it received.
 */
@DisplayName("/v1/service_instances and /v1/service_bindings against a broker")
class PlatformEndToEndTest extends PlatformApiTestBase {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        // Short intervals and the background scan on (every 50 ms), as close to a call as it gets.
        builder.operationsPollInterval(Duration.ofMillis(50)).operationsRetryInterval(Duration.ofMillis(50));
    }

    private ApiResponse provision(String name, String plan, Object... extra) {
        return provision(admin, "", name, plan, extra);
    }

    private ApiResponse provision(ApiClient client, String query, String name, String plan, Object... extra) {
        Object[] fields = new Object[4 + extra.length];
        fields[0] = "name";
        fields[1] = name;
        fields[2] = "service_plan_id";
        fields[3] = stage.plan(plan);
        System.arraycopy(extra, 0, fields, 4, extra.length);
        return client.post("/v1/service_instances" + query, json(fields));
    }

    /** Provisions synchronously and returns the instance's JSON. */
    private JsonNode provisioned(String plan) {
        ApiResponse response = provision(unique("inst"), plan);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    private JsonNode bound(String instanceId) {
        ApiResponse response = admin.post("/v1/service_bindings", json("name", unique("bind"),
                "service_instance_id", instanceId));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    /** Reads the operation at {@code location} until the node's own scheduler finished it. */
    private JsonNode settled(String location) {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (true) {
            ApiResponse response = admin.get(location);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            if (!response.json().get("state").asText().equals("in progress")) {
                return response.json();
            }
            assertThat(Instant.now()).as("operation at " + location + " settled in time").isBefore(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static void assertAccepted(ApiResponse response, String resourcePath) {
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.json().size()).isZero();
        assertThat(response.header("Location")).get().asString().startsWith(resourcePath + "/operations/");
    }

    private RecordedRequest onlyCall(String method) {
        List<RecordedRequest> calls = stage.osbCalls().stream().filter(r -> r.method().equals(method)).toList();
        assertThat(calls).as(stage.osbCalls().toString()).hasSize(1);
        return calls.get(0);
    }

    @Test
    @DisplayName("a synchronous provision answers 201 with the ready instance of platform service-manager")
    void syncProvision() {
        JsonNode instance = provisioned("small");
        assertThat(instance.get("ready").asBoolean()).isTrue();
        assertThat(instance.get("platform_id").asText()).isEqualTo("service-manager");
        assertThat(instance.get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
        assertThat(stage.osb.instanceIds()).contains(instance.get("id").asText());
    }

    @Test
    @DisplayName("the provision reaches the broker as the platform service-manager, with the admin as originating "
            + "identity and the correlation id as request identity")
    void provisionRequest() {
        String name = unique("inst");
        ApiResponse response = provision(admin.withHeader("X-Correlation-ID", "corr-provision-1"), "", name, "small",
                "parameters", map("size", 3));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        RecordedRequest put = onlyCall("PUT");
        assertThat(put.query()).contains("accepts_incomplete=true");
        JsonNode body = parse(put.body());
        assertThat(body.at("/context/platform").asText()).isEqualTo("service-manager");
        assertThat(body.at("/context/instance_name").asText()).isEqualTo(name);
        assertThat(body.get("organization_guid").asText()).isEqualTo("-");
        assertThat(body.at("/parameters/size").asInt()).isEqualTo(3);
        assertThat(put.header("X-Broker-API-Request-Identity")).contains("corr-provision-1");
        String identity = put.header("X-Broker-API-Originating-Identity").orElseThrow();
        assertThat(identity).startsWith("service-manager ");
        JsonNode user = parse(new String(Base64.getDecoder().decode(identity.substring("service-manager ".length())),
                StandardCharsets.UTF_8));
        assertThat(user.get("username").asText()).isEqualTo(SmServer.ADMIN_USER);
        assertThat(admin.get("/v1/service_instances/" + response.json().get("id").asText()).body())
                .doesNotContain("\"size\"");
    }

    @Test
    @DisplayName("a provision by offering and plan names picks that plan")
    void provisionByNames() {
        ApiResponse response = admin.post("/v1/service_instances", json("name", unique("inst"),
                "service_offering_name", "db", "service_plan_name", "large", "broker_name", stage.brokerName,
                "service_id", offeringOf("small")));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("service_plan_id").asText()).isEqualTo(stage.plan("large"));
    }

    @Test
    @DisplayName("async=true answers 202 with Location and {} at once; the operation then succeeds")
    void asyncProvision() {
        ApiResponse response = provision(admin, "?async=true", unique("inst"), "small");
        String location = response.header("Location").orElseThrow();
        assertThat(location).startsWith("/v1/service_instances/");
        assertAccepted(response, location.substring(0, location.indexOf("/operations/")));
        JsonNode operation = settled(location);
        assertThat(operation.get("state").asText()).isEqualTo("succeeded");
        assertThat(operation.get("type").asText()).isEqualTo("create");
        ApiResponse instance = admin.get("/v1/service_instances/" + operation.get("resource_id").asText());
        assertThat(instance.json().get("ready").asBoolean()).isTrue();
        assertThat(instance.json().at("/last_operation/id").asText()).isEqualTo(operation.get("id").asText());
    }

    @Test
    @DisplayName("without async, a broker answering 202 makes the answer 202 with Location; polling finishes it")
    void brokerAsync() {
        stage.osb.asynchronous(1);
        ApiResponse response = provision(unique("inst"), "small");
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        JsonNode operation = settled(response.header("Location").orElseThrow());
        assertThat(operation.get("state").asText()).isEqualTo("succeeded");
        assertThat(stage.broker.requests().stream().anyMatch(r -> r.path().endsWith("/last_operation"))).isTrue();
    }

    @Test
    @DisplayName("a broker's 400 is 400 BrokerError with its description; no instance is left and the failed "
            + "operation stays listed")
    void brokerRejects() {
        Stage s = newStage(defaultCatalog());
        s.broker.route("PUT", FakeOsbService.INSTANCE_PATH, r -> Reply.error(400, "BadParams",
                "size must be small"));
        String name = unique("inst");
        ApiResponse response = admin.withHeader("X-Correlation-ID", "corr-rejected-1").post("/v1/service_instances",
                json("name", name, "service_plan_id", s.plan("small")));
        assertError(response, 400, "BrokerError");
        assertThat(description(response)).contains("size must be small");
        assertThat(items("/v1/service_instances?fieldQuery=" + q("name eq '" + name + "'"))).isEmpty();
        List<JsonNode> operations = items("/v1/operations?fieldQuery=" + q("correlation_id eq 'corr-rejected-1'"));
        assertThat(operations).hasSize(1);
        assertThat(operations.get(0).get("state").asText()).isEqualTo("failed");
    }

    @Test
    @DisplayName("a synchronous bind answers 201 with the credentials; the single GET shows them, lists never")
    void bind() {
        String instanceId = provisioned("small").get("id").asText();
        JsonNode binding = bound(instanceId);
        String bindingId = binding.get("id").asText();
        String password = stage.osb.passwordOf(bindingId).orElseThrow();
        assertThat(binding.at("/credentials/password").asText()).isEqualTo(password);
        assertThat(admin.get("/v1/service_bindings/" + bindingId).json().at("/credentials/password").asText())
                .isEqualTo(password);
        assertThat(admin.get("/v1/service_bindings?fieldQuery=" + q("id eq '" + bindingId + "'")).body())
                .contains(bindingId).doesNotContain(password);
        assertThat(store().repository(org.servicemanager.api.store.EntityTypes.SERVICE_BINDINGS).get(bindingId)
                .orElseThrow().credentials()).doesNotContain(password);
    }

    @Test
    @DisplayName("a bind with async=true answers 202; the operation then succeeds and the credentials are there")
    void asyncBind() {
        String instanceId = provisioned("small").get("id").asText();
        ApiResponse response = admin.post("/v1/service_bindings?async=true", json("name", unique("bind"),
                "service_instance_id", instanceId));
        String location = response.header("Location").orElseThrow();
        assertThat(location).startsWith("/v1/service_bindings/");
        assertAccepted(response, location.substring(0, location.indexOf("/operations/")));
        JsonNode operation = settled(location);
        assertThat(operation.get("state").asText()).isEqualTo("succeeded");
        String bindingId = operation.get("resource_id").asText();
        assertThat(admin.get("/v1/service_bindings/" + bindingId).json().at("/credentials/password").asText())
                .isEqualTo(stage.osb.passwordOf(bindingId).orElseThrow());
    }

    @Test
    @DisplayName("unbind and deprovision answer 200 {}; their operations stay readable after the records are gone")
    void unbindAndDeprovision() {
        String instanceId = provisioned("small").get("id").asText();
        String bindingId = bound(instanceId).get("id").asText();
        ApiResponse unbind = admin.delete("/v1/service_bindings/" + bindingId);
        assertThat(unbind.status()).as(unbind.body()).isEqualTo(200);
        assertThat(unbind.body()).isEqualTo("{}");
        assertThat(admin.get("/v1/service_bindings/" + bindingId).status()).isEqualTo(404);
        ApiResponse deprovision = admin.delete("/v1/service_instances/" + instanceId);
        assertThat(deprovision.status()).as(deprovision.body()).isEqualTo(200);
        assertThat(admin.get("/v1/service_instances/" + instanceId).status()).isEqualTo(404);
        assertThat(stage.osb.instanceIds()).doesNotContain(instanceId);
        JsonNode delete = items("/v1/operations?fieldQuery=" + q("resource_id eq '" + instanceId
                + "' and type eq 'delete'")).get(0);
        assertThat(delete.get("state").asText()).isEqualTo("succeeded");
        assertThat(admin.get("/v1/service_instances/" + instanceId + "/operations/" + delete.get("id").asText())
                .status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a deprovision with async=true answers 202 and the operation is readable after the instance is gone")
    void asyncDeprovision() {
        String instanceId = provisioned("small").get("id").asText();
        ApiResponse response = admin.delete("/v1/service_instances/" + instanceId + "?async=true");
        assertAccepted(response, "/v1/service_instances/" + instanceId);
        JsonNode operation = settled(response.header("Location").orElseThrow());
        assertThat(operation.get("state").asText()).isEqualTo("succeeded");
        assertThat(admin.get("/v1/service_instances/" + instanceId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a PATCH of name and labels answers 200 without a broker call")
    void patchName() {
        String instanceId = provisioned("small").get("id").asText();
        stage.broker.clearRequests();
        ApiResponse response = admin.patch("/v1/service_instances/" + instanceId, json("name", unique("renamed"),
                "labels", List.of(map("op", "add", "key", "team", "values", List.of("red")))));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("name").asText()).startsWith("renamed");
        assertThat(response.json().at("/labels/team/0").asText()).isEqualTo("red");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("a PATCH of the plan updates at the broker and answers 200 with the new plan")
    void patchPlan() {
        String instanceId = provisioned("small").get("id").asText();
        stage.broker.clearRequests();
        ApiResponse response = admin.patch("/v1/service_instances/" + instanceId, json("service_plan_id",
                stage.plan("large")));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("service_plan_id").asText()).isEqualTo(stage.plan("large"));
        assertThat(onlyCall("PATCH").body()).contains("large-id");
        assertThat(stage.osb.planOf(instanceId)).contains("large-id");
    }

    @Test
    @DisplayName("a change while the instance's creation is in progress is 422 ConcurrentOperation")
    void concurrentOperation() {
        stage.osb.asynchronous(1000);
        ApiResponse started = provision(unique("inst"), "small");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String location = started.header("Location").orElseThrow();
        String instanceId = location.substring("/v1/service_instances/".length(), location.indexOf("/operations/"));
        assertError(admin.patch("/v1/service_instances/" + instanceId, json("name", unique("x"))), 422,
                "ConcurrentOperation");
        assertError(admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id", instanceId)),
                422, "ConcurrentOperation");
    }

    @Test
    @DisplayName("GET parameters answers the broker's parameters of the instance")
    void parameters() {
        ApiResponse created = provision(unique("inst"), "small", "parameters", map("size", 7));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        ApiResponse response = admin.get("/v1/service_instances/" + created.json().get("id").asText()
                + "/parameters");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("size").asInt()).isEqualTo(7);
    }

    @Test
    @DisplayName("a name used by another platform's instance is free for a service-manager instance")
    void nameOfOtherPlatform() {
        String osbInstance = provisioned(osbA, "small");
        String name = instanceRecord(osbInstance).json().get("name").asText();
        ApiResponse response = provision(name, "small");
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("name").asText()).isEqualTo(name);
    }

    @Test
    @DisplayName("a bindable plan of an offering that is not bindable can be bound (the plan decides)")
    void planOverridesOfferingBindable() {
        String instanceId = provisioned("basic").get("id").asText();
        JsonNode binding = bound(instanceId);
        assertThat(binding.get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("GET parameters of a binding answers the broker's binding parameters")
    void bindingParameters() {
        String instanceId = provisioned("small").get("id").asText();
        String bindingId = bound(instanceId).get("id").asText();
        ApiResponse response = admin.get("/v1/service_bindings/" + bindingId + "/parameters");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().isObject()).isTrue();
        assertThat(stage.broker.requests().stream().anyMatch(r -> r.method().equals("GET")
                && r.path().endsWith("/service_bindings/" + bindingId))).isTrue();
    }

    @Test
    @DisplayName("a PATCH with async=true answers 202 with Location; the operation then succeeds")
    void asyncPatch() {
        String instanceId = provisioned("small").get("id").asText();
        ApiResponse response = admin.patch("/v1/service_instances/" + instanceId + "?async=true",
                json("service_plan_id", stage.plan("large")));
        assertAccepted(response, "/v1/service_instances/" + instanceId);
        JsonNode operation = settled(response.header("Location").orElseThrow());
        assertThat(operation.get("type").asText()).isEqualTo("update");
        assertThat(operation.get("state").asText()).isEqualTo("succeeded");
        assertThat(instanceRecord(instanceId).json().get("service_plan_id").asText()).isEqualTo(stage.plan("large"));
    }

    @Test
    @DisplayName("a broker's 500 on a synchronous provision is 502 BrokerError; the operation records the failure")
    void brokerServerError() {
        stage.osb.failNextCall(FakeOsbService.Failure.SERVER_ERROR);
        String name = unique("inst");
        ApiResponse response = admin.withHeader("X-Correlation-ID", "corr-500-1").post("/v1/service_instances",
                json("name", name, "service_plan_id", stage.plan("small")));
        assertError(response, 502, "BrokerError");
        JsonNode operation = items("/v1/operations?fieldQuery=" + q("correlation_id eq 'corr-500-1'")).get(0);
        assertThat(operation.get("state").asText()).isEqualTo("failed");
        assertThat(operation.at("/errors/0/error").asText()).isNotBlank();
    }

    @Test
    @DisplayName("a PATCH to a plan of the offering that service-manager may not see is 400")
    void patchToInvisiblePlan() {
        String instanceId = provisioned("small").get("id").asText();
        stage.broker.clearRequests();
        assertError(admin.patch("/v1/service_instances/" + instanceId, json("service_plan_id",
                stage.plan("secret-db"))), 400, "BadRequest");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("DELETE with cascade=true answers 202 with the Location of the root operation, which succeeds")
    void cascadeInstance() {
        String instanceId = provisioned("small").get("id").asText();
        bound(instanceId);
        ApiResponse response = admin.delete("/v1/service_instances/" + instanceId + "?cascade=true");
        assertAccepted(response, "/v1/service_instances/" + instanceId);
        assertThat(settled(response.header("Location").orElseThrow()).get("state").asText()).isEqualTo("succeeded");
        assertThat(admin.get("/v1/service_instances/" + instanceId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("DELETE of a platform with cascade=true answers 202 with the Location of its root operation")
    void cascadePlatform() {
        JsonNode platform = createPlatform();
        String platformId = platform.get("id").asText();
        ApiResponse response = admin.delete("/v1/platforms/" + platformId + "?cascade=true");
        assertAccepted(response, "/v1/platforms/" + platformId);
        assertThat(settled(response.header("Location").orElseThrow()).get("state").asText()).isEqualTo("succeeded");
        assertThat(admin.get("/v1/platforms/" + platformId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a platform's cascade deletes at the broker what the platform made through the OSB face, bindings "
            + "first, then the platform; the instances of service-manager stay")
    void cascadePlatformWithOsbInstances() {
        JsonNode platform = createPlatform();
        String platformId = platform.get("id").asText();
        ApiClient osb = osbClient(platform);
        String instanceId = unique("osb-inst");
        String bindingId = unique("osb-bind");
        ApiResponse provisioned = osb.put(stage.instance(instanceId), provisionBody("small"));
        assertThat(provisioned.status()).as(provisioned.body()).isEqualTo(201);
        ApiResponse bound = osb.put(stage.binding(instanceId, bindingId), bindBody("db", "small"));
        assertThat(bound.status()).as(bound.body()).isEqualTo(201);
        String ownInstance = provisioned("small").get("id").asText();
        String ownBinding = bound(ownInstance).get("id").asText();
        stage.broker.clearRequests();

        ApiResponse response = admin.delete("/v1/platforms/" + platformId + "?cascade=true");

        assertAccepted(response, "/v1/platforms/" + platformId);
        JsonNode root = settled(response.header("Location").orElseThrow());
        assertThat(root.get("state").asText()).as(root.toString()).isEqualTo("succeeded");
        assertThat(root.get("resource_type").asText()).isEqualTo("/v1/platforms");
        assertThat(root.get("platform_id").asText()).isEqualTo("service-manager");
        String rootId = root.get("id").asText();
        assertThat(root.get("cascade_root_id").asText()).isEqualTo(rootId);
        List<RecordedRequest> deletes = stage.osbCalls().stream().filter(r -> r.method().equals("DELETE")).toList();
        assertThat(deletes).extracting(RecordedRequest::path).containsExactly(
                "/v2/service_instances/" + instanceId + "/service_bindings/" + bindingId,
                "/v2/service_instances/" + instanceId);
        assertThat(admin.get("/v1/platforms/" + platformId).status()).isEqualTo(404);
        assertThat(admin.get("/v1/service_instances/" + instanceId).status()).isEqualTo(404);
        assertThat(admin.get("/v1/service_bindings/" + bindingId).status()).isEqualTo(404);
        assertThat(admin.get("/v1/service_instances/" + ownInstance).status()).isEqualTo(200);
        assertThat(admin.get("/v1/service_bindings/" + ownBinding).status()).isEqualTo(200);
        assertThat(stage.osb.instanceIds()).doesNotContain(instanceId).contains(ownInstance);

        List<JsonNode> tree = items("/v1/operations?fieldQuery=" + q("cascade_root_id eq '" + rootId + "'"));
        assertThat(tree).hasSize(3).allSatisfy(op -> assertThat(op.get("state").asText()).isEqualTo("succeeded"));
        JsonNode instanceOp = tree.stream().filter(op -> op.get("resource_id").asText().equals(instanceId))
                .findFirst().orElseThrow();
        JsonNode bindingOp = tree.stream().filter(op -> op.get("resource_id").asText().equals(bindingId))
                .findFirst().orElseThrow();
        assertThat(instanceOp.get("parent_id").asText()).isEqualTo(rootId);
        assertThat(instanceOp.get("type").asText()).isEqualTo("delete");
        assertThat(bindingOp.get("parent_id").asText()).isEqualTo(instanceOp.get("id").asText());
        assertThat(bindingOp.get("resource_type").asText()).isEqualTo("/v1/service_bindings");
    }

    @Test
    @DisplayName("DELETE with cascade=true while that cascade runs answers 202 with the Location of the same root "
            + "operation")
    void repeatedCascade() {
        String instanceId = provisioned("small").get("id").asText();
        bound(instanceId);
        // The broker works asynchronously: the cascade runs for a few polls at least.
        stage.osb.asynchronous(3);
        ApiResponse first = admin.delete("/v1/service_instances/" + instanceId + "?cascade=true");
        assertAccepted(first, "/v1/service_instances/" + instanceId);

        ApiResponse again = admin.delete("/v1/service_instances/" + instanceId + "?cascade=true");

        assertAccepted(again, "/v1/service_instances/" + instanceId);
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(settled(first.header("Location").orElseThrow()).get("state").asText()).isEqualTo("succeeded");
        assertThat(admin.get("/v1/service_instances/" + instanceId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("while a cascade runs, unbinding one of its bindings, binding the instance or deleting it plainly "
            + "is 422 ConcurrentOperation")
    void callsDuringCascade() {
        String instanceId = provisioned("small").get("id").asText();
        String bindingId = bound(instanceId).get("id").asText();
        stage.osb.asynchronous(3);
        ApiResponse cascade = admin.delete("/v1/service_instances/" + instanceId + "?cascade=true");
        assertAccepted(cascade, "/v1/service_instances/" + instanceId);

        assertError(admin.delete("/v1/service_bindings/" + bindingId + "?async=true"), 422, "ConcurrentOperation");
        assertError(admin.post("/v1/service_bindings", json("name", unique("bind"), "service_instance_id",
                instanceId)), 422, "ConcurrentOperation");
        assertError(admin.delete("/v1/service_instances/" + instanceId), 422, "ConcurrentOperation");

        assertThat(settled(cascade.header("Location").orElseThrow()).get("state").asText()).isEqualTo("succeeded");
    }

    private String offeringOf(String plan) {
        return admin.get("/v1/service_plans/" + stage.plan(plan)).json().get("service_offering_id").asText();
    }
}
