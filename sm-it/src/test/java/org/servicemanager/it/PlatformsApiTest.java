package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/platforms")
class PlatformsApiTest extends ApiTestBase {

    @Test
    @DisplayName("POST creates a platform and answers 201 with its fields and generated Basic credentials")
    void createReturnsCredentials() {
        String name = unique("cf");
        ApiResponse response = admin.post("/v1/platforms",
                json("name", name, "type", "cloudfoundry", "description", "the CF"));

        assertThat(response.status()).isEqualTo(201);
        JsonNode body = response.json();
        assertThat(body.get("id").asText()).isNotBlank();
        assertThat(body.get("name").asText()).isEqualTo(name);
        assertThat(body.get("type").asText()).isEqualTo("cloudfoundry");
        assertThat(body.get("description").asText()).isEqualTo("the CF");
        assertThat(body.get("ready").asBoolean()).isTrue();
        assertThat(body.get("labels").isObject()).isTrue();
        assertThat(body.get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(body.at("/credentials/basic/username").asText()).isNotBlank();
        assertThat(body.at("/credentials/basic/password").asText()).isNotBlank();
    }

    @Test
    @DisplayName("the credentials from the registration authenticate as that platform")
    void credentialsAuthenticate() {
        ApiClient platform = platformClient(createPlatform());

        assertThat(platform.get("/v1/service_brokers").status()).isEqualTo(200);
        assertThat(platform.get("/v1/platforms").status()).isEqualTo(403);
    }

    @Test
    @DisplayName("GET of one platform and the listing never show credentials")
    void getNeverShowsCredentials() {
        JsonNode created = createPlatform();
        String id = created.get("id").asText();

        ApiResponse one = admin.get("/v1/platforms/" + id);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().has("credentials")).isFalse();
        assertThat(one.body()).doesNotContain(created.at("/credentials/basic/password").asText());
        ApiResponse list = admin.get("/v1/platforms?fieldQuery=" + q("id eq '" + id + "'"));
        assertThat(list.json().at("/items/0/id").asText()).isEqualTo(id);
        assertThat(list.json().at("/items/0").has("credentials")).isFalse();
        assertThat(list.body()).doesNotContain(created.at("/credentials/basic/password").asText());
    }

    @Test
    @DisplayName("GET of an unknown platform is 404 NotFound")
    void getUnknown() {
        assertError(admin.get("/v1/platforms/no-such-platform"), 404, "NotFound");
    }

    @Test
    @DisplayName("a second platform with the same name is 409 Conflict")
    void duplicateName() {
        String name = unique("dup");
        createPlatform(name);

        assertError(admin.post("/v1/platforms", json("name", name, "type", "kubernetes")), 409, "Conflict");
    }

    @Test
    @DisplayName("POST without name or type is 400")
    void requiredFields() {
        assertError(admin.post("/v1/platforms", json("type", "cf")), 400, "BadRequest");
        assertError(admin.post("/v1/platforms", json("name", unique("n"))), 400, "BadRequest");
        assertError(admin.post("/v1/platforms", json("name", "", "type", "cf")), 400, "BadRequest");
    }

    @Test
    @DisplayName("an unknown field in the body is 400 naming it")
    void unknownField() {
        ApiResponse response = admin.post("/v1/platforms", json("name", unique("p"), "type", "cf", "colour", "red"));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("colour");
    }

    @Test
    @DisplayName("a client-chosen id of up to 50 characters of A-Za-z0-9-._~ is used")
    void clientId() {
        String id = "Ab9-._~" + unique("x").substring(0, 10);
        ApiResponse response = admin.post("/v1/platforms", json("id", id, "name", unique("p"), "type", "cf"));

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.json().get("id").asText()).isEqualTo(id);
        assertThat(admin.get("/v1/platforms/" + id).status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "id {0}")
    @ValueSource(strings = {"has space", "slash/inside", "ümlaut", "", "x123456789x123456789x123456789x123456789x123456789x"})
    @DisplayName("a client id that is empty, too long or has other characters is 400")
    void badClientId(String id) {
        assertError(admin.post("/v1/platforms", json("id", id, "name", unique("p"), "type", "cf")), 400,
                "BadRequest");
    }

