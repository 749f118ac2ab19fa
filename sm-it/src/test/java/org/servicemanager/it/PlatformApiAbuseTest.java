package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * What an attacker or a careless client may send to {@code /v1/service_instances},
 * {@code /v1/service_bindings} and the operations: each is refused with a 4xx that names what is
 * wrong, never a 500, and the broker is never called.
 */
@DisplayName("/v1/service_instances, /v1/service_bindings, operations: hostile and careless requests")
class PlatformApiAbuseTest extends PlatformApiTestBase {
    private static final int BODY_LIMIT = 64 * 1024;

    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        builder.maxRequestBodyBytes(BODY_LIMIT);
    }

    private void assertBrokerUntouched() {
        assertThat(stage.osbCalls()).isEmpty();
    }

    private String smallPlan() {
        return stage.plan("small");
    }

    @Test
    @DisplayName("parameters larger than the request body limit are 413 PayloadTooLarge and reach no broker")
    void hugeParameters() {
        ApiResponse response = admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                smallPlan(), "parameters", java.util.Map.of("blob", "x".repeat(BODY_LIMIT + 1))));
        assertError(response, 413, "PayloadTooLarge");
        assertBrokerUntouched();
    }

    @Test
    @DisplayName("parameters nested thousands deep (within the body limit) are 400, not a stack overflow or 500")
    void deepParameters() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String body = "{\"name\":\"" + unique("i") + "\",\"service_plan_id\":\"" + smallPlan() + "\",\"parameters\":{\"a\":"
                + deep + "}}";
        ApiResponse response = admin.raw("POST", "/v1/service_instances", "application/json",
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertBrokerUntouched();
    }

    static Stream<Arguments> nonObjects() {
        return Stream.of(Arguments.of("instance", "parameters", "\"text\""),
                Arguments.of("instance", "parameters", "[1,2]"),
                Arguments.of("instance", "labels", "\"team=blue\""),
                Arguments.of("instance", "maintenance_info", "\"1.0.0\""),
                Arguments.of("binding", "parameters", "42"),
                Arguments.of("binding", "bind_resource", "[\"app-1\"]"),
                Arguments.of("binding", "labels", "true"));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("nonObjects")
    @DisplayName("a field that must be an object given as something else is 400 naming the field")
    void nonObjectFields(String kind, String field, String value) {
        String body;
        String path;
        if (kind.equals("instance")) {
            path = "/v1/service_instances";
            body = "{\"name\":\"" + unique("i") + "\",\"service_plan_id\":\"" + smallPlan() + "\",\"" + field + "\":"
                    + value + "}";
        } else {
            ServiceInstance instance = smInstance(smallPlan());
            path = "/v1/service_bindings";
            body = "{\"name\":\"" + unique("b") + "\",\"service_instance_id\":\"" + instance.id() + "\",\"" + field
                    + "\":" + value + "}";
        }
        ApiResponse response = admin.raw("POST", path, "application/json",
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertErrorNaming(response, 400, "BadRequest", "'" + field + "'");
        assertBrokerUntouched();
    }

    static Stream<String> badNames() {
        return Stream.of("", "a".repeat(256), "nul\u0000byte", "line\nbreak", "bell\u0007", "del\u007f");
    }

    @ParameterizedTest(name = "name {index}")
    @MethodSource("badNames")
    @DisplayName("an instance name that is empty, over 255 characters or holds control characters is 400 naming the field, in POST and PATCH, like platform names")
    void badInstanceNames(String name) {
        assertErrorNaming(admin.post("/v1/service_instances", json("name", name, "service_plan_id", smallPlan())),
                400, "BadRequest", "'name'");
        ServiceInstance instance = smInstance(smallPlan());
        assertErrorNaming(admin.patch("/v1/service_instances/" + instance.id(), json("name", name)), 400,
                "BadRequest", "'name'");
        assertThat(admin.get("/v1/service_instances/" + instance.id()).text("name")).isEqualTo(instance.name());
        assertBrokerUntouched();
    }

    @ParameterizedTest(name = "name {index}")
    @MethodSource("badNames")
    @DisplayName("a binding name that is empty, over 255 characters or holds control characters is 400 naming the field, in POST and PATCH")
    void badBindingNames(String name) {
        ServiceInstance instance = smInstance(smallPlan());
        assertErrorNaming(admin.post("/v1/service_bindings", json("name", name, "service_instance_id",
                instance.id())), 400, "BadRequest", "'name'");
        ServiceBinding binding = smBinding(instance.id(), unique("b"), null);
        assertErrorNaming(admin.patch("/v1/service_bindings/" + binding.id(), json("name", name)), 400,
                "BadRequest", "'name'");
        assertBrokerUntouched();
    }

    @Test
    @DisplayName("a name with an unpaired surrogate (a JSON escape no UTF-8 encoder would produce) is 400 naming the field")
    void unpairedSurrogateName() {
        String body = "{\"name\":\"lone\\ud800surrogate\",\"service_plan_id\":\"" + smallPlan() + "\"}";
        assertErrorNaming(admin.raw("POST", "/v1/service_instances", "application/json",
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 400, "BadRequest", "'name'");
        assertBrokerUntouched();
    }

    @Test
    @DisplayName("a name of exactly 255 characters is accepted")
    void longestName() {
        ApiResponse response = admin.post("/v1/service_instances", json("name", "n".repeat(254) + "\u00e9",
                "service_plan_id", smallPlan()));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("async given twice (async=true&async=false) on a POST is 400 naming the parameter, and nothing is created")
    void duplicateAsync() {
        String name = unique("i");
        assertErrorNaming(admin.post("/v1/service_instances?async=true&async=false", json("name", name,
                "service_plan_id", smallPlan())), 400, "BadRequest", "'async'");
        assertThat(items("/v1/service_instances?fieldQuery=" + q("name eq '" + name + "'"))).isEmpty();
        ServiceInstance instance = smInstance(smallPlan());
        assertErrorNaming(admin.post("/v1/service_bindings?async=false&async=false", json("name", unique("b"),
                "service_instance_id", instance.id())), 400, "BadRequest", "'async'");
        assertBrokerUntouched();
    }

    @Test
    @DisplayName("cascade given twice on a DELETE is 400 naming the parameter, and the instance stays")
    void duplicateCascade() {
        ServiceInstance instance = smInstance(smallPlan());
        assertErrorNaming(admin.delete("/v1/service_instances/" + instance.id() + "?cascade=true&cascade=false"),
                400, "BadRequest", "'cascade'");
        assertThat(admin.get("/v1/service_instances/" + instance.id()).status()).isEqualTo(200);
        assertBrokerUntouched();
    }

    @Test
    @DisplayName("async given twice on a platform POST is 400 too (no guess which one counts)")
    void duplicateAsyncOnPlatforms() {
        assertErrorNaming(admin.post("/v1/platforms?async=false&async=true", json("name", unique("p"), "type",
                "cloudfoundry")), 400, "BadRequest", "'async'");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a%2Fb", "..%2F..%2Fv1%2Fplatforms", "%C3%A9t%C3%A9-%E2%9C%93", "%F0%9F%92%A5",
            "x%20y", "%25", "a;b=c"})
    @DisplayName("odd ids in paths (encoded slashes, unicode, escapes) are 404 on every instance, binding and operation path, never 500")
    void oddIds(String id) {
        for (String path : List.of("/v1/service_instances/" + id, "/v1/service_bindings/" + id,
                "/v1/service_instances/" + id + "/operations/" + id, "/v1/service_bindings/" + id + "/operations/x",
                "/v1/service_instances/" + id + "/parameters", "/v1/operations/" + id)) {
            ApiResponse get = admin.get(path);
            assertThat(get.status()).as("GET " + path + ": " + get.body()).isEqualTo(404);
        }
        for (String path : List.of("/v1/service_instances/" + id, "/v1/service_bindings/" + id)) {
            ApiResponse patch = admin.patch(path, json("labels", List.of()));
            assertThat(patch.status()).as("PATCH " + path + ": " + patch.body()).isEqualTo(404);
            ApiResponse delete = admin.delete(path);
            assertThat(delete.status()).as("DELETE " + path + ": " + delete.body()).isEqualTo(404);
        }
        assertBrokerUntouched();
    }

    @Test
    @DisplayName("a very long id in a path is 404 (or 414 for a URI over the server's limit), never 500")
    void veryLongId() {
        for (int length : new int[] {300, 4000}) {
            String id = "i".repeat(length);
            for (String path : List.of("/v1/service_instances/" + id, "/v1/service_bindings/" + id,
                    "/v1/service_instances/" + id + "/operations/" + id)) {
                int status = admin.get(path).status();
                assertThat(status).as("GET of an id of " + length + " characters").isIn(404, 414);
            }
        }
    }

    @Test
    @DisplayName("an unknown operation id under an existing instance is 404 naming nothing of other resources")
    void unknownOperation() {
        ServiceInstance instance = smInstance(smallPlan());
        ApiResponse response = admin.get("/v1/service_instances/" + instance.id() + "/operations/" + unique("op"));
        assertError(response, 404, "NotFound");
    }

    @Test
    @DisplayName("GET /v1/operations with an empty fieldQuery, or one on credentials of bindings, is answered without a 500")
    void oddOperationQueries() {
        assertThat(admin.get("/v1/operations?fieldQuery=").status()).isIn(200, 400);
        assertError(admin.get("/v1/operations?fieldQuery=" + q("details eq 'x'")), 400, "InvalidFieldQuery");
        assertError(admin.get("/v1/operations?fieldQuery=" + q("broker_operation eq 'x'")), 400,
                "InvalidFieldQuery");
        assertError(admin.get("/v1/service_bindings?fieldQuery=" + q("credentials eq 'x'")), 400,
                "InvalidFieldQuery");
    }

    @Test
    @DisplayName("a platform's credentials reach none of the platform API's endpoints (403), no credentials get 401")
    void platformsAndAnonymous() {
        ServiceInstance instance = smInstance(smallPlan());
        ServiceBinding binding = smBinding(instance.id(), unique("b"), "{\"password\":\"p\"}");
        ApiClient platform = platformClient(platformA);
        List<ApiResponse> forbidden = List.of(platform.get("/v1/service_instances"),
                platform.get("/v1/service_instances/" + instance.id()),
                platform.patch("/v1/service_instances/" + instance.id(), json("labels", List.of())),
                platform.delete("/v1/service_instances/" + instance.id()),
                platform.get("/v1/service_bindings"),
                platform.get("/v1/service_bindings/" + binding.id()),
                platform.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id", instance.id())),
                platform.delete("/v1/service_bindings/" + binding.id()),
                platform.get("/v1/operations"));
        assertThat(forbidden).extracting(ApiResponse::status).containsOnly(403);
        assertThat(anonymous.get("/v1/service_bindings/" + binding.id()).status()).isEqualTo(401);
        assertThat(anonymous.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                smallPlan())).status()).isEqualTo(401);
        assertThat(admin.get("/v1/service_instances/" + instance.id()).status()).isEqualTo(200);
        assertBrokerUntouched();
    }
}
