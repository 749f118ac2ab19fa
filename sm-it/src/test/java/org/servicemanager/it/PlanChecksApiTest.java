package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.PlatformCredentials;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiResponse;

/**
 * The plan checks of a provision or update: visibility to {@code service-manager} however many
 * visibilities the plan has for other platforms, and {@code maintenance_info} judged by its
 * version, as OSB does.
 */
@DisplayName("/v1/service_instances: plan visibility and maintenance_info")
class PlanChecksApiTest extends PlatformApiTestBase {

    @Test
    @DisplayName("a plan with 1200 visibilities for other platforms, then one for service-manager, can be provisioned")
    void visibleAfterManyOthers() {
        Stage s = newStage(Catalogs.of(Catalogs.offering("many").plan(Catalogs.plan("secret-many"))));
        String plan = s.plan("secret-many");
        Instant now = now();
        for (int i = 0; i < 1200; i++) {
            String platform = unique("platform");
            store().repository(EntityTypes.PLATFORMS).create(new Platform(platform, platform, "cloudfoundry", null,
                    new PlatformCredentials(platform, "not-a-hash"), null, Labels.empty(), now, now, true, 0));
            store().repository(EntityTypes.VISIBILITIES).create(new Visibility(unique("v"), platform, plan,
                    Labels.empty(), now, now, true, 0));
        }
        assertErrorNaming(admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id", plan)),
                400, "BadRequest", "not visible");
        ApiResponse visibility = admin.post("/v1/visibilities", json("service_plan_id", plan, "platform_id",
                "service-manager"));
        assertThat(visibility.status()).as(visibility.body()).isEqualTo(201);
        ApiResponse response = admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id", plan));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    private Stage versioned() {
        return newStage(Catalogs.of(Catalogs.offering("mdb").plan(Catalogs.plan("m1")
                .setJson("maintenance_info", "{\"version\":\"2.0.0\",\"description\":\"patched\"}"))));
    }

    @Test
    @DisplayName("POST with the plan's maintenance_info version and another description provisions with the plan's")
    void sameVersionOtherDescription() {
        Stage s = versioned();
        ApiResponse response = admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                s.plan("m1"), "maintenance_info", map("version", "2.0.0", "description", "what I read earlier")));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().at("/maintenance_info/description").asText()).isEqualTo("patched");
    }

    @Test
    @DisplayName("POST with another maintenance_info version is 400 naming both versions")
    void otherVersion() {
        Stage s = versioned();
        assertErrorNaming(admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                s.plan("m1"), "maintenance_info", map("version", "1.0.0", "description", "patched"))), 400,
                "BadRequest", "'1.0.0'", "'2.0.0'");
        assertThat(s.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("POST with a maintenance_info without a version is 400")
    void noVersion() {
        Stage s = versioned();
        assertErrorNaming(admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                s.plan("m1"), "maintenance_info", map("description", "patched"))), 400, "BadRequest", "'version'");
    }

    @Test
    @DisplayName("PATCH with another maintenance_info version is 400 naming both versions; no broker call")
    void patchOtherVersion() {
        Stage s = versioned();
        ApiResponse created = admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                s.plan("m1")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        s.broker.clearRequests();
        assertErrorNaming(admin.patch("/v1/service_instances/" + created.json().get("id").asText(),
                json("maintenance_info", map("version", "3.0.0"))), 400, "BadRequest", "'3.0.0'", "'2.0.0'");
        assertThat(s.osbCalls()).isEmpty();
    }
}
