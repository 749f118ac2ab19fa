package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.test.http.ApiResponse;

/**
 * Every mutating call on an instance or binding is an operation, also those without a broker
 * call: a binding's name/label PATCH, and label PATCHes of other platforms' records (which keep
 * their last operation, since their platform polls it through the OSB face).
 */
@DisplayName("PATCH without a broker call is an operation too")
class PatchOperationsApiTest extends PlatformApiTestBase {

    private List<JsonNode> operationsOf(String resourceId) {
        return items("/v1/operations?fieldQuery=" + q("resource_id eq '" + resourceId + "'"));
    }

    private static List<JsonNode> updates(List<JsonNode> operations) {
        return operations.stream().filter(o -> o.get("type").asText().equals("update")).toList();
    }

    private String osbProvisioned() {
        String id = unique("i");
        ApiResponse response = osbA.put(stage.instance(id), provisionBody("small"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return id;
    }

    @Test
    @DisplayName("PATCH of a binding's name and labels records an update operation, succeeded, that becomes its last_operation")
    void bindingPatch() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = smBinding(instance.id(), unique("b"), null);
        String newName = unique("renamed");

        ApiResponse response = admin.patch("/v1/service_bindings/" + binding.id(), json("name", newName,
                "labels", List.of(map("op", "add", "key", "team", "values", List.of("blue")))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<JsonNode> updates = updates(operationsOf(binding.id()));
        assertThat(updates).hasSize(1);
        JsonNode op = updates.get(0);
        assertThat(op.get("state").asText()).isEqualTo("succeeded");
        assertThat(op.get("resource_type").asText()).isEqualTo("/v1/service_bindings");
        assertThat(op.get("platform_id").asText()).isEqualTo("service-manager");
        JsonNode single = admin.get("/v1/service_bindings/" + binding.id()).json();
        assertThat(single.get("name").asText()).isEqualTo(newName);
        assertThat(single.at("/last_operation/id").asText()).isEqualTo(op.get("id").asText());
        assertThat(single.at("/last_operation/type").asText()).isEqualTo("update");
        assertThat(admin.get("/v1/service_bindings/" + binding.id() + "/operations/" + op.get("id").asText())
                .status()).isEqualTo(200);
    }

    @Test
    @DisplayName("PATCH of a binding whose bind is in progress is 422 ConcurrentOperation and records nothing")
    void bindingPatchWhileInProgress() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = store().repository(org.servicemanager.api.store.EntityTypes.SERVICE_BINDINGS)
                .update(smBinding(instance.id(), unique("b"), null).withOperation(
                        LastOperation.inProgress(OperationType.CREATE, null), now()));

        ApiResponse response = admin.patch("/v1/service_bindings/" + binding.id(), json("name", unique("x")));

        assertError(response, 422, "ConcurrentOperation");
        assertThat(operationsOf(binding.id())).isEmpty();
    }

    @Test
    @DisplayName("a label PATCH of another platform's instance records an operation but leaves the instance's last_operation the platform's")
    void foreignInstanceLabels() {
        String id = osbProvisioned();
        String before = admin.get("/v1/service_instances/" + id).json().at("/last_operation/id").asText();
        assertThat(before).isNotEmpty();

        ApiResponse response = admin.patch("/v1/service_instances/" + id, json("labels",
                List.of(map("op", "add", "key", "team", "values", List.of("blue")))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(updates(operationsOf(id))).hasSize(1).allSatisfy(op ->
                assertThat(op.get("state").asText()).isEqualTo("succeeded"));
        JsonNode single = admin.get("/v1/service_instances/" + id).json();
        assertThat(single.at("/last_operation/id").asText()).isEqualTo(before);
        assertThat(single.at("/last_operation/type").asText()).isEqualTo("create");
        assertThat(osbA.get(stage.instance(id) + "/last_operation").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a label PATCH of another platform's binding records an operation but leaves the binding's last_operation the platform's")
    void foreignBindingLabels() {
        String instanceId = osbProvisioned();
        String bindingId = unique("b");
        ApiResponse bound = osbA.put(stage.binding(instanceId, bindingId), bindBody("db", "small"));
        assertThat(bound.status()).as(bound.body()).isEqualTo(201);
        String before = admin.get("/v1/service_bindings/" + bindingId).json().at("/last_operation/id").asText();

        ApiResponse response = admin.patch("/v1/service_bindings/" + bindingId, json("labels",
                List.of(map("op", "add", "key", "team", "values", List.of("blue")))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(updates(operationsOf(bindingId))).hasSize(1);
        JsonNode single = admin.get("/v1/service_bindings/" + bindingId).json();
        assertThat(single.at("/last_operation/id").asText()).isEqualTo(before);
        assertThat(single.at("/last_operation/type").asText()).isEqualTo("create");
    }
}
