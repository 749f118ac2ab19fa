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
 * What {@code /v1/service_bindings} refuses before any broker is called, the name and labels
 * PATCH that never calls one, and where credentials are shown: the single GET only.
 */
@DisplayName("/v1/service_bindings: validation, PATCH and credentials")
class BindingsApiTest extends PlatformApiTestBase {
    private static final String CREDENTIALS = "{\"credentials\":{\"password\":\"s3cr3t-pw\"},"
            + "\"syslog_drain_url\":\"syslog://drain\"}";

    private ApiResponse bind(String body) {
        return admin.post("/v1/service_bindings", body);
    }

    @Test
    @DisplayName("POST for an unknown instance is 400 naming the id")
    void unknownInstance() {
        assertErrorNaming(bind(json("name", unique("b"), "service_instance_id", "no-such-instance")), 400,
                "BadRequest", "'no-such-instance'", "service_instance_id");
    }

    @Test
    @DisplayName("POST without a name or without an instance is 400 naming the field")
    void requiredFields() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        assertErrorNaming(bind(json("service_instance_id", instance.id())), 400, "BadRequest", "'name'");
        assertErrorNaming(bind(json("name", unique("b"))), 400, "BadRequest", "'service_instance_id'");
    }

    @Test
    @DisplayName("POST for an instance another platform owns is 403 naming the owner")
    void foreignInstance() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();
        assertErrorNaming(bind(json("name", unique("b"), "service_instance_id", id)), 403, "Forbidden",
                platformA.get("id").asText());
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("POST for an instance still being created is 422 ConcurrentOperation")
    void notReady() {
        ServiceInstance instance = smInstance(stage.plan("small"), unique("n"), false,
                LastOperation.inProgress(OperationType.CREATE, "op-1"));
        assertErrorNaming(bind(json("name", unique("b"), "service_instance_id", instance.id())), 422,
                "ConcurrentOperation", instance.id(), "not ready");
    }

    @Test
    @DisplayName("POST for an instance being deleted is 422 ConcurrentOperation")
    void beingDeleted() {
        ServiceInstance instance = smInstance(stage.plan("small"), unique("n"), true,
                LastOperation.inProgress(OperationType.DELETE, "op-1"));
        assertErrorNaming(bind(json("name", unique("b"), "service_instance_id", instance.id())), 422,
                "ConcurrentOperation", "being deleted");
    }

    @Test
    @DisplayName("POST for an instance of a plan that is not bindable is 400")
    void notBindable() {
        ServiceInstance instance = smInstance(stage.plan("nobind"));
        assertErrorNaming(bind(json("name", unique("b"), "service_instance_id", instance.id())), 400, "BadRequest",
                "not bindable", stage.plan("nobind"));
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("POST with a name another binding of the instance has is 409")
    void duplicateName() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        smBinding(instance.id(), "app", null);
        assertErrorNaming(bind(json("name", "app", "service_instance_id", instance.id())), 409, "Conflict", "'app'");
    }

    @Test
    @DisplayName("POST with credentials or another field the Service Manager sets is 400")
    void readOnlyFields() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        assertErrorNaming(bind(json("name", unique("b"), "service_instance_id", instance.id(),
                "credentials", map("a", "b"))), 400, "BadRequest", "'credentials'");
        assertErrorNaming(bind(json("name", unique("b"), "service_instance_id", instance.id(),
                "platform_id", "x")), 400, "BadRequest", "'platform_id'");
    }

    @Test
    @DisplayName("POST with async other than true or false is 400")
    void badAsync() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        assertErrorNaming(admin.post("/v1/service_bindings?async=yes", json("name", unique("b"),
                "service_instance_id", instance.id())), 400, "BadRequest", "async");
    }

    @Test
    @DisplayName("PATCH changes name and labels without a broker call")
    void patchNameAndLabels() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = smBinding(instance.id(), "before", CREDENTIALS);
        ApiResponse response = admin.patch("/v1/service_bindings/" + binding.id(), json("name", "after",
                "labels", List.of(map("op", "add", "key", "env", "values", List.of("dev")))));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("name").asText()).isEqualTo("after");
        assertThat(response.json().at("/labels/env/0").asText()).isEqualTo("dev");
        assertThat(response.body()).doesNotContain("s3cr3t-pw");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("PATCH of anything but name and labels is 400 naming the field")
    void patchOtherFields() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = smBinding(instance.id(), unique("b"), null);
        assertErrorNaming(admin.patch("/v1/service_bindings/" + binding.id(), json("parameters", map("a", 1))), 400,
                "BadRequest", "'parameters'");
        assertErrorNaming(admin.patch("/v1/service_bindings/" + binding.id(), json("service_instance_id", "x")), 400,
                "BadRequest", "'service_instance_id'");
        assertErrorNaming(admin.patch("/v1/service_bindings/" + binding.id(), json("name", null)), 400,
                "BadRequest", "'name'");
    }

    @Test
    @DisplayName("PATCH to the name of another binding of the instance is 409")
    void patchDuplicateName() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        smBinding(instance.id(), "taken", null);
        ServiceBinding binding = smBinding(instance.id(), unique("b"), null);
        assertErrorNaming(admin.patch("/v1/service_bindings/" + binding.id(), json("name", "taken")), 409,
                "Conflict", "'taken'");
    }

    @Test
    @DisplayName("credentials are shown by the single GET, never in lists")
    void credentialsOnlyOnSingleGet() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = smBinding(instance.id(), unique("b"), CREDENTIALS);
        JsonNode single = bindingRecord(binding.id()).json();
        assertThat(single.at("/credentials/password").asText()).isEqualTo("s3cr3t-pw");
        assertThat(single.get("syslog_drain_url").asText()).isEqualTo("syslog://drain");
        assertThat(single.at("/last_operation/type").asText()).isEqualTo("create");
        ApiResponse list = admin.get("/v1/service_bindings?fieldQuery=" + q("id eq '" + binding.id() + "'"));
        assertThat(list.json().get("num_items").asInt()).isEqualTo(1);
        assertThat(list.body()).doesNotContain("s3cr3t-pw").doesNotContain("syslog://drain")
                .doesNotContain("credentials");
    }

    @Test
    @DisplayName("credentials are stored sealed, not in clear")
    void credentialsSealed() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        ServiceBinding binding = smBinding(instance.id(), unique("b"), CREDENTIALS);
        assertThat(binding.credentials()).doesNotContain("s3cr3t-pw");
    }

    @Test
    @DisplayName("DELETE of a binding another platform made is 403 naming the owner")
    void foreignDelete() {
        String instanceId = provisioned(osbA, "small");
        String bindingId = bound(osbA, instanceId, "small");
        stage.broker.clearRequests();
        assertErrorNaming(admin.delete("/v1/service_bindings/" + bindingId), 403, "Forbidden",
                platformA.get("id").asText());
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("PATCH of the name of a binding another platform made is 403; its labels may change")
    void foreignPatch() {
        String instanceId = provisioned(osbA, "small");
        String bindingId = bound(osbA, instanceId, "small");
        assertErrorNaming(admin.patch("/v1/service_bindings/" + bindingId, json("name", "x")), 403, "Forbidden",
                platformA.get("id").asText());
        ApiResponse labelled = admin.patch("/v1/service_bindings/" + bindingId, json("labels",
                List.of(map("op", "add", "key", "k", "values", List.of("v")))));
        assertThat(labelled.status()).as(labelled.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("GET parameters of a binding whose offering is not bindings_retrievable is 400")
    void parametersNotRetrievable() {
        ServiceInstance instance = smInstance(stage.plan("basic"));
        ServiceBinding binding = smBinding(instance.id(), unique("b"), null);
        assertErrorNaming(admin.get("/v1/service_bindings/" + binding.id() + "/parameters"), 400, "BadRequest",
                "bindings_retrievable");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("DELETE or GET parameters of an unknown binding is 404")
    void unknown() {
        assertError(admin.delete("/v1/service_bindings/nope"), 404, "NotFound");
        assertError(admin.get("/v1/service_bindings/nope/parameters"), 404, "NotFound");
    }
}
