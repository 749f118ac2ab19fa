package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityTypes;

/**
 * Changes to instances and bindings that are not ready: while their operation runs the answer is
 * 422 {@code ConcurrentOperation} (retry later); an instance whose creation failed (kept only for
 * orphan mitigation) can never be bound (400), nor updated through its broker (422 naming why).
 */
@DisplayName("/v1/service_instances and /v1/service_bindings: resources that are not ready")
class NotReadyResourcesApiTest extends PlatformApiTestBase {

    private ServiceInstance failedCreate() {
        return smInstance(stage.plan("small"), unique("n"), false, new LastOperation(OperationType.CREATE,
                OperationState.FAILED, null, "broker answered 500", "op-failed"));
    }

    private ServiceInstance creating() {
        return smInstance(stage.plan("small"), unique("n"), false, LastOperation.inProgress(OperationType.CREATE,
                null));
    }

    private ServiceBinding binding(String instanceId, LastOperation last) {
        Instant now = now();
        return store().repository(EntityTypes.SERVICE_BINDINGS).create(new ServiceBinding(unique("binding"),
                unique("b"), instanceId, Platform.SERVICE_MANAGER_ID, null, null, null, last, Labels.empty(), now,
                now, false, 0));
    }

    @Test
    @DisplayName("PATCH of the plan of an instance whose creation failed is 422 naming the reason; no broker call")
    void patchPlanOfFailed() {
        ServiceInstance instance = failedCreate();
        assertErrorNaming(admin.patch("/v1/service_instances/" + instance.id(), json("service_plan_id",
                stage.plan("large"))), 422, "ConcurrentOperation", instance.id(), "not ready", "creation failed");
        assertThat(stage.osbCalls()).isEmpty();
        assertThat(instanceRecord(instance.id()).json().get("service_plan_id").asText())
                .isEqualTo(stage.plan("small"));
    }

    @Test
    @DisplayName("PATCH of the parameters of an instance being created is 422 naming the creation in progress")
    void patchParametersWhileCreating() {
        ServiceInstance instance = creating();
        assertErrorNaming(admin.patch("/v1/service_instances/" + instance.id(), json("parameters",
                map("size", 2))), 422, "ConcurrentOperation", instance.id(), "in progress");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("PATCH of only the name of an instance whose creation failed renames it without a broker call")
    void renameFailed() {
        ServiceInstance instance = failedCreate();
        String name = unique("renamed");
        var response = admin.patch("/v1/service_instances/" + instance.id(), json("name", name));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("name").asText()).isEqualTo(name);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("POST of a binding to an instance whose creation failed is 400 saying so; no broker call")
    void bindFailed() {
        ServiceInstance instance = failedCreate();
        assertErrorNaming(admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id",
                instance.id())), 400, "BadRequest", instance.id(), "not ready", "creation failed");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("PATCH of a binding whose creation is in progress is 422 and changes nothing")
    void patchBindingWhileCreating() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = binding(instance.id(), LastOperation.inProgress(OperationType.CREATE, null));
        assertErrorNaming(admin.patch("/v1/service_bindings/" + binding.id(), json("name", unique("x"))), 422,
                "ConcurrentOperation", binding.id(), "create");
        assertThat(bindingRecord(binding.id()).json().get("name").asText()).isEqualTo(binding.name());
    }

    @Test
    @DisplayName("PATCH of the labels of a binding being deleted is 422 and changes nothing")
    void patchBindingWhileDeleting() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = binding(instance.id(), LastOperation.inProgress(OperationType.DELETE, null));
        assertErrorNaming(admin.patch("/v1/service_bindings/" + binding.id(), json("labels", java.util.List.of(
                map("op", "add", "key", "team", "values", java.util.List.of("blue"))))), 422,
                "ConcurrentOperation", binding.id(), "delete");
        assertThat(bindingRecord(binding.id()).json().has("labels")
                && bindingRecord(binding.id()).json().get("labels").has("team")).isFalse();
    }
}
