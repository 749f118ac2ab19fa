package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.test.http.ApiResponse;

/**
 * The bodies smctl sends: its instance type has no {@code omitempty} on some fields, so versions
 * of 2020-2021 always send {@code "ready": false, "usable": false}, later ones
 * {@code "shared": false}, and the oldest an empty {@code "id"}. Those zero values mean "not
 * given"; a value that asks for something (sharing, an id) is still refused.
 */
@DisplayName("/v1/service_instances and /v1/service_bindings: bodies as smctl sends them")
class SmctlBodiesApiTest extends PlatformApiTestBase {

    @Test
    @DisplayName("POST with shared, ready and usable false and an empty id provisions as if they were absent")
    void provisionWithZeroValues() {
        ApiResponse response = admin.post("/v1/service_instances", json("id", "", "name", unique("i"),
                "service_plan_id", stage.plan("small"), "shared", false, "ready", false, "usable", false));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("id").asText()).isNotEmpty();
        assertThat(response.json().get("shared").asBoolean()).isFalse();
        assertThat(response.json().get("ready").asBoolean()).isTrue();
        assertThat(stage.osb.instanceIds()).contains(response.json().get("id").asText());
    }

    @Test
    @DisplayName("POST with shared true is 400 saying sharing is a PATCH of its own, and provisions nothing")
    void provisionShared() {
        String name = unique("i");
        assertErrorNaming(admin.post("/v1/service_instances", json("name", name, "service_plan_id",
                stage.plan("small"), "shared", true)), 400, "BadRequest", "'shared'", "PATCH");
        assertThat(stage.osbCalls()).isEmpty();
        assertThat(items("/v1/service_instances?fieldQuery=" + q("name eq '" + name + "'"))).isEmpty();
    }

    @Test
    @DisplayName("POST with a non-empty id is still 400: the Service Manager chooses instance ids")
    void provisionWithId() {
        assertErrorNaming(admin.post("/v1/service_instances", json("id", "mine", "name", unique("i"),
                "service_plan_id", stage.plan("small"))), 400, "BadRequest", "'id'");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("PATCH with shared, ready and usable false renames the instance")
    void patchWithZeroValues() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        String name = unique("renamed");
        ApiResponse response = admin.patch("/v1/service_instances/" + instance.id(), json("name", name,
                "shared", false, "ready", false, "usable", false));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("name").asText()).isEqualTo(name);
        assertThat(response.json().get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("PATCH with shared true is 400 and changes nothing")
    void patchShared() {
        ServiceInstance instance = smInstance(stage.plan("small"));
        assertErrorNaming(admin.patch("/v1/service_instances/" + instance.id(), json("name", unique("x"),
                "shared", true)), 400, "BadRequest", "'shared'");
        assertThat(instanceRecord(instance.id()).json().get("name").asText()).isEqualTo(instance.name());
    }

    @Test
    @DisplayName("POST of a binding with an empty id binds as if it were absent")
    void bindWithEmptyId() {
        ApiResponse provisioned = admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                stage.plan("small")));
        assertThat(provisioned.status()).as(provisioned.body()).isEqualTo(201);
        ApiResponse response = admin.post("/v1/service_bindings", json("id", "", "name", unique("b"),
                "service_instance_id", provisioned.json().get("id").asText()));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("id").asText()).isNotEmpty();
    }
}
