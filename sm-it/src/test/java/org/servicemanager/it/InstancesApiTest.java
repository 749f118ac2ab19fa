package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiResponse;

/**
 * What {@code /v1/service_instances} refuses before any broker is called, and the ownership of
 * instances that platforms made through the OSB face. Each refusal leaves nothing behind and the
 * broker untouched.
 */
@DisplayName("/v1/service_instances: validation and ownership")
class InstancesApiTest extends PlatformApiTestBase {

    private ApiResponse provision(String body) {
        return admin.post("/v1/service_instances", body);
    }

    private long smInstances() {
        return store().repository(EntityTypes.SERVICE_INSTANCES)
                .count(Query.fieldEquals("platform_id", Platform.SERVICE_MANAGER_ID));
    }

    private void assertNothingHappened(long instancesBefore) {
        assertThat(smInstances()).isEqualTo(instancesBefore);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("POST without a name is 400 naming the field")
    void nameRequired() {
        long before = smInstances();
        assertErrorNaming(provision(json("service_plan_id", stage.plan("small"))), 400, "BadRequest", "'name'");
        assertNothingHappened(before);
    }

    @Test
    @DisplayName("POST with an unknown service_plan_id is 400 naming the id")
    void unknownPlan() {
        assertErrorNaming(provision(json("name", unique("i"), "service_plan_id", "no-such-plan")), 400, "BadRequest",
                "'no-such-plan'", "service_plan_id");
    }

    @Test
    @DisplayName("POST without a plan id or offering and plan names is 400 saying what is needed")
    void planRequired() {
        assertErrorNaming(provision(json("name", unique("i"), "service_offering_name", "db")), 400, "BadRequest",
                "service_plan_id", "service_plan_name");
    }

    @Test
    @DisplayName("POST with both a plan id and plan names is 400")
    void planIdOrNames() {
        assertErrorNaming(provision(json("name", unique("i"), "service_plan_id", stage.plan("small"),
                "service_offering_name", "db", "service_plan_name", "small")), 400, "BadRequest", "either");
    }

    @Test
    @DisplayName("POST by names that match plans of two brokers is 400 naming both candidates")
    void ambiguousNames() {
        Stage second = newStage(defaultCatalog());
        ApiResponse response = provision(json("name", unique("i"), "service_offering_name", "db",
                "service_plan_name", "small"));
        assertErrorNaming(response, 400, "BadRequest", stage.plan("small"), second.plan("small"), stage.brokerName,
                second.brokerName, "broker_name");
    }

    @Test
    @DisplayName("POST by names with broker_name picks that broker's plan (here an invisible one: 400 for that)")
    void namesWithBroker() {
        newStage(defaultCatalog());
        ApiResponse response = provision(json("name", unique("i"), "service_offering_name", "db",
                "service_plan_name", "secret-db", "broker_name", stage.brokerName));
        assertErrorNaming(response, 400, "BadRequest", stage.plan("secret-db"), "not visible");
    }

    @Test
    @DisplayName("POST by names of no offering, no plan, or no broker is 400 naming what is missing")
    void unknownNames() {
        assertErrorNaming(provision(json("name", unique("i"), "service_offering_name", "nope",
                "service_plan_name", "small")), 400, "BadRequest", "'nope'");
        assertErrorNaming(provision(json("name", unique("i"), "service_offering_name", "db",
                "service_plan_name", "huge")), 400, "BadRequest", "'huge'");
        assertErrorNaming(provision(json("name", unique("i"), "service_offering_name", "db",
                "service_plan_name", "small", "broker_name", "nobody")), 400, "BadRequest", "'nobody'");
    }

    @Test
    @DisplayName("POST with a service_id that is not the plan's offering is 400 naming both")
    void serviceIdMismatch() {
        String cacheOffering = offeringId("cache");
        ApiResponse response = provision(json("name", unique("i"), "service_id", cacheOffering,
                "service_plan_id", stage.plan("small")));
        assertErrorNaming(response, 400, "BadRequest", cacheOffering, offeringId("db"));
    }

    @Test
    @DisplayName("POST of a plan not visible to service-manager is 400 naming the plan and the platform")
    void invisiblePlan() {
        long before = smInstances();
        assertErrorNaming(provision(json("name", unique("i"), "service_plan_id", stage.plan("secret-db"))), 400,
                "BadRequest", stage.plan("secret-db"), "service-manager");
        assertNothingHappened(before);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"platform_id", "ready", "usable", "context", "shared"})
    @DisplayName("POST with a field the Service Manager sets is 400 naming it")
    void readOnlyFields(String field) {
        ApiResponse response = admin.post("/v1/service_instances", json("name", unique("i"),
                "service_plan_id", stage.plan("small"), field, field.equals("context") ? map() : "x"));
        assertErrorNaming(response, 400, "BadRequest", "'" + field + "'");
    }

