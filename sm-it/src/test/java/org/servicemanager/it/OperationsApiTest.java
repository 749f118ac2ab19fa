package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.test.http.ApiResponse;

/**
 * Reading operations: of one resource (also after it is gone), all of them with queries and
 * paging, and as the {@code last_operation} of a single GET. Never their scheduling fields.
 */
@DisplayName("operations: /v1/<type>/{id}/operations/{op_id}, /v1/operations, last_operation")
class OperationsApiTest extends PlatformApiTestBase {

    @Test
    @DisplayName("an instance's operation has the client fields and none of the scheduling ones")
    void instanceOperation() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        Operation op = operation(Operation.SERVICE_INSTANCES, instance.id(), OperationType.CREATE,
                OperationState.IN_PROGRESS);
        ApiResponse response = admin.get("/v1/service_instances/" + instance.id() + "/operations/" + op.id());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode json = response.json();
        assertThat(fieldNames(json)).containsExactlyInAnyOrder("id", "type", "state", "resource_id",
                "resource_type", "platform_id", "correlation_id", "errors", "labels", "created_at", "updated_at",
                "ready");
        assertThat(json.get("type").asText()).isEqualTo("create");
        assertThat(json.get("state").asText()).isEqualTo("in progress");
        assertThat(json.get("resource_type").asText()).isEqualTo("/v1/service_instances");
        assertThat(json.get("platform_id").asText()).isEqualTo("service-manager");
        assertThat(json.get("errors").isArray()).isTrue();
    }

    @Test
    @DisplayName("a failed operation shows its errors and description")
    void failedOperation() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        Operation op = operation(Operation.SERVICE_INSTANCES, instance.id(), OperationType.CREATE,
                OperationState.FAILED);
        JsonNode json = admin.get("/v1/service_instances/" + instance.id() + "/operations/" + op.id()).json();
        assertThat(json.get("state").asText()).isEqualTo("failed");
        assertThat(json.at("/errors/0/error").asText()).isEqualTo("BrokerError");
        assertThat(json.at("/errors/0/description").asText()).isEqualTo("broker said no");
        assertThat(json.get("description").asText()).isEqualTo("it failed");
    }

    @Test
    @DisplayName("an operation asked for under another resource, or another resource type, is 404")
    void wrongResource() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceInstance other = smInstance(stage.plan("small"));
        Operation op = operation(Operation.SERVICE_INSTANCES, instance.id(), OperationType.CREATE,
                OperationState.SUCCEEDED);
        assertError(admin.get("/v1/service_instances/" + other.id() + "/operations/" + op.id()), 404, "NotFound");
        assertError(admin.get("/v1/service_bindings/" + instance.id() + "/operations/" + op.id()), 404, "NotFound");
        assertError(admin.get("/v1/platforms/" + instance.id() + "/operations/" + op.id()), 404, "NotFound");
        assertError(admin.get("/v1/service_instances/" + instance.id() + "/operations/nope"), 404, "NotFound");
    }

    @Test
    @DisplayName("the operation of a resource that is gone is still readable")
    void resourceGone() {
        Operation op = operation(Operation.SERVICE_INSTANCES, "deleted-instance", OperationType.DELETE,
                OperationState.SUCCEEDED);
        ApiResponse response = admin.get("/v1/service_instances/deleted-instance/operations/" + op.id());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("state").asText()).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("a binding's and a platform's operations are read under their own paths")
    void bindingAndPlatform() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = smBinding(instance.id(), unique("b"), null);
        Operation bindOp = operation(Operation.SERVICE_BINDINGS, binding.id(), OperationType.CREATE,
                OperationState.SUCCEEDED);
        assertThat(admin.get("/v1/service_bindings/" + binding.id() + "/operations/" + bindOp.id()).status())
                .isEqualTo(200);
        String platformId = createPlatform().get("id").asText();
        Operation platformOp = operation(Operation.PLATFORMS, platformId, OperationType.DELETE,
                OperationState.IN_PROGRESS);
        ApiResponse response = admin.get("/v1/platforms/" + platformId + "/operations/" + platformOp.id());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("resource_type").asText()).isEqualTo("/v1/platforms");
    }

    @Test
    @DisplayName("GET /v1/operations filters by fieldQuery and pages with a token")
    void listing() {
        String resource = unique("resource");
        Operation first = operation(Operation.SERVICE_INSTANCES, resource, OperationType.CREATE,
                OperationState.SUCCEEDED);
        Operation second = operation(Operation.SERVICE_INSTANCES, resource, OperationType.UPDATE,
                OperationState.FAILED);
        String query = "/v1/operations?fieldQuery=" + q("resource_id eq '" + resource + "'");
        ApiResponse page1 = admin.get(query + "&max_items=1");
        assertThat(page1.status()).as(page1.body()).isEqualTo(200);
        assertThat(page1.json().get("num_items").asInt()).isEqualTo(2);
        assertThat(ids(page1.json())).containsExactly(first.id());
        String token = page1.json().get("token").asText();
        ApiResponse page2 = admin.get(query + "&max_items=1&token=" + q(token));
        assertThat(ids(page2.json())).containsExactly(second.id());
        assertThat(ids(items("/v1/operations?fieldQuery=" + q("resource_id eq '" + resource
                + "' and type eq 'update' and state eq 'failed'")))).containsExactly(second.id());
    }

    @Test
    @DisplayName("GET /v1/operations refuses queries on unknown or internal fields with InvalidFieldQuery")
    void internalFieldsNotQueryable() {
        assertError(admin.get("/v1/operations?fieldQuery=" + q("lease_owner eq 'node-1'")), 400,
                "InvalidFieldQuery");
        assertError(admin.get("/v1/operations?fieldQuery=" + q("colour eq 'red'")), 400, "InvalidFieldQuery");
    }

    @Test
    @DisplayName("GET /v1/operations is for administrators only")
    void adminOnly() {
        assertThat(platformClient(platformA).get("/v1/operations").status()).isEqualTo(403);
        assertThat(anonymous.get("/v1/operations").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("a single GET shows the stored operation the resource points at as last_operation")
    void lastOperationOnSingleGet() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        Operation op = operation(Operation.SERVICE_INSTANCES, instance.id(), OperationType.UPDATE,
                OperationState.IN_PROGRESS);
        store().repository(EntityTypes.SERVICE_INSTANCES).update(instance.withOperation(
                LastOperation.inProgress(OperationType.UPDATE, null).withOperationId(op.id()), now()));
        JsonNode json = instanceRecord(instance.id()).json();
        assertThat(json.at("/last_operation/id").asText()).isEqualTo(op.id());
        assertThat(json.at("/last_operation/type").asText()).isEqualTo("update");
        assertThat(json.at("/last_operation/correlation_id").asText()).isEqualTo(op.correlationId());
    }

    @Test
    @DisplayName("operations never show their scheduling fields in lists either")
    void noInternalsInLists() {
        String resource = unique("resource");
        operation(Operation.SERVICE_BINDINGS, resource, OperationType.DELETE, OperationState.IN_PROGRESS);
        List<JsonNode> listed = items("/v1/operations?fieldQuery=" + q("resource_id eq '" + resource + "'"));
        assertThat(listed).hasSize(1);
        assertThat(fieldNames(listed.get(0))).doesNotContain("step", "next_attempt_at", "lease_owner",
                "lease_until", "broker_operation", "details", "attempts", "poll_until");
    }
}
