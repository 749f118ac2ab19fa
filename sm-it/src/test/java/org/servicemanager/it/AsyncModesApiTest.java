package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

/**
 * {@code async} where changes are always synchronous (platforms, visibilities, brokers): {@code true}
 * is refused rather than ignored, {@code false} is accepted (smctl sends it), and on a GET it is
 * ignored (smctl sends {@code async=true} on its lookups).
 */
@DisplayName("async on platforms, visibilities and brokers")
class AsyncModesApiTest extends PlatformApiTestBase {

    @Test
    @DisplayName("POST /v1/platforms?async=true is 400, async=false creates it")
    void platforms() {
        assertErrorNaming(admin.post("/v1/platforms?async=true", json("name", unique("p"), "type", "cf")), 400,
                "BadRequest", "synchronously");
        assertThat(admin.post("/v1/platforms?async=false", json("name", unique("p"), "type", "cf")).status())
                .isEqualTo(201);
    }

    @Test
    @DisplayName("PATCH and DELETE of a platform with async=true are 400 and change nothing")
    void platformPatchDelete() {
        String id = createPlatform().get("id").asText();
        assertError(admin.patch("/v1/platforms/" + id + "?async=true", json("description", "x")), 400,
                "BadRequest");
        assertError(admin.delete("/v1/platforms/" + id + "?async=true"), 400, "BadRequest");
        assertThat(admin.get("/v1/platforms/" + id).json().has("description")).isFalse();
        assertThat(admin.delete("/v1/platforms/" + id + "?async=false").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("visibilities refuse async=true on POST, PATCH and DELETE and accept async=false")
    void visibilities() {
        String plan = stage.plan("secret-db");
        String platform = createPlatform().get("id").asText();
        assertError(admin.post("/v1/visibilities?async=true", json("service_plan_id", plan, "platform_id", platform)),
                400, "BadRequest");
        ApiResponse created = admin.post("/v1/visibilities?async=false", json("service_plan_id", plan,
                "platform_id", platform));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertError(admin.patch("/v1/visibilities/" + id + "?async=true", json()), 400, "BadRequest");
        assertError(admin.delete("/v1/visibilities/" + id + "?async=true"), 400, "BadRequest");
        assertThat(admin.delete("/v1/visibilities/" + id).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("brokers refuse async=true before calling the broker, and register with async=false as smctl does")
    void brokers() {
        FakeBroker broker = broker();
        assertError(admin.post("/v1/service_brokers?async=true", brokerBody(unique("b"), broker.url())), 400,
                "BadRequest");
        assertThat(broker.requests()).isEmpty();
        ApiResponse created = admin.post("/v1/service_brokers?async=false", brokerBody(unique("b"), broker.url()));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertError(admin.patch("/v1/service_brokers/" + id + "?async=true", json()), 400, "BadRequest");
        assertError(admin.delete("/v1/service_brokers/" + id + "?async=true"), 400, "BadRequest");
    }

    @Test
    @DisplayName("async on a GET is ignored, whatever its value")
    void getIgnoresAsync() {
        assertThat(admin.get("/v1/service_plans?async=true").status()).isEqualTo(200);
        assertThat(admin.get("/v1/service_offerings?async=whatever").status()).isEqualTo(200);
        assertThat(admin.get("/v1/service_instances?async=true").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("async other than true or false is 400 on a platform POST too")
    void badValue() {
        assertErrorNaming(admin.post("/v1/platforms?async=soon", json("name", unique("p"), "type", "cf")), 400,
                "BadRequest", "soon");
    }

    @Test
    @DisplayName("DELETE of an unknown platform with cascade=true is 404")
    void cascadeUnknownPlatform() {
        assertError(admin.delete("/v1/platforms/nope?cascade=true"), 404, "NotFound");
        assertError(admin.delete("/v1/platforms/service-manager?cascade=true"), 404, "NotFound");
    }
}
