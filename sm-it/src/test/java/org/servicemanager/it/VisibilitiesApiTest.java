package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.servicemanager.test.broker.Catalogs.offering;
import static org.servicemanager.test.broker.Catalogs.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/visibilities")
class VisibilitiesApiTest extends ApiTestBase {
    private final List<String> planIds = new ArrayList<>();

    @BeforeAll
    void registerPlans() {
        Catalogs.Offering o = offering("vis-service");
        for (int i = 0; i < 20; i++) {
            o.plan(plan("plan-" + i));
        }
        String brokerId = registerBroker(broker().catalog(Catalogs.of(o))).get("id").asText();
        plansOfBroker(brokerId).forEach(p -> planIds.add(p.get("id").asText()));
    }

    private int next;

    /** A plan no other test of this class uses. */
    private String freshPlan() {
        return planIds.get(next++);
    }

    @Test
    @DisplayName("POST with a platform answers 201 with the visibility")
    void createForPlatform() {
        String planId = freshPlan();
        String platformId = createPlatform().get("id").asText();

        ApiResponse response = admin.post("/v1/visibilities", json("service_plan_id", planId,
                "platform_id", platformId, "labels", map("organization_guid", List.of("org-1"))));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode v = response.json();
        assertThat(v.get("id").asText()).isNotBlank();
        assertThat(v.get("service_plan_id").asText()).isEqualTo(planId);
        assertThat(v.get("platform_id").asText()).isEqualTo(platformId);
        assertThat(v.at("/labels/organization_guid/0").asText()).isEqualTo("org-1");
        assertThat(admin.get("/v1/visibilities/" + v.get("id").asText()).json().get("service_plan_id").asText())
                .isEqualTo(planId);
    }

