package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.servicemanager.test.broker.Catalogs.offering;
import static org.servicemanager.test.broker.Catalogs.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/service_offerings and /v1/service_plans")
class CatalogResourcesApiTest extends ApiTestBase {
    private String brokerId;
    private String offeringName;
    private JsonNode offering;
    private JsonNode smallPlan;

    @BeforeAll
    void registerCatalog() {
        offeringName = unique("db");
        FakeBroker broker = broker().catalog(Catalogs.of(offering(offeringName)
                .set("tags", List.of("sql", "relational")).set("plan_updateable", true)
                .plan(plan("small").set("maximum_polling_duration", 60)
                        .set("maintenance_info", java.util.Map.of("version", "1.0.0")))
                .plan(plan("large").free(false).bindable(false))));
        brokerId = registerBroker(broker).get("id").asText();
        offering = offeringsOfBroker(brokerId).get(0);
        smallPlan = items("/v1/service_plans?fieldQuery=" + q("service_offering_id eq '" + offering.get("id").asText()
                + "' and catalog_name eq 'small'")).get(0);
    }

    @Test
    @DisplayName("an offering carries its catalog fields, catalog id and name, and its broker id")
    void offeringFields() {
        JsonNode o = admin.get("/v1/service_offerings/" + offering.get("id").asText()).json();

        assertThat(o.get("name").asText()).isEqualTo(offeringName);
        assertThat(o.get("catalog_name").asText()).isEqualTo(offeringName);
        assertThat(o.get("catalog_id").asText()).isEqualTo(offeringName + "-id");
        assertThat(o.get("broker_id").asText()).isEqualTo(brokerId);
        assertThat(o.get("bindable").asBoolean()).isTrue();
        assertThat(o.get("plan_updateable").asBoolean()).isTrue();
        assertThat(o.get("tags")).extracting(JsonNode::asText).containsExactly("sql", "relational");
        assertThat(o.get("ready").asBoolean()).isTrue();
        assertThat(o.has("created_at") && o.has("updated_at") && o.has("labels")).isTrue();
    }

    @Test
    @DisplayName("a plan carries its catalog fields and its offering id")
    void planFields() {
        JsonNode p = admin.get("/v1/service_plans/" + smallPlan.get("id").asText()).json();

        assertThat(p.get("catalog_id").asText()).isEqualTo("small-id");
        assertThat(p.get("catalog_name").asText()).isEqualTo("small");
        assertThat(p.get("service_offering_id").asText()).isEqualTo(offering.get("id").asText());
        assertThat(p.get("free").asBoolean()).isTrue();
        assertThat(p.get("maximum_polling_duration").asInt()).isEqualTo(60);
        assertThat(p.at("/maintenance_info/version").asText()).isEqualTo("1.0.0");
    }

    @Test
    @DisplayName("GET of an unknown offering or plan is 404")
    void unknown() {
        assertError(admin.get("/v1/service_offerings/nope"), 404, "NotFound");
        assertError(admin.get("/v1/service_plans/nope"), 404, "NotFound");
    }

