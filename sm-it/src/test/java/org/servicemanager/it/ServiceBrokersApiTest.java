package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.servicemanager.test.broker.Catalogs.offering;
import static org.servicemanager.test.broker.Catalogs.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/service_brokers")
class ServiceBrokersApiTest extends ApiTestBase {

    @Test
    @DisplayName("registration fetches the catalog with the broker's Basic credentials and X-Broker-API-Version 2.17")
    void registrationFetchesCatalog() {
        FakeBroker broker = broker().withBasicAuth("broker-user", "broker-pass");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url()));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(broker.catalogCalls()).isEqualTo(1);
        RecordedRequest request = broker.requests(FakeBroker.CATALOG_PATH).get(0);
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.header("X-Broker-API-Version")).hasValue("2.17");
        assertThat(request.header("Authorization")).hasValue("Basic "
                + Base64.getEncoder().encodeToString("broker-user:broker-pass".getBytes()));
        assertThat(request.header("X-Correlation-ID")).isPresent();
    }

    @Test
    @DisplayName("registration with a bearer token sends it to the broker")
    void registrationWithToken() {
        FakeBroker broker = broker().withBearerToken("s3cret-token");

        ApiResponse response = admin.post("/v1/service_brokers", json("name", unique("b"), "broker_url", broker.url(),
                "credentials", map("token", "s3cret-token")));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(broker.requests().get(0).header("Authorization")).hasValue("Bearer s3cret-token");
        assertThat(response.body()).doesNotContain("s3cret-token");
    }

    @Test
    @DisplayName("registration answers 201 with the broker and stores its offerings and plans")
    void registrationStoresCatalog() {
        FakeBroker broker = broker();
        String name = unique("b");

        JsonNode created = registerBroker(broker, name);

        assertThat(created.get("name").asText()).isEqualTo(name);
        assertThat(created.get("broker_url").asText()).isEqualTo(broker.url());
        String id = created.get("id").asText();
        List<JsonNode> offerings = offeringsOfBroker(id);
        assertThat(offerings).extracting(o -> o.get("catalog_name").asText()).containsExactly("fake-service");
        assertThat(offerings.get(0).get("catalog_id").asText()).isEqualTo("fake-service-id");
        assertThat(plansOfBroker(id)).extracting(p -> p.get("catalog_name").asText())
                .containsExactlyInAnyOrder("small", "large");
    }

    @Test
    @DisplayName("credentials are never returned: not by POST, GET, the listing or PATCH")
    void credentialsNeverReturned() {
        FakeBroker broker = broker();
        ApiResponse created = admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url()));
        String id = created.json().get("id").asText();

        assertThat(created.json().has("credentials")).isFalse();
        assertThat(created.body()).doesNotContain("broker-pass");
        ApiResponse one = admin.get("/v1/service_brokers/" + id);
        assertThat(one.json().has("credentials")).isFalse();
        assertThat(one.body()).doesNotContain("broker-pass");
        ApiResponse list = admin.get("/v1/service_brokers?fieldQuery=" + q("id eq '" + id + "'"));
        assertThat(list.json().get("num_items").asInt()).isEqualTo(1);
        assertThat(list.body()).doesNotContain("broker-pass").doesNotContain("\"credentials\"");
        ApiResponse patched = admin.patch("/v1/service_brokers/" + id, "{}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.body()).doesNotContain("broker-pass").doesNotContain("\"credentials\"");
    }

    @Test
    @DisplayName("a broker name that is taken is 409 Conflict and the broker is not called")
    void duplicateName() {
        FakeBroker broker = broker();
        String name = registerBroker(broker).get("name").asText();
        broker.clearRequests();

        assertError(admin.post("/v1/service_brokers", brokerBody(name, broker.url())), 409, "Conflict");
        assertThat(broker.requests()).isEmpty();
    }

    @Test
    @DisplayName("missing name, broker_url or credentials is 400")
    void requiredFields() {
        String url = broker().url();
        assertError(admin.post("/v1/service_brokers", json("broker_url", url, "credentials",
                map("basic", map("username", "u", "password", "p")))), 400, "BadRequest");
        assertError(admin.post("/v1/service_brokers", json("name", unique("b"), "credentials",
                map("basic", map("username", "u", "password", "p")))), 400, "BadRequest");
        assertError(admin.post("/v1/service_brokers", json("name", unique("b"), "broker_url", url)), 400,
                "BadRequest");
        assertError(admin.post("/v1/service_brokers", json("name", unique("b"), "broker_url", url,
                "credentials", map())), 400, "BadRequest");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"not a url", "ftp://127.0.0.1/x", "/relative/path", "http://user:pw@127.0.0.1:1",
            "http://127.0.0.1:1/?q=1", "http://127.0.0.1:1/#frag", "mailto:broker@example.com"})
    @DisplayName("a broker_url that is not an absolute http(s) URL without credentials, query or fragment is 400")
    void badBrokerUrl(String url) {
        String name = unique("b");
        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, url));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("broker_url");
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isZero();
    }

    static Stream<Arguments> invalidCatalogs() {
        return Stream.of(
                Arguments.of("services is not an array", "{\"services\": {}}", "services"),
                Arguments.of("services is missing", "{}", "services"),
                Arguments.of("the catalog is an array", "[]", "object"),
                Arguments.of("offering without id", Catalogs.of(offering("no-id").without("id").plan(plan("p"))),
                        "services[0]"),
                Arguments.of("offering with empty id", Catalogs.of(offering("empty-id").id("").plan(plan("p"))),
                        "services[0]"),
                Arguments.of("offering without name", Catalogs.of(offering("nameless").without("name")
                        .plan(plan("p"))), "nameless-id"),
                Arguments.of("offering without description", Catalogs.of(offering("undescribed")
                        .without("description").plan(plan("p"))), "undescribed"),
                Arguments.of("offering without bindable", Catalogs.of(offering("unbound").without("bindable")
                        .plan(plan("p"))), "unbound"),
                Arguments.of("offering with a non-boolean bindable", Catalogs.of(offering("stringly")
                        .set("bindable", "true").plan(plan("p"))), "stringly"),
                Arguments.of("offering without plans", Catalogs.of(offering("planless").without("plans")),
                        "planless"),
                Arguments.of("offering with an empty plans array", Catalogs.of(offering("emptyplans")),
                        "emptyplans"),
                Arguments.of("two offerings with the same name", Catalogs.of(
                        offering("twin").plan(plan("p1")), offering("twin").id("twin-2").plan(plan("p2"))), "twin"),
                Arguments.of("two offerings with the same id", Catalogs.of(
                        offering("first").id("same").plan(plan("p1")), offering("second").id("same")
                                .plan(plan("p2"))), "same"),
                Arguments.of("plan without id", Catalogs.of(offering("o-plan-id").plan(plan("p").without("id"))),
                        "o-plan-id"),
                Arguments.of("plan without name", Catalogs.of(offering("o-plan-name").plan(plan("anon")
                        .without("name"))), "anon-id"),
                Arguments.of("plan without description", Catalogs.of(offering("o-plan-desc").plan(plan("mute")
                        .without("description"))), "mute"),
                Arguments.of("plan with a blank description", Catalogs.of(offering("o-plan-blank").plan(plan("blank")
                        .description("  "))), "blank"),
                Arguments.of("two plans with the same name in one offering", Catalogs.of(offering("o-twins")
                        .plan(plan("twin")).plan(plan("twin").id("twin-2"))), "twin"),
                Arguments.of("two plans with the same id", Catalogs.of(offering("o-a").plan(plan("pa").id("pid")),
                        offering("o-b").plan(plan("pb").id("pid"))), "pid"),
                Arguments.of("plan schemas that are not an object", Catalogs.of(offering("o-schemas")
                        .plan(plan("schemed").setJson("schemas", "[]"))), "schemed"),
                Arguments.of("a plan schema that is not an object", Catalogs.of(offering("o-schema")
                        .plan(plan("inner").set("schemas", Map.of("service_instance",
                                Map.of("create", Map.of("parameters", "not-an-object")))))), "inner"),
                Arguments.of("an offering that is not an object", "{\"services\": [\"db\"]}", "services[0]"),
                Arguments.of("a plan that is not an object", Catalogs.of(offering("o-plan-string")
                        .setJson("plans", "[\"small\"]")), "o-plan-string"),
                Arguments.of("plan free that is not a boolean", Catalogs.of(offering("o-free")
                        .plan(plan("priced").set("free", "yes"))), "priced"),
                Arguments.of("a negative maximum_polling_duration", Catalogs.of(offering("o-poll")
                        .plan(plan("polled").set("maximum_polling_duration", -1))), "polled"),
                Arguments.of("offering tags that are not strings", Catalogs.of(offering("tagged")
                        .set("tags", List.of(1)).plan(plan("p"))), "tagged"),
                Arguments.of("offering metadata that is not an object", Catalogs.of(offering("meta")
                        .set("metadata", "x").plan(plan("p"))), "meta"),
                Arguments.of("maintenance_info without a version", Catalogs.of(offering("o-mi-missing")
                        .plan(plan("unversioned").set("maintenance_info", Map.of("description", "d")))),
                        "unversioned"),
                Arguments.of("maintenance_info.version that is not SemVer", Catalogs.of(offering("o-mi")
                        .plan(plan("versioned").set("maintenance_info", Map.of("version", "1.2")))), "versioned"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCatalogs")
    @DisplayName("a catalog that breaks an OSB rule is 400 naming the culprit, and nothing is stored")
    void invalidCatalog(String rule, String catalog, String named) {
        FakeBroker broker = broker().catalog(catalog);
        String name = unique("bad");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, broker.url()));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains(named).contains(name);
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isZero();
    }

    @Test
    @DisplayName("a rejected catalog leaves no offerings or plans behind")
    void invalidCatalogStoresNoOfferings() {
        String offeringName = unique("half");
        FakeBroker broker = broker().catalog(Catalogs.of(offering(offeringName).plan(plan("ok")),
                offering(unique("broken")).plan(plan("p").without("description"))));

        assertThat(admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url())).status()).isEqualTo(400);

        assertThat(items("/v1/service_offerings?fieldQuery=" + q("catalog_name eq '" + offeringName + "'")))
                .isEmpty();
    }

    @Test
    @DisplayName("an empty catalog is valid and registers a broker without offerings")
    void emptyCatalog() {
        FakeBroker broker = broker().catalog(Catalogs.empty());

        String id = registerBroker(broker).get("id").asText();

        assertThat(offeringsOfBroker(id)).isEmpty();
    }

    @Test
    @DisplayName("a broker answering 500 is 502 BrokerError carrying the broker's description")
    void brokerError() {
        FakeBroker broker = broker().respondWith(500, "{\"error\": \"Boom\", \"description\": \"database on fire\"}");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url()));

        assertError(response, 502, "BrokerError");
        assertThat(description(response)).contains("database on fire").contains("500");
    }

    @Test
    @DisplayName("a broker rejecting the credentials is 502 BrokerError naming its status")
    void brokerRejectsCredentials() {
        FakeBroker broker = broker().withBasicAuth("someone", "else");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url()));

        assertError(response, 502, "BrokerError");
        assertThat(description(response)).contains("401");
    }

    @Test
    @DisplayName("a broker answering a body that is not JSON is 502 BrokerError naming the broker")
    void brokerNotJson() {
        FakeBroker broker = broker().invalidJson();
        String name = unique("b");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, broker.url()));

        assertError(response, 502, "BrokerError");
        assertThat(description(response)).contains(name);
    }

    @Test
    @DisplayName("a broker on a closed port is 502 BrokerUnreachable, and nothing is stored")
    void brokerUnreachable() {
        String name = unique("b");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, "http://127.0.0.1:" + closedPort()));

        assertError(response, 502, "BrokerUnreachable");
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isZero();
    }

    @Test
    @DisplayName("a broker that drops the connection is 502 BrokerUnreachable")
    void brokerDropsConnection() {
        FakeBroker broker = broker().closeConnection();

        assertError(admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url())), 502,
                "BrokerUnreachable");
    }

    @Test
    @DisplayName("a path prefix in broker_url is kept: the catalog is fetched from <broker_url>/v2/catalog")
    void pathPrefix() {
        FakeBroker broker = broker();
        broker.route("GET", "/osb/tenant-1/v2/catalog", request -> Reply.json(200, FakeBroker.defaultCatalog()));

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url()
                + "/osb/tenant-1"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(broker.requests()).extracting(RecordedRequest::path).containsExactly("/osb/tenant-1/v2/catalog");
    }

    @Test
    @DisplayName("a trailing slash in broker_url does not double: the catalog is fetched from /v2/catalog")
    void trailingSlash() {
        FakeBroker broker = broker();

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url() + "/"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(broker.requests()).extracting(RecordedRequest::path).containsExactly("/v2/catalog");
    }

    @Test
    @DisplayName("GET of a broker answers it; GET of an unknown one is 404")
    void getOne() {
        JsonNode created = registerBroker(broker());
        String id = created.get("id").asText();

        ApiResponse response = admin.get("/v1/service_brokers/" + id);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("name").asText()).isEqualTo(created.get("name").asText());
        assertError(admin.get("/v1/service_brokers/no-such-broker"), 404, "NotFound");
    }

    @Test
    @DisplayName("PATCH with {} fetches the catalog again")
    void patchEmptyRefetches() {
        FakeBroker broker = broker();
        String id = registerBroker(broker).get("id").asText();

        ApiResponse response = admin.patch("/v1/service_brokers/" + id, "{}");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(broker.catalogCalls()).isEqualTo(2);
    }

    @Test
    @DisplayName("PATCH changes name and description and keeps the rest")
    void patchFields() {
        FakeBroker broker = broker();
        JsonNode created = registerBroker(broker);
        String id = created.get("id").asText();
        String newName = unique("renamed");

        ApiResponse response = admin.patch("/v1/service_brokers/" + id, json("name", newName, "description", "d"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("name").asText()).isEqualTo(newName);
        assertThat(response.json().get("description").asText()).isEqualTo("d");
        assertThat(response.json().get("broker_url").asText()).isEqualTo(broker.url());
    }

    @Test
    @DisplayName("PATCH with new credentials uses them for the catalog fetch")
    void patchCredentials() {
        FakeBroker broker = broker();
        String id = registerBroker(broker).get("id").asText();
        broker.withBasicAuth("new-user", "new-pass");

        ApiResponse response = admin.patch("/v1/service_brokers/" + id, json("credentials",
                map("basic", map("username", "new-user", "password", "new-pass"))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("new-pass");
    }

    @Test
    @DisplayName("PATCH clearing name, broker_url or credentials is 400")
    void patchClearsRequired() {
        String id = registerBroker(broker()).get("id").asText();

        assertError(admin.patch("/v1/service_brokers/" + id, json("name", null)), 400, "BadRequest");
        assertError(admin.patch("/v1/service_brokers/" + id, json("broker_url", null)), 400, "BadRequest");
        assertError(admin.patch("/v1/service_brokers/" + id, json("credentials", null)), 400, "BadRequest");
    }

    @Test
    @DisplayName("PATCH of an unknown broker is 404")
    void patchUnknown() {
        assertError(admin.patch("/v1/service_brokers/no-such-broker", "{}"), 404, "NotFound");
    }

    @Test
    @DisplayName("PATCH when the broker fails is 502 and the stored broker is unchanged")
    void patchBrokerFails() {
        FakeBroker broker = broker();
        JsonNode created = registerBroker(broker);
        String id = created.get("id").asText();
        broker.respondWith(500, "{\"description\": \"down for maintenance\"}");

        ApiResponse response = admin.patch("/v1/service_brokers/" + id, json("name", unique("renamed")));

        assertError(response, 502, "BrokerError");
        assertThat(description(response)).contains("down for maintenance");
        assertThat(admin.get("/v1/service_brokers/" + id).json().get("name").asText())
                .isEqualTo(created.get("name").asText());
    }

    @Test
    @DisplayName("a catalog refresh keeps ids of remaining offerings and plans, adds new and removes vanished ones")
    void catalogRefreshDiff() {
        FakeBroker broker = broker().catalog(Catalogs.of(
                offering("stay").plan(plan("keep")).plan(plan("drop")),
                offering("leave").plan(plan("gone"))));
        String brokerId = registerBroker(broker).get("id").asText();
        Map<String, String> offeringIds = byCatalogName(offeringsOfBroker(brokerId));
        Map<String, String> planIds = byCatalogName(plansOfBroker(brokerId));
        JsonNode platform = createPlatform();
        String keptVisibility = createVisibility(planIds.get("keep"), null).get("id").asText();
        String droppedVisibility = createVisibility(planIds.get("drop"), platform.get("id").asText())
                .get("id").asText();
        String goneVisibility = createVisibility(planIds.get("gone"), null).get("id").asText();
        broker.catalog(Catalogs.of(
                offering("stay").description("changed").plan(plan("keep").description("changed")).plan(plan("new")),
                offering("arrive").plan(plan("fresh"))));

        ApiResponse response = admin.patch("/v1/service_brokers/" + brokerId, "{}");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        Map<String, String> offeringsAfter = byCatalogName(offeringsOfBroker(brokerId));
        Map<String, String> plansAfter = byCatalogName(plansOfBroker(brokerId));
        assertThat(offeringsAfter).containsOnlyKeys("stay", "arrive").containsEntry("stay", offeringIds.get("stay"));
        assertThat(plansAfter).containsOnlyKeys("keep", "new", "fresh").containsEntry("keep", planIds.get("keep"));
        assertThat(admin.get("/v1/service_plans/" + planIds.get("keep")).json().get("description").asText())
                .isEqualTo("changed");
        assertThat(admin.get("/v1/service_offerings/" + offeringIds.get("leave")).status()).isEqualTo(404);
        assertThat(admin.get("/v1/service_plans/" + planIds.get("drop")).status()).isEqualTo(404);
        assertThat(admin.get("/v1/visibilities/" + keptVisibility).status()).isEqualTo(200);
        assertThat(admin.get("/v1/visibilities/" + droppedVisibility).status()).isEqualTo(404);
        assertThat(admin.get("/v1/visibilities/" + goneVisibility).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a refresh with an invalid catalog is 400 and changes nothing")
    void invalidRefresh() {
        FakeBroker broker = broker();
        String brokerId = registerBroker(broker).get("id").asText();
        Map<String, String> plansBefore = byCatalogName(plansOfBroker(brokerId));
        broker.catalog(Catalogs.of(offering("fake-service").plan(plan("small")).plan(plan("small").id("x"))));

        assertError(admin.patch("/v1/service_brokers/" + brokerId, "{}"), 400, "BadRequest");

        assertThat(byCatalogName(plansOfBroker(brokerId))).isEqualTo(plansBefore);
    }

    @Test
    @DisplayName("DELETE answers 200 {} and removes the broker's offerings, plans and visibilities")
    void deleteCascades() {
        String brokerId = registerBroker(broker()).get("id").asText();
        List<JsonNode> offerings = offeringsOfBroker(brokerId);
        List<JsonNode> plans = plansOfBroker(brokerId);
        String visibilityId = createVisibility(plans.get(0).get("id").asText(), null).get("id").asText();

        ApiResponse response = admin.delete("/v1/service_brokers/" + brokerId);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().size()).isZero();
        assertThat(admin.get("/v1/service_brokers/" + brokerId).status()).isEqualTo(404);
        offerings.forEach(o -> assertThat(admin.get("/v1/service_offerings/" + o.get("id").asText()).status())
                .isEqualTo(404));
        plans.forEach(p -> assertThat(admin.get("/v1/service_plans/" + p.get("id").asText()).status())
                .isEqualTo(404));
        assertThat(admin.get("/v1/visibilities/" + visibilityId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("DELETE of an unknown broker is 404")
    void deleteUnknown() {
        assertError(admin.delete("/v1/service_brokers/no-such-broker"), 404, "NotFound");
    }

    @Test
    @DisplayName("bulk DELETE by fieldQuery deletes the matching brokers; without a query it is 400")
    void bulkDelete() {
        String name = registerBroker(broker()).get("name").asText();

        assertError(admin.delete("/v1/service_brokers"), 400, "BadRequest");
        ApiResponse response = admin.delete("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"));
        assertThat(response.status()).isEqualTo(200);
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isZero();
    }

    @Test
    @DisplayName("the catalog request carries the caller's X-Correlation-ID and an X-Broker-API-Request-Identity")
    void correlationIdForwarded() {
        FakeBroker broker = broker();

        admin.withHeader("X-Correlation-ID", "corr-broker-1").post("/v1/service_brokers",
                brokerBody(unique("b"), broker.url()));

        RecordedRequest request = broker.requests().get(0);
        assertThat(request.header("X-Correlation-ID")).hasValue("corr-broker-1");
        assertThat(request.header("X-Broker-API-Request-Identity")).hasValueSatisfying(v -> assertThat(v).isNotBlank());
    }

    @Test
    @DisplayName("a broker answering 404 (e.g. a wrong path prefix) is 502 BrokerError naming the status")
    void brokerNotFound() {
        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(unique("b"), broker().url() + "/wrong"));

        assertError(response, 502, "BrokerError");
        assertThat(description(response)).contains("404");
    }

    @Test
    @DisplayName("a redirect from the broker is not followed: 502 BrokerError")
    void brokerRedirect() {
        FakeBroker target = broker();
        FakeBroker broker = broker().failCatalogCalls(Reply.json(302, "{}").withHeader("Location",
                target.url() + "/v2/catalog"));

        assertError(admin.post("/v1/service_brokers", brokerBody(unique("b"), broker.url())), 502, "BrokerError");
        assertThat(target.requests()).isEmpty();
    }

    @Test
    @DisplayName("a client-chosen broker id is used; a taken one is 409 Conflict")
    void clientId() {
        FakeBroker broker = broker();
        String id = unique("broker-id");

        ApiResponse first = admin.post("/v1/service_brokers", json("id", id, "name", unique("b"), "broker_url",
                broker.url(), "credentials", map("basic", map("username", "u", "password", "p"))));
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.json().get("id").asText()).isEqualTo(id);
        assertError(admin.post("/v1/service_brokers", json("id", id, "name", unique("b"), "broker_url",
                broker.url(), "credentials", map("basic", map("username", "u", "password", "p")))), 409, "Conflict");
    }

    @Test
    @DisplayName("registration stores description and labels")
    void descriptionAndLabels() {
        ApiResponse response = admin.post("/v1/service_brokers", json("name", unique("b"), "description", "mine",
                "broker_url", broker().url(), "credentials", map("basic", map("username", "u", "password", "p")),
                "labels", map("owner", List.of("team-a"))));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("description").asText()).isEqualTo("mine");
        assertThat(response.json().at("/labels/owner/0").asText()).isEqualTo("team-a");
    }

    @Test
    @DisplayName("credentials with both basic and token, or basic without a password, are 400")
    void badCredentials() {
        String url = broker().url();
        assertError(admin.post("/v1/service_brokers", json("name", unique("b"), "broker_url", url, "credentials",
                map("token", "t", "basic", map("username", "u", "password", "p")))), 400, "BadRequest");
        assertError(admin.post("/v1/service_brokers", json("name", unique("b"), "broker_url", url, "credentials",
                map("basic", map("username", "u")))), 400, "BadRequest");
        assertError(admin.post("/v1/service_brokers", json("name", unique("b"), "broker_url", url, "credentials",
                map("basic", "u:p"))), 400, "BadRequest");
    }

    @Test
    @DisplayName("PATCH to a name another broker has is 409 Conflict")
    void patchDuplicateName() {
        String taken = registerBroker(broker()).get("name").asText();
        String id = registerBroker(broker()).get("id").asText();

        assertError(admin.patch("/v1/service_brokers/" + id, json("name", taken)), 409, "Conflict");
    }

    @Test
    @DisplayName("PATCH with an invalid broker_url is 400 and the broker is not called")
    void patchBadUrl() {
        FakeBroker broker = broker();
        String id = registerBroker(broker).get("id").asText();
        broker.clearRequests();

        assertError(admin.patch("/v1/service_brokers/" + id, json("broker_url", "ftp://elsewhere")), 400,
                "BadRequest");
        assertThat(broker.requests()).isEmpty();
    }

    @Test
    @DisplayName("PATCH with a new broker_url fetches the catalog from there")
    void patchUrl() {
        FakeBroker oldBroker = broker();
        FakeBroker newBroker = broker();
        String id = registerBroker(oldBroker).get("id").asText();

        ApiResponse response = admin.patch("/v1/service_brokers/" + id, json("broker_url", newBroker.url()));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("broker_url").asText()).isEqualTo(newBroker.url());
        assertThat(newBroker.catalogCalls()).isEqualTo(1);
        assertThat(oldBroker.catalogCalls()).isEqualTo(1);
    }

    @Test
    @DisplayName("a refresh keeps the id, labels and visibilities of a plan that moved to another offering")
    void planMovesBetweenOfferings() {
        FakeBroker broker = broker().catalog(Catalogs.of(offering("from").plan(plan("mover")).plan(plan("stays")),
                offering("to").plan(plan("other"))));
        String brokerId = registerBroker(broker).get("id").asText();
        Map<String, String> offerings = byCatalogName(offeringsOfBroker(brokerId));
        String moverId = byCatalogName(plansOfBroker(brokerId)).get("mover");
        admin.patch("/v1/service_plans/" + moverId, json("labels",
                List.of(map("op", "add", "key", "tier", "values", List.of("gold")))));
        String visibility = createVisibility(moverId, null).get("id").asText();
        broker.catalog(Catalogs.of(offering("from").plan(plan("stays")),
                offering("to").plan(plan("other")).plan(plan("mover").name("moved"))));

        assertThat(admin.patch("/v1/service_brokers/" + brokerId, "{}").status()).isEqualTo(200);

        JsonNode moved = admin.get("/v1/service_plans/" + moverId).json();
        assertThat(moved.get("service_offering_id").asText()).isEqualTo(offerings.get("to"));
        assertThat(moved.get("catalog_name").asText()).isEqualTo("moved");
        assertThat(moved.at("/labels/tier/0").asText()).isEqualTo("gold");
        assertThat(admin.get("/v1/visibilities/" + visibility).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a refresh changing an offering's name keeps its id and updates catalog_name")
    void offeringRenamed() {
        FakeBroker broker = broker().catalog(Catalogs.of(offering("before").plan(plan("p"))));
        String brokerId = registerBroker(broker).get("id").asText();
        JsonNode before = offeringsOfBroker(brokerId).get(0);
        broker.catalog(Catalogs.of(offering("after").id("before-id").plan(plan("p"))));

        assertThat(admin.patch("/v1/service_brokers/" + brokerId, "{}").status()).isEqualTo(200);

        JsonNode after = offeringsOfBroker(brokerId).get(0);
        assertThat(after.get("id").asText()).isEqualTo(before.get("id").asText());
        assertThat(after.get("catalog_name").asText()).isEqualTo("after");
        assertThat(after.get("created_at").asText()).isEqualTo(before.get("created_at").asText());
    }

    @Test
    @DisplayName("bulk DELETE of brokers also removes their offerings and plans")
    void bulkDeleteCascades() {
        JsonNode created = registerBroker(broker());
        String brokerId = created.get("id").asText();
        List<JsonNode> plans = plansOfBroker(brokerId);

        assertThat(admin.delete("/v1/service_brokers?fieldQuery=" + q("id eq '" + brokerId + "'")).status())
                .isEqualTo(200);

        assertThat(offeringsOfBroker(brokerId)).isEmpty();
        plans.forEach(p -> assertThat(admin.get("/v1/service_plans/" + p.get("id").asText()).status())
                .isEqualTo(404));
    }

    @Test
    @DisplayName("two registrations of one name at the same time: one 201, the other 409")
    void concurrentRegistration() throws Exception {
        FakeBroker broker = broker().delay(java.time.Duration.ofMillis(200));
        String name = unique("race");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<ApiResponse> a = pool.submit(() -> admin.post("/v1/service_brokers",
                    brokerBody(name, broker.url())));
            java.util.concurrent.Future<ApiResponse> b = pool.submit(() -> admin.post("/v1/service_brokers",
                    brokerBody(name, broker.url())));

            assertThat(List.of(a.get().status(), b.get().status())).containsExactlyInAnyOrder(201, 409);
        } finally {
            pool.shutdown();
        }
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isEqualTo(1);
    }

    private static Map<String, String> byCatalogName(List<JsonNode> items) {
        Map<String, String> result = new java.util.TreeMap<>();
        items.forEach(i -> result.put(i.get("catalog_name").asText(), i.get("id").asText()));
        return result;
    }
}