    @Test
    @DisplayName("POST with parameters that are not an object is 400")
    void parametersObject() {
        assertErrorNaming(provision(json("name", unique("i"), "service_plan_id", stage.plan("small"),
                "parameters", List.of(1))), 400, "BadRequest", "'parameters'", "object");
    }

    @Test
    @DisplayName("POST with a name a service-manager instance has is 409")
    void duplicateName() {
        ServiceInstance existing = smInstance(stage.plan("small"));
        long before = smInstances();
        assertErrorNaming(provision(json("name", existing.name(), "service_plan_id", stage.plan("small"))), 409,
                "Conflict", existing.name());
        assertNothingHappened(before);
    }

    @Test
    @DisplayName("POST with maintenance_info other than the plan's is 400")
    void maintenanceInfo() {
        Stage s = newStage(Catalogs.of(Catalogs.offering("mdb").plan(Catalogs.plan("m1")
                .setJson("maintenance_info", "{\"version\":\"2.0.0\"}"))));
        assertErrorNaming(provision(json("name", unique("i"), "service_plan_id", s.plan("m1"),
                "maintenance_info", map("version", "1.0.0"))), 400, "BadRequest", "maintenance_info", "2.0.0");
        assertErrorNaming(provision(json("name", unique("i"), "service_plan_id", stage.plan("small"),
                "maintenance_info", map("version", "1.0.0"))), 400, "BadRequest", "no maintenance_info");
    }

    @Test
    @DisplayName("POST with async other than true or false is 400 and starts nothing")
    void badAsync() {
        long before = smInstances();
        ApiResponse response = admin.post("/v1/service_instances?async=maybe", json("name", unique("i"),
                "service_plan_id", stage.plan("small")));
        assertErrorNaming(response, 400, "BadRequest", "async", "maybe");
        assertNothingHappened(before);
    }

    @Test
    @DisplayName("PATCH of an instance another platform made: name is 403 naming the owner, labels are fine")
    void foreignPatch() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();
        assertErrorNaming(admin.patch("/v1/service_instances/" + id, json("name", "mine")), 403, "Forbidden",
                platformA.get("id").asText());
        assertErrorNaming(admin.patch("/v1/service_instances/" + id, json("service_plan_id", stage.plan("large"))),
                403, "Forbidden", platformA.get("id").asText());
        ApiResponse labelled = admin.patch("/v1/service_instances/" + id, json("labels",
                List.of(map("op", "add", "key", "team", "values", List.of("blue")))));
        assertThat(labelled.status()).as(labelled.body()).isEqualTo(200);
        assertThat(labelled.json().at("/labels/team/0").asText()).isEqualTo("blue");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("DELETE of an instance another platform made is 403 naming the owner; the broker is not called")
    void foreignDelete() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();
        assertErrorNaming(admin.delete("/v1/service_instances/" + id), 403, "Forbidden",
                platformA.get("id").asText());
        assertThat(instanceRecord(id).status()).isEqualTo(200);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("DELETE of an unknown instance is 404")
    void deleteUnknown() {
        assertError(admin.delete("/v1/service_instances/nope"), 404, "NotFound");
    }