    @Test
    @DisplayName("offerings can be listed by catalog_name eq")
    void offeringsByCatalogName() {
        ApiResponse response = admin.get("/v1/service_offerings?fieldQuery=" + q("catalog_name eq '" + offeringName
                + "'"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(ids(response.json())).containsExactly(offering.get("id").asText());
    }

    @Test
    @DisplayName("plans can be listed by field queries on booleans and integers")
    void plansByTypedFields() {
        String byOffering = "service_offering_id eq '" + offering.get("id").asText() + "'";

        assertThat(items("/v1/service_plans?fieldQuery=" + q(byOffering + " and free eq false")))
                .extracting(p -> p.get("catalog_name").asText()).containsExactly("large");
        assertThat(items("/v1/service_plans?fieldQuery=" + q(byOffering + " and maximum_polling_duration gt 59")))
                .extracting(p -> p.get("catalog_name").asText()).containsExactly("small");
        assertThat(items("/v1/service_plans?fieldQuery=" + q(byOffering + " and bindable eq false")))
                .extracting(p -> p.get("catalog_name").asText()).containsExactly("large");
    }

    @Test
    @DisplayName("PATCH of an offering's labels answers the changed offering")
    void patchOfferingLabels() {
        String id = offering.get("id").asText();

        ApiResponse response = admin.patch("/v1/service_offerings/" + id, json("labels",
                List.of(map("op", "add", "key", "tier", "values", List.of("gold")))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().at("/labels/tier/0").asText()).isEqualTo("gold");
        assertThat(admin.get("/v1/service_offerings/" + id).json().at("/labels/tier/0").asText()).isEqualTo("gold");
    }

    @Test
    @DisplayName("PATCH of a plan's labels answers the changed plan")
    void patchPlanLabels() {
        String id = smallPlan.get("id").asText();

        ApiResponse response = admin.patch("/v1/service_plans/" + id, json("labels",
                List.of(map("op", "add", "key", "size", "values", List.of("s")))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().at("/labels/size/0").asText()).isEqualTo("s");
    }

    @Test
    @DisplayName("PATCH of any other field of an offering or plan is 400, and nothing changes")
    void patchOtherFields() {
        String offeringId = offering.get("id").asText();
        String planId = smallPlan.get("id").asText();

        ApiResponse offeringResponse = admin.patch("/v1/service_offerings/" + offeringId, json("name", "renamed"));
        assertError(offeringResponse, 400, "BadRequest");
        assertThat(description(offeringResponse)).contains("name");
        assertError(admin.patch("/v1/service_plans/" + planId, json("description", "x")), 400, "BadRequest");
        assertError(admin.patch("/v1/service_plans/" + planId, json("labels", List.of(), "free", false)), 400,
                "BadRequest");
        assertThat(admin.get("/v1/service_offerings/" + offeringId).json().get("name").asText())
                .isEqualTo(offeringName);
    }

    @Test
    @DisplayName("PATCH of an unknown offering or plan is 404")
    void patchUnknown() {
        assertError(admin.patch("/v1/service_offerings/nope", json("labels", List.of())), 404, "NotFound");
        assertError(admin.patch("/v1/service_plans/nope", json("labels", List.of())), 404, "NotFound");
    }

    @Test
    @DisplayName("offerings and plans cannot be created or deleted through the API: 405 with Allow")
    void readOnly() {
        ApiResponse post = admin.post("/v1/service_offerings", "{}");
        assertError(post, 405, "MethodNotAllowed");
        assertThat(post.header("Allow")).hasValueSatisfying(allow -> assertThat(allow).contains("GET"));
        assertError(admin.delete("/v1/service_plans/" + smallPlan.get("id").asText()), 405, "MethodNotAllowed");
    }

    @Test
    @DisplayName("numbers in a catalog come back exactly as the broker wrote them, through the API and the OSB face")
    void catalogNumbersRoundTrip() {
        String name = unique("numbers");
        // Written by hand: a JSON library would turn 1e999999 into Infinity before it left the broker.
        FakeBroker broker = broker().catalog("{\"services\":[{\"id\":\"" + name + "-id\",\"name\":\"" + name
                + "\",\"description\":\"d\",\"bindable\":true,\"metadata\":{\"huge\":1e999999,"
                + "\"precise\":0.1000000000000000000000001,\"zeros\":1.10},\"plans\":[{\"id\":\"" + name
                + "-plan\",\"name\":\"p\",\"description\":\"d\",\"metadata\":{\"cost\":9.990}}]}]}");
        String id = registerBroker(broker).get("id").asText();
        JsonNode registered = offeringsOfBroker(id).get(0);
        String offeringBody = admin.get("/v1/service_offerings/" + registered.get("id").asText()).body();
        JsonNode plan = items("/v1/service_plans?fieldQuery=" + q("service_offering_id eq '"
                + registered.get("id").asText() + "'")).get(0);
        String planBody = admin.get("/v1/service_plans/" + plan.get("id").asText()).body();

        assertThat(offeringBody).contains("\"huge\":1E+999999", "\"precise\":0.1000000000000000000000001",
                "\"zeros\":1.10").doesNotContain("Infinity");
        assertThat(planBody).contains("\"cost\":9.990");

        assertThat(admin.post("/v1/visibilities", json("service_plan_id", plan.get("id").asText())).status())
                .isEqualTo(201);
        ApiResponse osb = platformClient(createPlatform()).withHeader("X-Broker-API-Version", "2.17")
                .get("/v1/osb/" + id + "/v2/catalog");
        assertThat(osb.status()).as(osb.body()).isEqualTo(200);
        assertThat(osb.body()).contains("\"huge\":1E+999999", "\"precise\":0.1000000000000000000000001",
                "\"zeros\":1.10", "\"cost\":9.990").doesNotContain("Infinity");
    }

    @Test
    @DisplayName("a request body with a number beyond any representation is 400, not a server error")
    void numberOutOfRange() {
        ApiResponse response = admin.post("/v1/platforms", "{\"name\":\"p\",\"type\":\"cf\",\"x\":1e9999999999}");

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("number out of range");
    }
}