    @Test
    @DisplayName("POST without platform_id makes the plan visible to every platform (platform_id null)")
    void createGlobal() {
        ApiResponse response = admin.post("/v1/visibilities", json("service_plan_id", freshPlan()));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("platform_id").isNull()).isTrue();
    }

    @Test
    @DisplayName("POST with an unknown plan is 400 naming service_plan_id")
    void unknownPlan() {
        ApiResponse response = admin.post("/v1/visibilities", json("service_plan_id", "no-such-plan"));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("service_plan_id").contains("no-such-plan");
    }

    @Test
    @DisplayName("POST with an unknown platform is 400 naming platform_id")
    void unknownPlatform() {
        ApiResponse response = admin.post("/v1/visibilities", json("service_plan_id", freshPlan(),
                "platform_id", "no-such-platform"));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("platform_id").contains("no-such-platform");
    }

    @Test
    @DisplayName("POST without service_plan_id is 400")
    void missingPlan() {
        assertError(admin.post("/v1/visibilities", json("platform_id", createPlatform().get("id").asText())), 400,
                "BadRequest");
    }

    @Test
    @DisplayName("a second visibility for the same platform and plan is 409 VisibilityAlreadyExists")
    void duplicateForPlatform() {
        String planId = freshPlan();
        String platformId = createPlatform().get("id").asText();
        createVisibility(planId, platformId);

        assertError(admin.post("/v1/visibilities", json("service_plan_id", planId, "platform_id", platformId)), 409,
                "VisibilityAlreadyExists");
    }

    @Test
    @DisplayName("a second global visibility for the same plan is 409 VisibilityAlreadyExists")
    void duplicateGlobal() {
        String planId = freshPlan();
        createVisibility(planId, null);

        assertError(admin.post("/v1/visibilities", json("service_plan_id", planId)), 409, "VisibilityAlreadyExists");
        assertError(admin.post("/v1/visibilities", json("service_plan_id", planId, "platform_id", null)), 409,
                "VisibilityAlreadyExists");
    }

    @Test
    @DisplayName("a global visibility and one for a platform may exist for the same plan")
    void globalAndPlatform() {
        String planId = freshPlan();
        createVisibility(planId, null);

        assertThat(admin.post("/v1/visibilities", json("service_plan_id", planId,
                "platform_id", createPlatform().get("id").asText())).status()).isEqualTo(201);
    }

    @Test
    @DisplayName("a client-chosen id is used; a taken one is 409 Conflict")
    void clientId() {
        String id = unique("vis");
        ApiResponse first = admin.post("/v1/visibilities", json("id", id, "service_plan_id", freshPlan()));

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().get("id").asText()).isEqualTo(id);
        assertError(admin.post("/v1/visibilities", json("id", id, "service_plan_id", freshPlan())), 409, "Conflict");
    }

    @Test
    @DisplayName("PATCH changes the platform and the labels")
    void patch() {
        String planId = freshPlan();
        String id = createVisibility(planId, null).get("id").asText();
        String platformId = createPlatform().get("id").asText();

        ApiResponse response = admin.patch("/v1/visibilities/" + id, json("platform_id", platformId, "labels",
                List.of(map("op", "add", "key", "organization_guid", "values", List.of("o1", "o2")))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("platform_id").asText()).isEqualTo(platformId);
        assertThat(response.json().at("/labels/organization_guid")).extracting(JsonNode::asText)
                .containsExactly("o1", "o2");
        assertThat(admin.get("/v1/visibilities/" + id).json().get("platform_id").asText()).isEqualTo(platformId);
    }

    @Test
    @DisplayName("PATCH with platform_id null makes the visibility global")
    void patchToGlobal() {
        String id = createVisibility(freshPlan(), createPlatform().get("id").asText()).get("id").asText();

        ApiResponse response = admin.patch("/v1/visibilities/" + id, json("platform_id", null));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("platform_id").isNull()).isTrue();
    }

    @Test
    @DisplayName("PATCH to an unknown platform or plan is 400; clearing the plan is 400")
    void patchBadReferences() {
        String id = createVisibility(freshPlan(), null).get("id").asText();

        assertError(admin.patch("/v1/visibilities/" + id, json("platform_id", "nope")), 400, "BadRequest");
        assertError(admin.patch("/v1/visibilities/" + id, json("service_plan_id", "nope")), 400, "BadRequest");
        assertError(admin.patch("/v1/visibilities/" + id, json("service_plan_id", null)), 400, "BadRequest");
    }

    @Test
    @DisplayName("PATCH into a (platform, plan) pair that exists is 409 VisibilityAlreadyExists")
    void patchIntoDuplicate() {
        String planId = freshPlan();
        String platformId = createPlatform().get("id").asText();
        createVisibility(planId, platformId);
        String id = createVisibility(planId, null).get("id").asText();

        assertError(admin.patch("/v1/visibilities/" + id, json("platform_id", platformId)), 409,
                "VisibilityAlreadyExists");
    }

    @Test
    @DisplayName("PATCH of an unknown visibility is 404")
    void patchUnknown() {
        assertError(admin.patch("/v1/visibilities/nope", json("labels", List.of())), 404, "NotFound");
    }

    @Test
    @DisplayName("DELETE answers 200 {}; a second DELETE is 404")
    void delete() {
        String id = createVisibility(freshPlan(), null).get("id").asText();

        ApiResponse response = admin.delete("/v1/visibilities/" + id);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().size()).isZero();
        assertThat(admin.get("/v1/visibilities/" + id).status()).isEqualTo(404);
        assertError(admin.delete("/v1/visibilities/" + id), 404, "NotFound");
    }

    @Test
    @DisplayName("bulk DELETE by platform_id deletes that platform's visibilities only")
    void bulkDelete() {
        String platformId = createPlatform().get("id").asText();
        String a = createVisibility(freshPlan(), platformId).get("id").asText();
        String b = createVisibility(freshPlan(), platformId).get("id").asText();
        String global = createVisibility(freshPlan(), null).get("id").asText();

        ApiResponse response = admin.delete("/v1/visibilities?fieldQuery=" + q("platform_id eq '" + platformId + "'"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(admin.get("/v1/visibilities/" + a).status()).isEqualTo(404);
        assertThat(admin.get("/v1/visibilities/" + b).status()).isEqualTo(404);
        assertThat(admin.get("/v1/visibilities/" + global).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("bulk DELETE without a query is 400; with one that matches nothing 404")
    void bulkDeleteErrors() {
        assertError(admin.delete("/v1/visibilities"), 400, "BadRequest");
        assertError(admin.delete("/v1/visibilities?fieldQuery=" + q("platform_id eq 'nobody'")), 404, "NotFound");
    }

    @Test
    @DisplayName("visibilities can be listed by label")
    void listByLabel() {
        String org = unique("org");
        String id = admin.post("/v1/visibilities", json("service_plan_id", freshPlan(), "labels",
                Map.of("organization_guid", List.of(org)))).json().get("id").asText();

        ApiResponse response = admin.get("/v1/visibilities?labelQuery=" + q("organization_guid eq '" + org + "'"));

        assertThat(ids(response.json())).containsExactly(id);
    }
}