    @Test
    @DisplayName("DELETE of an instance with bindings is 409 ExistingReferenceEntity naming them")
    void deleteWithBindings() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        String bindingId = smBinding(instance.id(), "app-binding", null).id();
        assertErrorNaming(admin.delete("/v1/service_instances/" + instance.id()), 409, "ExistingReferenceEntity",
                bindingId, "app-binding", "cascade=true");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("PATCH to a plan of another offering is 400")
    void patchOtherOffering() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        assertErrorNaming(admin.patch("/v1/service_instances/" + instance.id(), json("service_plan_id",
                stage.plan("basic"))), 400, "BadRequest", stage.plan("basic"), "offering");
    }

    @Test
    @DisplayName("PATCH of the plan of an instance whose plan is not plan_updateable is 400")
    void patchNotUpdateable() {
        ServiceInstance instance = smInstance(stage.plan("fixed"));
        assertErrorNaming(admin.patch("/v1/service_instances/" + instance.id(), json("service_plan_id",
                stage.plan("small"))), 400, "BadRequest", "plan_updateable");
    }

    @Test
    @DisplayName("PATCH of an unknown plan, an unknown field, a read-only field or a cleared name is 400")
    void patchBadFields() {
        String path = "/v1/service_instances/" + smInstance(stage.plan("small")).id();
        assertErrorNaming(admin.patch(path, json("service_plan_id", "nope")), 400, "BadRequest", "'nope'");
        assertErrorNaming(admin.patch(path, json("colour", "red")), 400, "BadRequest", "'colour'");
        assertErrorNaming(admin.patch(path, json("platform_id", "x")), 400, "BadRequest", "'platform_id'");
        assertErrorNaming(admin.patch(path, json("name", null)), 400, "BadRequest", "'name'");
        assertErrorNaming(admin.patch(path, json("maintenance_info", null)), 400, "BadRequest", "'maintenance_info'");
        assertErrorNaming(admin.patch(path + "?async=often", json("name", "x")), 400, "BadRequest", "often");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("PATCH to the name of another service-manager instance is 409")
    void patchDuplicateName() {
        ServiceInstance one = smInstance(stage.plan("small"));
        ServiceInstance two = smInstance(stage.plan("small"));
        assertErrorNaming(admin.patch("/v1/service_instances/" + two.id(), json("name", one.name())), 409,
                "Conflict", one.name());
    }

    @Test
    @DisplayName("GET parameters of an instance whose offering is not instances_retrievable is 400")
    void parametersNotRetrievable() {
        ServiceInstance instance = smInstance(stage.plan("basic"));
        assertErrorNaming(admin.get("/v1/service_instances/" + instance.id() + "/parameters"), 400, "BadRequest",
                "instances_retrievable");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("instances show maintenance_info and shared false; lists have no last_operation, single GETs do")
    void fields() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        JsonNode single = instanceRecord(instance.id()).json();
        assertThat(single.get("shared").asBoolean()).isFalse();
        assertThat(single.at("/last_operation/state").asText()).isEqualTo("succeeded");
        JsonNode listed = items("/v1/service_instances?fieldQuery=" + q("id eq '" + instance.id() + "'")).get(0);
        assertThat(fieldNames(listed)).doesNotContain("last_operation").contains("shared", "platform_id", "ready");
    }

    @Test
    @DisplayName("only administrators reach the instance API: a platform gets 403")
    void platformsCannot() {
        ApiResponse response = platformClient(platformA).post("/v1/service_instances", json("name", unique("i"),
                "service_plan_id", stage.plan("small")));
        assertThat(response.status()).isEqualTo(403);
    }

    private String offeringId(String name) {
        return offeringsOfBroker(stage.brokerId).stream().filter(o -> o.get("catalog_name").asText().equals(name))
                .findFirst().orElseThrow().get("id").asText();
    }
}