    @Test
    @DisplayName("a client id that is not a string is 400")
    void nonStringClientId() {
        assertError(admin.post("/v1/platforms", json("id", 42, "name", unique("p"), "type", "cf")), 400,
                "BadRequest");
    }

    @Test
    @DisplayName("a client id of exactly 50 characters is accepted")
    void fiftyCharacterId() {
        String id = String.join("", Collections.nCopies(5, "a1b2c3d4e5")).substring(0, 42) + unique("").substring(1, 9);
        assertThat(id).hasSize(50);

        assertThat(admin.post("/v1/platforms", json("id", id, "name", unique("p"), "type", "cf")).status())
                .isEqualTo(201);
    }

    @Test
    @DisplayName("a client id that is taken is 409 Conflict")
    void duplicateClientId() {
        String id = unique("pid");
        admin.post("/v1/platforms", json("id", id, "name", unique("p"), "type", "cf"));

        assertError(admin.post("/v1/platforms", json("id", id, "name", unique("p"), "type", "cf")), 409, "Conflict");
    }

    @Test
    @DisplayName("PATCH changes the given fields, keeps absent ones and answers the entity without credentials")
    void patchFields() {
        JsonNode created = createPlatform();
        String id = created.get("id").asText();
        String newName = unique("renamed");

        ApiResponse response = admin.patch("/v1/platforms/" + id, json("name", newName, "description", "new"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("name").asText()).isEqualTo(newName);
        assertThat(response.json().get("description").asText()).isEqualTo("new");
        assertThat(response.json().get("type").asText()).isEqualTo("cloudfoundry");
        assertThat(response.json().has("credentials")).isFalse();
        assertThat(admin.get("/v1/platforms/" + id).json().get("name").asText()).isEqualTo(newName);
    }

    @Test
    @DisplayName("PATCH with description null clears it")
    void patchClearsDescription() {
        String id = admin.post("/v1/platforms", json("name", unique("p"), "type", "cf", "description", "d"))
                .json().get("id").asText();

        ApiResponse response = admin.patch("/v1/platforms/" + id, json("description", null));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("description").isMissingNode() || response.json().get("description").isNull())
                .isTrue();
    }

    @Test
    @DisplayName("PATCH with name or type null is 400, and nothing changes")
    void patchRequiredNull() {
        JsonNode created = createPlatform();
        String id = created.get("id").asText();

        assertError(admin.patch("/v1/platforms/" + id, json("name", null)), 400, "BadRequest");
        assertError(admin.patch("/v1/platforms/" + id, json("type", null)), 400, "BadRequest");
        assertThat(admin.get("/v1/platforms/" + id).json().get("name").asText())
                .isEqualTo(created.get("name").asText());
    }

    @Test
    @DisplayName("PATCH to a name another platform has is 409 Conflict")
    void patchDuplicateName() {
        String taken = createPlatform().get("name").asText();
        String id = createPlatform().get("id").asText();

        assertError(admin.patch("/v1/platforms/" + id, json("name", taken)), 409, "Conflict");
    }

    @Test
    @DisplayName("PATCH that tries to change the id is 400")
    void patchId() {
        String id = createPlatform().get("id").asText();

        assertError(admin.patch("/v1/platforms/" + id, json("id", "other-id")), 400, "BadRequest");
    }

    @Test
    @DisplayName("PATCH of an unknown platform is 404")
    void patchUnknown() {
        assertError(admin.patch("/v1/platforms/no-such-platform", json("description", "x")), 404, "NotFound");
    }

