package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.servicemanager.test.broker.Catalogs.offering;
import static org.servicemanager.test.broker.Catalogs.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("who may do what")
class SecurityApiTest extends ApiTestBase {
    private ApiClient platform;
    private String platformId;
    private String platformUser;
    private String otherPlatformId;
    private String visibleBroker;
    private String hiddenBroker;
    private String visibleOffering;
    private String hiddenOffering;
    private Map<String, String> plans;
    private String publicVisibility;
    private String ownVisibility;
    private String otherVisibility;

    @BeforeAll
    void setUpVisibilities() {
        JsonNode created = createPlatform();
        platform = platformClient(created);
        platformId = created.get("id").asText();
        platformUser = created.at("/credentials/basic/username").asText();
        otherPlatformId = createPlatform().get("id").asText();
        visibleBroker = registerBroker(broker().catalog(Catalogs.of(
                offering("shown").plan(plan("public")).plan(plan("own")).plan(plan("others")).plan(plan("none")),
                offering("unshown").plan(plan("nobody"))))).get("id").asText();
        hiddenBroker = registerBroker(broker()).get("id").asText();
        plans = new java.util.HashMap<>();
        plansOfBroker(visibleBroker).forEach(p -> plans.put(p.get("catalog_name").asText(), p.get("id").asText()));
        offeringsOfBroker(visibleBroker).forEach(o -> {
            if (o.get("catalog_name").asText().equals("shown")) {
                visibleOffering = o.get("id").asText();
            } else {
                hiddenOffering = o.get("id").asText();
            }
        });
        publicVisibility = createVisibility(plans.get("public"), null).get("id").asText();
        ownVisibility = createVisibility(plans.get("own"), platformId).get("id").asText();
        otherVisibility = createVisibility(plans.get("others"), otherPlatformId).get("id").asText();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /v1/platforms", "POST, /v1/platforms", "GET, /v1/platforms/x", "PATCH, /v1/platforms/x",
            "DELETE, /v1/platforms/x", "DELETE, /v1/platforms", "GET, /v1/service_brokers",
            "POST, /v1/service_brokers", "GET, /v1/service_brokers/x", "PATCH, /v1/service_brokers/x",
            "DELETE, /v1/service_brokers/x", "GET, /v1/service_offerings", "GET, /v1/service_offerings/x",
            "PATCH, /v1/service_offerings/x", "GET, /v1/service_plans", "GET, /v1/service_plans/x",
            "PATCH, /v1/service_plans/x", "GET, /v1/visibilities", "POST, /v1/visibilities",
            "GET, /v1/visibilities/x", "PATCH, /v1/visibilities/x", "DELETE, /v1/visibilities/x",
            "DELETE, /v1/visibilities"})
    @DisplayName("without credentials every /v1 resource is 401 with WWW-Authenticate")
    void noCredentials(String method, String path) {
        ApiResponse response = anonymous.raw(method, path, "application/json", "{}".getBytes());

        assertError(response, 401, "Unauthorized");
        assertThat(response.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    }

    @Test
    @DisplayName("a wrong admin password is 401 with WWW-Authenticate")
    void wrongPassword() {
        ApiResponse response = anonymous.withCredentials(SmServer.ADMIN_USER, "wrong").get("/v1/platforms");

        assertError(response, 401, "Unauthorized");
        assertThat(response.header("WWW-Authenticate")).isPresent();
    }

    @Test
    @DisplayName("an unknown user, a wrong platform password, malformed Basic and other schemes are 401")
    void otherBadCredentials() {
        assertError(anonymous.withCredentials("nobody", "x").get("/v1/service_brokers"), 401, "Unauthorized");
        assertError(anonymous.withCredentials(platformUsername(), "wrong").get("/v1/service_brokers"), 401,
                "Unauthorized");
        assertError(anonymous.withAuthorization("Basic !!!not-base64").get("/v1/platforms"), 401, "Unauthorized");
        assertError(anonymous.withAuthorization("Basic bm9jb2xvbg==").get("/v1/platforms"), 401, "Unauthorized");
        assertError(anonymous.withAuthorization("Bearer some-token").get("/v1/platforms"), 401, "Unauthorized");
    }

    @Test
    @DisplayName("the 401 for a malformed Authorization header does not repeat what the client sent")
    void malformedHeaderNotEchoed() {
        ApiResponse otherScheme = anonymous.withAuthorization("<xyz-marker>alert(1) x").get("/v1/platforms");
        ApiResponse badBase64 = anonymous.withAuthorization("Basic <img-src=x>").get("/v1/platforms");

        assertError(otherScheme, 401, "Unauthorized");
        assertError(badBase64, 401, "Unauthorized");
        assertThat(otherScheme.body()).doesNotContain("xyz-marker").contains("Basic");
        assertThat(badBase64.body()).doesNotContain("img-src");
    }

    private String platformUsername() {
        return platformUser;
    }

    @Test
    @DisplayName("admin credentials may use everything")
    void adminMayDoAll() {
        assertThat(admin.get("/v1/platforms").status()).isEqualTo(200);
        assertThat(admin.get("/v1/visibilities/" + otherVisibility).status()).isEqualTo(200);
        assertThat(admin.get("/v1/service_brokers/" + hiddenBroker).status()).isEqualTo(200);
        assertThat(admin.get("/v1/service_plans/" + plans.get("nobody")).status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /v1/platforms", "POST, /v1/platforms", "GET, /v1/platforms/{platform}",
            "PATCH, /v1/platforms/{platform}", "DELETE, /v1/platforms/{platform}",
            "POST, /v1/service_brokers", "PATCH, /v1/service_brokers/{broker}",
            "DELETE, /v1/service_brokers/{broker}", "DELETE, /v1/service_brokers",
            "PATCH, /v1/service_offerings/{offering}", "PATCH, /v1/service_plans/{plan}",
            "POST, /v1/visibilities", "PATCH, /v1/visibilities/{visibility}",
            "DELETE, /v1/visibilities/{visibility}", "DELETE, /v1/visibilities"})
    @DisplayName("platform credentials get 403 Forbidden for anything but reading the catalog resources")
    void platformForbidden(String method, String template) {
        String path = template.replace("{platform}", platformId).replace("{broker}", visibleBroker)
                .replace("{offering}", visibleOffering).replace("{plan}", plans.get("own"))
                .replace("{visibility}", ownVisibility);

        assertError(platform.raw(method, path, "application/json", "{}".getBytes()), 403, "Forbidden");
        assertThat(admin.get("/v1/platforms/" + platformId).status()).isEqualTo(200);
        assertThat(admin.get("/v1/visibilities/" + ownVisibility).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a platform sees the plans with a public visibility or one of its own, nothing else")
    void platformPlans() {
        ApiResponse response = platform.get("/v1/service_plans");

        assertThat(response.status()).isEqualTo(200);
        assertThat(ids(response.json())).containsExactlyInAnyOrder(plans.get("public"), plans.get("own"));
        assertThat(platform.get("/v1/service_plans/" + plans.get("own")).status()).isEqualTo(200);
        assertError(platform.get("/v1/service_plans/" + plans.get("others")), 404, "NotFound");
        assertError(platform.get("/v1/service_plans/" + plans.get("none")), 404, "NotFound");
    }

    @Test
    @DisplayName("a platform sees only the offerings of plans visible to it")
    void platformOfferings() {
        assertThat(ids(platform.get("/v1/service_offerings").json())).containsExactly(visibleOffering);
        assertThat(platform.get("/v1/service_offerings/" + visibleOffering).status()).isEqualTo(200);
        assertError(platform.get("/v1/service_offerings/" + hiddenOffering), 404, "NotFound");
    }

    @Test
    @DisplayName("a platform sees only the brokers of plans visible to it")
    void platformBrokers() {
        assertThat(ids(platform.get("/v1/service_brokers").json())).containsExactly(visibleBroker);
        assertThat(platform.get("/v1/service_brokers/" + visibleBroker).status()).isEqualTo(200);
        assertError(platform.get("/v1/service_brokers/" + hiddenBroker), 404, "NotFound");
    }

    @Test
    @DisplayName("a platform sees the public visibilities and its own, never another platform's")
    void platformVisibilities() {
        assertThat(ids(platform.get("/v1/visibilities").json()))
                .containsExactlyInAnyOrder(publicVisibility, ownVisibility);
        assertThat(platform.get("/v1/visibilities/" + ownVisibility).status()).isEqualTo(200);
        assertError(platform.get("/v1/visibilities/" + otherVisibility), 404, "NotFound");
        assertThat(ids(platform.get("/v1/visibilities?fieldQuery=" + q("platform_id eq '" + otherPlatformId + "'"))
                .json())).isEmpty();
    }

    @Test
    @DisplayName("a platform's listing still honours field queries and num_items counts only what it sees")
    void platformFilteredListing() {
        JsonNode body = platform.get("/v1/service_plans?fieldQuery=" + q("catalog_name in ('own', 'others')")).json();

        assertThat(body.get("num_items").asInt()).isEqualTo(1);
        assertThat(ids(body)).containsExactly(plans.get("own"));
    }

    @Test
    @DisplayName("a platform without any visibility sees no plans, offerings or brokers")
    void platformWithoutVisibilities() {
        ApiClient lonely = platformClient(createPlatform());

        assertThat(ids(lonely.get("/v1/service_plans").json())).containsExactly(plans.get("public"));
        assertThat(ids(lonely.get("/v1/visibilities").json())).containsExactly(publicVisibility);
        assertThat(lonely.get("/v1/service_brokers").json().get("num_items").asInt()).isEqualTo(1);
    }

    @Test
    @DisplayName("info and health need no credentials")
    void publicEndpoints() {
        assertThat(anonymous.get("/v1/info").status()).isEqualTo(200);
        assertThat(anonymous.get("/v1/monitor/health").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a platform may not read platforms, even its own")
    void platformCannotReadItself() {
        assertError(platform.get("/v1/platforms/" + platformId), 403, "Forbidden");
        assertThat(List.of(platform.get("/v1/platforms").status())).containsExactly(403);
    }
}