    @Test
    @DisplayName("regenerateCredentials answers a new pair, and the new pair authenticates")
    void regenerate() {
        JsonNode created = createPlatform();
        String id = created.get("id").asText();

        ApiResponse response = admin.patch("/v1/platforms/" + id + "?regenerateCredentials=true", "{}");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().at("/credentials/basic/password").asText()).isNotBlank()
                .isNotEqualTo(created.at("/credentials/basic/password").asText());
        assertThat(platformClient(response.json()).get("/v1/service_brokers").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("after regenerating, the old pair works until the new one is first used, then it is 401")
    void oldCredentialsRetireOnFirstUseOfNew() {
        JsonNode created = createPlatform();
        ApiClient oldPair = platformClient(created);
        JsonNode regenerated = admin.patch("/v1/platforms/" + created.get("id").asText()
                + "?regenerateCredentials=true", "{}").json();
        ApiClient newPair = platformClient(regenerated);

        assertThat(oldPair.get("/v1/service_brokers").status()).isEqualTo(200);
        assertThat(oldPair.get("/v1/service_brokers").status()).isEqualTo(200);
        assertThat(newPair.get("/v1/service_brokers").status()).isEqualTo(200);
        assertError(oldPair.get("/v1/service_brokers"), 401, "Unauthorized");
        assertThat(newPair.get("/v1/service_brokers").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("regenerateCredentials with a value other than true or false is 400")
    void regenerateBadFlag() {
        String id = createPlatform().get("id").asText();

        assertError(admin.patch("/v1/platforms/" + id + "?regenerateCredentials=yes", "{}"), 400, "BadRequest");
    }

    @Test
    @DisplayName("DELETE answers 200 with {} and the platform is gone")
    void delete() {
        String id = createPlatform().get("id").asText();

        ApiResponse response = admin.delete("/v1/platforms/" + id);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().isObject()).isTrue();
        assertThat(response.json().size()).isZero();
        assertThat(admin.get("/v1/platforms/" + id).status()).isEqualTo(404);
        assertError(admin.delete("/v1/platforms/" + id), 404, "NotFound");
    }

    @Test
    @DisplayName("a deleted platform's credentials are refused at once, though they were just used")
    void deletedPlatformIsRefusedAtOnce() {
        JsonNode created = createPlatform();
        ApiClient platform = platformClient(created);
        assertThat(platform.get("/v1/service_brokers").status()).isEqualTo(200);

        assertThat(admin.delete("/v1/platforms/" + created.get("id").asText()).status()).isEqualTo(200);

        assertError(platform.get("/v1/service_brokers"), 401, "Unauthorized");
    }

    @Test
    @DisplayName("regenerated credentials replace the old pair at once, though it was just used")
    void regeneratedPairIsUsableAtOnce() {
        JsonNode created = createPlatform();
        assertThat(platformClient(created).get("/v1/service_brokers").status()).isEqualTo(200);

        JsonNode regenerated = admin.patch("/v1/platforms/" + created.get("id").asText()
                + "?regenerateCredentials=true", "{}").json();

        assertThat(platformClient(regenerated).get("/v1/service_brokers").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("deleting a platform deletes its visibilities, and its credentials stop working")
    void deleteRemovesVisibilities() {
        FakeBroker broker = broker();
        String brokerId = registerBroker(broker).get("id").asText();
        String planId = plansOfBroker(brokerId).get(0).get("id").asText();
        JsonNode platform = createPlatform();
        String visibilityId = createVisibility(planId, platform.get("id").asText()).get("id").asText();

        assertThat(admin.delete("/v1/platforms/" + platform.get("id").asText()).status()).isEqualTo(200);

        assertThat(admin.get("/v1/visibilities/" + visibilityId).status()).isEqualTo(404);
        assertThat(platformClient(platform).get("/v1/service_brokers").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("DELETE with a fieldQuery deletes the matching platforms only and answers 200 {}")
    void bulkDelete() {
        String prefix = unique("bulk");
        String a = createPlatform(prefix + "-a").get("id").asText();
        String b = createPlatform(prefix + "-b").get("id").asText();
        String other = createPlatform().get("id").asText();

        ApiResponse response = admin.delete("/v1/platforms?fieldQuery=" + q("name in ('" + prefix + "-a', '"
                + prefix + "-b')"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().size()).isZero();
        assertThat(admin.get("/v1/platforms/" + a).status()).isEqualTo(404);
        assertThat(admin.get("/v1/platforms/" + b).status()).isEqualTo(404);
        assertThat(admin.get("/v1/platforms/" + other).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("DELETE of the collection without a query is 400 and deletes nothing")
    void bulkDeleteWithoutQuery() {
        String id = createPlatform().get("id").asText();

        assertError(admin.delete("/v1/platforms"), 400, "BadRequest");
        assertError(admin.delete("/v1/platforms?fieldQuery="), 400, "BadRequest");
        assertThat(admin.get("/v1/platforms/" + id).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("DELETE with a query that matches nothing is 404")
    void bulkDeleteNothing() {
        assertError(admin.delete("/v1/platforms?fieldQuery=" + q("name eq '" + unique("none") + "'")), 404,
                "NotFound");
    }

    @Test
    @DisplayName("DELETE with an invalid query is 400 InvalidFieldQuery")
    void bulkDeleteBadQuery() {
        assertError(admin.delete("/v1/platforms?fieldQuery=" + q("nmae eq 'x'")), 400, "InvalidFieldQuery");
    }

    @Test
    @DisplayName("regenerating twice before use keeps the original pair valid and drops the unused middle pair")
    void regenerateTwice() {
        JsonNode created = createPlatform();
        String id = created.get("id").asText();
        ApiClient original = platformClient(created);
        ApiClient middle = platformClient(admin.patch("/v1/platforms/" + id + "?regenerateCredentials=true", "{}")
                .json());
        ApiClient latest = platformClient(admin.patch("/v1/platforms/" + id + "?regenerateCredentials=true", "{}")
                .json());

        assertThat(original.get("/v1/service_brokers").status()).isEqualTo(200);
        assertError(middle.get("/v1/service_brokers"), 401, "Unauthorized");
        assertThat(latest.get("/v1/service_brokers").status()).isEqualTo(200);
        assertError(original.get("/v1/service_brokers"), 401, "Unauthorized");
    }

    @Test
    @DisplayName("regenerateCredentials=false changes nothing about the credentials and returns none")
    void regenerateFalse() {
        JsonNode created = createPlatform();

        ApiResponse response = admin.patch("/v1/platforms/" + created.get("id").asText()
                + "?regenerateCredentials=false", "{}");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().has("credentials")).isFalse();
        assertThat(platformClient(created).get("/v1/service_brokers").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("PATCH moves updated_at forward and keeps created_at")
    void patchTimestamps() {
        JsonNode created = createPlatform();

        JsonNode patched = admin.patch("/v1/platforms/" + created.get("id").asText(), json("description", "x")).json();

        assertThat(patched.get("created_at").asText()).isEqualTo(created.get("created_at").asText());
        assertThat(java.time.Instant.parse(patched.get("updated_at").asText()))
                .isAfter(java.time.Instant.parse(created.get("updated_at").asText()));
    }

    @Test
    @DisplayName("bulk DELETE of platforms also removes their visibilities")
    void bulkDeleteRemovesVisibilities() {
        String brokerId = registerBroker(broker()).get("id").asText();
        String planId = plansOfBroker(brokerId).get(0).get("id").asText();
        JsonNode platform = createPlatform();
        String platformId = platform.get("id").asText();
        String visibilityId = createVisibility(planId, platformId).get("id").asText();

        assertThat(admin.delete("/v1/platforms?fieldQuery=" + q("id eq '" + platformId + "'")).status())
                .isEqualTo(200);

        assertThat(admin.get("/v1/visibilities/" + visibilityId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("of several creations of one name at the same time exactly one succeeds, the others are 409")
    void concurrentCreation() throws Exception {
        String name = unique("race");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<ApiResponse>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(pool.submit(() -> admin.post("/v1/platforms", json("name", name, "type", "cf"))));
            }
            List<Integer> statuses = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<ApiResponse> answer : answers) {
                statuses.add(answer.get().status());
            }

            assertThat(statuses).containsOnly(201, 409).containsOnlyOnce(201);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    @DisplayName("bulk DELETE by labelQuery deletes the platforms with that label")
    void bulkDeleteByLabel() {
        String run = unique("label-run");
        String id = admin.post("/v1/platforms", json("name", unique("p"), "type", "cf", "labels",
                java.util.Map.of("run", List.of(run)))).json().get("id").asText();
        String other = createPlatform().get("id").asText();

        assertThat(admin.delete("/v1/platforms?labelQuery=" + q("run eq '" + run + "'")).status()).isEqualTo(200);

        assertThat(admin.get("/v1/platforms/" + id).status()).isEqualTo(404);
        assertThat(admin.get("/v1/platforms/" + other).status()).isEqualTo(200);
        assertError(admin.delete("/v1/platforms?labelQuery=" + q("run gt 'x'")), 400, "InvalidLabelQuery");
    }
}
