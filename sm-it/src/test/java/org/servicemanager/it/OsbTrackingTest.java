package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.FakeOsbService.Failure;
import org.servicemanager.test.broker.FakeOsbService.Outcome;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/osb tracking: the records behind /v1/service_instances and /v1/service_bindings")
class OsbTrackingTest extends OsbTestBase {
    private static final String ASYNC = "?accepts_incomplete=true";

    private JsonNode record(String instanceId) {
        ApiResponse response = instanceRecord(instanceId);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private JsonNode binding(String bindingId) {
        ApiResponse response = bindingRecord(bindingId);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private String poll(String path) {
        ApiResponse response = osbA.get(path + "/last_operation");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.text("state");
    }

    private String asyncProvisioned(String plan) {
        String id = unique("i");
        ApiResponse response = osbA.put(stage.instance(id) + ASYNC, provisionBody(plan));
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        return id;
    }

    // ---- instances -----------------------------------------------------------------------------

    @Test
    @DisplayName("a synchronous provision is recorded with platform, plan, context, dashboard URL, ready and usable")
    void syncProvisionRecorded() {
        String id = provisioned(osbA, "small");

        JsonNode instance = record(id);
        assertThat(instance.get("platform_id").asText()).isEqualTo(platformId(platformA));
        assertThat(instance.get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
        assertThat(instance.at("/context/organization_guid").asText()).isEqualTo("org-1");
        assertThat(instance.at("/context/instance_name").asText()).isEqualTo("my-small");
        assertThat(instance.get("dashboard_url").asText()).isEqualTo(FakeOsbService.dashboardUrl(id));
        assertThat(instance.get("ready").asBoolean()).isTrue();
        assertThat(instance.get("usable").asBoolean()).isTrue();
        assertThat(instance.at("/last_operation/state").asText()).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("a provision without context is recorded without one; nothing breaks")
    void provisionWithoutContext() {
        String id = unique("i");

        ApiResponse response = osbA.put(stage.instance(id), json("service_id", "db-id", "plan_id", "small-id"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(record(id).has("context")).isFalse();
        assertThat(record(id).has("name")).isFalse();
        assertThat(record(id).get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("a context without platform or instance_name is passed through and stored as given")
    void contextWithoutPlatform() {
        String id = unique("i");
        String body = json("service_id", "db-id", "plan_id", "small-id", "context", map("space_guid", "s-9"));

        assertThat(osbA.put(stage.instance(id), body).status()).isEqualTo(201);

        assertThat(stage.osbCalls().get(0).body()).isEqualTo(body);
        assertThat(record(id).get("context")).isEqualTo(parse("{\"space_guid\":\"s-9\"}"));
    }

    @Test
    @DisplayName("a repeated identical provision (broker answers 200) keeps one record")
    void repeatedProvision() {
        String id = provisioned(osbA, "small");

        ApiResponse again = osbA.put(stage.instance(id), provisionBody("small"));

        assertThat(again.status()).isEqualTo(200);
        assertThat(record(id).get("ready").asBoolean()).isTrue();
        assertThat(items("/v1/service_instances?fieldQuery=" + q("id eq '" + id + "'"))).hasSize(1);
    }

    @Test
    @DisplayName("a provision the broker refuses (409) leaves no record")
    void refusedProvision() {
        String id = unique("i");
        stage.osb.failNextCall(Failure.CONCURRENCY_ERROR);

        assertThat(osbA.put(stage.instance(id), provisionBody("small")).status()).isEqualTo(422);

        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("an async provision is not ready until last_operation says succeeded")
    void asyncProvision() {
        stage.osb.asynchronous(1);
        String id = asyncProvisioned("small");

        assertThat(record(id).get("ready").asBoolean()).isFalse();
        assertThat(record(id).at("/last_operation/state").asText()).isEqualTo("in progress");
        assertThat(poll(stage.instance(id))).isEqualTo("in progress");
        assertThat(record(id).get("ready").asBoolean()).isFalse();
        assertThat(poll(stage.instance(id))).isEqualTo("succeeded");

        JsonNode instance = record(id);
        assertThat(instance.get("ready").asBoolean()).isTrue();
        assertThat(instance.get("usable").asBoolean()).isTrue();
        assertThat(instance.at("/last_operation/state").asText()).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("an async provision that fails keeps the record, failed and not ready")
    void asyncProvisionFails() {
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, false);
        String id = asyncProvisioned("small");

        assertThat(poll(stage.instance(id))).isEqualTo("failed");

        JsonNode instance = record(id);
        assertThat(instance.get("ready").asBoolean()).isFalse();
        assertThat(instance.at("/last_operation/type").asText()).isEqualTo("create");
        assertThat(instance.at("/last_operation/state").asText()).isEqualTo("failed");
        JsonNode listed = items("/v1/service_instances?fieldQuery=" + q("id eq '" + id + "'")).get(0);
        assertThat(listed.get("ready").asBoolean()).isFalse();
    }

    @Test
    @DisplayName("the record of a failed async provision goes when the deprovision is confirmed (410)")
    void failedProvisionDeprovisioned() {
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, false);
        String id = asyncProvisioned("small");
        poll(stage.instance(id));
        stage.osb.reset();
        stage.broker.clearRequests();

        assertThat(osbA.delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(410);

        assertThat(stage.osbCalls()).extracting(r -> r.method()).containsExactly("DELETE");
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("the record of a failed async provision stays while the deprovision fails")
    void failedProvisionDeprovisionFails() {
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, false);
        String id = asyncProvisioned("small");
        poll(stage.instance(id));
        stage.osb.reset().failNextCall(Failure.SERVER_ERROR);

        assertThat(osbA.delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(500);

        assertThat(record(id).at("/last_operation/state").asText()).isEqualTo("failed");
    }

    @Test
    @DisplayName("a provision the broker answers with 204 is a 502 naming the broker and the status; the record "
            + "stays not ready until the platform's orphan mitigation is confirmed")
    void provisionAnswered204() {
        Stage s = newStage(defaultCatalog());
        s.broker.route("PUT", FakeOsbService.INSTANCE_PATH, r -> Reply.of(204, "application/json", new byte[0]));
        String id = unique("i");

        ApiResponse response = osbA.put(s.instance(id), provisionBody("small"));

        assertOsbError(response, 502);
        assertThat(response.text("description")).contains(s.brokerName).contains("204");
        assertThat(record(id).get("ready").asBoolean()).isFalse();
        assertOrphanMitigationRemoves(s, id);
    }

    @Test
    @DisplayName("a provision the broker fails (500) keeps a not-ready record, since the broker may hold the "
            + "instance; the platform's orphan mitigation removes it once confirmed")
    void provisionServerError() {
        Stage s = newStage(defaultCatalog());
        s.osb.failNextCall(Failure.SERVER_ERROR);
        String id = unique("i");

        assertThat(osbA.put(s.instance(id), provisionBody("small")).status()).isEqualTo(500);

        JsonNode kept = record(id);
        assertThat(kept.get("ready").asBoolean()).isFalse();
        assertThat(kept.at("/last_operation/type").asText()).isEqualTo("create");
        assertOrphanMitigationRemoves(s, id);
    }

    @Test
    @DisplayName("a provision answered 201 with a body that is not JSON is a 502 and keeps a not-ready record")
    void provisionAnsweredNotJson() {
        Stage s = newStage(defaultCatalog());
        s.osb.failNextCall(Failure.INVALID_JSON);
        String id = unique("i");

        assertOsbError(osbA.put(s.instance(id), provisionBody("small")), 502);

        assertThat(record(id).get("ready").asBoolean()).isFalse();
    }

    /** The platform deprovisions (orphan mitigation); the broker confirms, and the record goes. */
    private void assertOrphanMitigationRemoves(Stage s, String id) {
        s.broker.clearRequests();
        assertThat(osbA.delete(s.instance(id) + idsQuery("db", "small")).status()).isIn(200, 410);
        assertThat(s.osbCalls()).extracting(r -> r.method()).containsExactly("DELETE");
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a synchronous update changes the plan at once")
    void syncUpdate() {
        String id = provisioned(osbA, "small");

        ApiResponse response = osbA.patch(stage.instance(id), json("service_id", "db-id", "plan_id", "large-id"));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(record(id).get("service_plan_id").asText()).isEqualTo(stage.plan("large"));
    }

    @Test
    @DisplayName("an async update changes the plan only when last_operation says succeeded")
    void asyncUpdate() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(1);

        assertThat(osbA.patch(stage.instance(id) + ASYNC, json("service_id", "db-id", "plan_id", "large-id"))
                .status()).isEqualTo(202);
        assertThat(record(id).get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
        assertThat(poll(stage.instance(id))).isEqualTo("in progress");
        assertThat(record(id).get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
        assertThat(poll(stage.instance(id))).isEqualTo("succeeded");

        assertThat(record(id).get("service_plan_id").asText()).isEqualTo(stage.plan("large"));
        assertThat(record(id).get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("a failed async update keeps the old plan and usable follows the broker's instance_usable")
    void asyncUpdateFails() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, false);
        osbA.patch(stage.instance(id) + ASYNC, json("service_id", "db-id", "plan_id", "large-id"));

        assertThat(poll(stage.instance(id))).isEqualTo("failed");

        JsonNode instance = record(id);
        assertThat(instance.get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
        assertThat(instance.get("usable").asBoolean()).isFalse();
        assertThat(instance.get("ready").asBoolean()).isTrue();
        assertThat(instance.at("/last_operation/state").asText()).isEqualTo("failed");
    }

    @Test
    @DisplayName("a failed async update with instance_usable true leaves the instance usable")
    void asyncUpdateFailsUsable() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, true);
        osbA.patch(stage.instance(id) + ASYNC, json("service_id", "db-id", "plan_id", "large-id"));

        poll(stage.instance(id));

        assertThat(record(id).get("usable").asBoolean()).isTrue();
        assertThat(record(id).get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
    }

    @Test
    @DisplayName("a deprovision answered 200 removes the record")
    void deprovision() {
        String id = provisioned(osbA, "small");

        assertThat(osbA.delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(200);

        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a deprovision answered 410 Gone removes the record")
    void deprovisionGone() {
        String id = provisioned(osbA, "small");
        stage.osb.failNextCall(Failure.GONE);

        assertThat(osbA.delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(410);

        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a deprovision the broker fails keeps the record")
    void deprovisionFails() {
        String id = provisioned(osbA, "small");
        stage.osb.failNextCall(Failure.SERVER_ERROR);

        assertThat(osbA.delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(500);

        assertThat(record(id).get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("an async deprovision removes the record when last_operation says succeeded")
    void asyncDeprovision() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(1);

        assertThat(osbA.delete(stage.instance(id) + ASYNC + "&service_id=db-id&plan_id=small-id").status())
                .isEqualTo(202);
        assertThat(poll(stage.instance(id))).isEqualTo("in progress");
        assertThat(record(id).at("/last_operation/type").asText()).isEqualTo("delete");
        assertThat(poll(stage.instance(id))).isEqualTo("succeeded");

        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("an async deprovision removes the record when last_operation answers 410 Gone")
    void asyncDeprovisionGone() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(3);
        osbA.delete(stage.instance(id) + ASYNC + "&service_id=db-id&plan_id=small-id");
        stage.osb.failNextCall(Failure.GONE);

        assertThat(osbA.get(stage.instance(id) + "/last_operation").status()).isEqualTo(410);

        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a failed async deprovision keeps the record")
    void asyncDeprovisionFails() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, true);
        osbA.delete(stage.instance(id) + ASYNC + "&service_id=db-id&plan_id=small-id");

        assertThat(poll(stage.instance(id))).isEqualTo("failed");

        assertThat(record(id).at("/last_operation/state").asText()).isEqualTo("failed");
    }

    // ---- bindings ------------------------------------------------------------------------------

    @Test
    @DisplayName("a synchronous bind is recorded with instance, platform and context, ready")
    void syncBind() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");

        JsonNode binding = binding(bindingId);
        assertThat(binding.get("service_instance_id").asText()).isEqualTo(id);
        assertThat(binding.get("platform_id").asText()).isEqualTo(platformId(platformA));
        assertThat(binding.at("/context/platform").asText()).isEqualTo("cloudfoundry");
        assertThat(binding.at("/bind_resource/app_guid").asText()).isEqualTo("app-1");
        assertThat(binding.get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("binding credentials reach the platform but are never stored")
    void credentialsNeverStored() {
        String id = provisioned(osbA, "small");
        String bindingId = unique("b");
        ApiResponse bound = osbA.put(stage.binding(id, bindingId), bindBody("db", "small"));
        String password = stage.osb.passwordOf(bindingId).orElseThrow();

        assertThat(bound.json().at("/credentials/password").asText()).isEqualTo(password);
        assertThat(bindingRecord(bindingId).body()).doesNotContain(password).doesNotContain("credentials");
        assertThat(admin.get("/v1/service_bindings?max_items=500").body()).doesNotContain(password);
        assertThat(admin.get("/v1/service_instances?max_items=500").body()).doesNotContain(password);
    }

    @Test
    @DisplayName("an async bind is not ready until last_operation says succeeded")
    void asyncBind() {
        String id = provisioned(osbA, "small");
        String bindingId = unique("b");
        stage.osb.asynchronous(1);

        assertThat(osbA.put(stage.binding(id, bindingId) + ASYNC, bindBody("db", "small")).status()).isEqualTo(202);
        assertThat(binding(bindingId).get("ready").asBoolean()).isFalse();
        assertThat(poll(stage.binding(id, bindingId))).isEqualTo("in progress");
        assertThat(binding(bindingId).get("ready").asBoolean()).isFalse();
        assertThat(poll(stage.binding(id, bindingId))).isEqualTo("succeeded");

        assertThat(binding(bindingId).get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("an async bind that fails keeps the record, failed and not ready, until the unbind is confirmed")
    void asyncBindFails() {
        String id = provisioned(osbA, "small");
        String bindingId = unique("b");
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, true);
        osbA.put(stage.binding(id, bindingId) + ASYNC, bindBody("db", "small"));

        assertThat(poll(stage.binding(id, bindingId))).isEqualTo("failed");

        assertThat(binding(bindingId).get("ready").asBoolean()).isFalse();
        assertThat(binding(bindingId).at("/last_operation/state").asText()).isEqualTo("failed");
        stage.osb.reset();
        assertThat(osbA.delete(stage.binding(id, bindingId) + idsQuery("db", "small")).status()).isEqualTo(410);
        assertThat(bindingRecord(bindingId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a bind the broker answers with 204 is a 502 naming the broker and the status; the record stays "
            + "not ready until the platform's unbind is confirmed")
    void bindAnswered204() {
        Stage s = newStage(defaultCatalog());
        s.broker.route("PUT", FakeOsbService.BINDING_PATH, r -> Reply.of(204, "application/json", new byte[0]));
        String id = unique("i");
        assertThat(osbA.put(s.instance(id), provisionBody("small")).status()).isEqualTo(201);
        String bindingId = unique("b");

        ApiResponse response = osbA.put(s.binding(id, bindingId), bindBody("db", "small"));

        assertOsbError(response, 502);
        assertThat(response.text("description")).contains(s.brokerName).contains("204");
        assertThat(binding(bindingId).get("ready").asBoolean()).isFalse();
        assertThat(osbA.delete(s.binding(id, bindingId) + idsQuery("db", "small")).status()).isIn(200, 410);
        assertThat(bindingRecord(bindingId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("an unbind answered 200 or 410 removes the record")
    void unbind() {
        String id = provisioned(osbA, "small");
        String first = bound(osbA, id, "small");
        String second = bound(osbA, id, "small");

        assertThat(osbA.delete(stage.binding(id, first) + idsQuery("db", "small")).status()).isEqualTo(200);
        stage.osb.failNextCall(Failure.GONE);
        assertThat(osbA.delete(stage.binding(id, second) + idsQuery("db", "small")).status()).isEqualTo(410);

        assertThat(bindingRecord(first).status()).isEqualTo(404);
        assertThat(bindingRecord(second).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("an async unbind removes the record when last_operation says succeeded")
    void asyncUnbind() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");
        stage.osb.asynchronous(1);

        assertThat(osbA.delete(stage.binding(id, bindingId) + ASYNC + "&service_id=db-id&plan_id=small-id")
                .status()).isEqualTo(202);
        assertThat(poll(stage.binding(id, bindingId))).isEqualTo("in progress");
        assertThat(bindingRecord(bindingId).status()).isEqualTo(200);
        assertThat(poll(stage.binding(id, bindingId))).isEqualTo("succeeded");

        assertThat(bindingRecord(bindingId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("deprovisioning an instance removes its binding records too")
    void bindingsGoWithTheirInstance() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");

        osbA.delete(stage.instance(id) + idsQuery("db", "small"));

        assertThat(bindingRecord(bindingId).status()).isEqualTo(404);
    }

    // ---- the admin read API --------------------------------------------------------------------

    @Test
    @DisplayName("instances can be queried by field (platform_id, service_plan_id) and paged")
    void fieldQueriesAndPaging() {
        JsonNode platform = createPlatform();
        ApiClient osb = osbClient(platform);
        String a = provisioned(osb, "small");
        String b = provisioned(osb, "small");
        String c = provisioned(osb, "large");
        String byPlatform = "/v1/service_instances?fieldQuery=" + q("platform_id eq '" + platformId(platform) + "'");

        assertThat(ids(items(byPlatform))).containsExactlyInAnyOrder(a, b, c);
        assertThat(ids(items("/v1/service_instances?fieldQuery=" + q("platform_id eq '" + platformId(platform)
                + "' and service_plan_id eq '" + stage.plan("large") + "'")))).containsExactly(c);
        JsonNode first = admin.get(byPlatform + "&max_items=2").json();
        assertThat(first.get("num_items").asInt()).isEqualTo(3);
        assertThat(first.get("items")).hasSize(2);
        JsonNode second = admin.get(byPlatform + "&max_items=2&token=" + first.get("token").asText()).json();
        assertThat(second.get("items")).hasSize(1);
        assertThat(ids(first)).doesNotContainAnyElementsOf(ids(second));
    }

    @Test
    @DisplayName("bindings can be queried by service_instance_id")
    void bindingQueries() {
        String id = provisioned(osbA, "small");
        String first = bound(osbA, id, "small");
        String second = bound(osbA, id, "small");

        assertThat(ids(items("/v1/service_bindings?fieldQuery=" + q("service_instance_id eq '" + id + "'"))))
                .containsExactlyInAnyOrder(first, second);
    }

    @Test
    @DisplayName("a labelQuery on instances is accepted; OSB-created instances carry no labels")
    void labelQuery() {
        provisioned(osbA, "small");

        assertThat(items("/v1/service_instances?labelQuery=" + q("team eq 'x'"))).isEmpty();
    }

    // ---- references ----------------------------------------------------------------------------

    @Test
    @DisplayName("a broker with instances cannot be deleted: 409 ExistingReferenceEntity naming them")
    void brokerWithInstances() {
        Stage s = newStage(defaultCatalog());
        String id = unique("i");
        assertThat(osbA.put(s.instance(id), provisionBody("small")).status()).isEqualTo(201);

        ApiResponse response = admin.delete("/v1/service_brokers/" + s.brokerId);

        assertError(response, 409, "ExistingReferenceEntity");
        assertThat(description(response)).contains(id);
        assertThat(admin.get("/v1/service_brokers/" + s.brokerId).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a plan with instances cannot be removed by a catalog refresh: 409 ExistingReferenceEntity")
    void planWithInstances() {
        Stage s = newStage(defaultCatalog());
        String id = unique("i");
        assertThat(osbA.put(s.instance(id), provisionBody("large")).status()).isEqualTo(201);
        s.broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small"))));

        ApiResponse response = admin.patch("/v1/service_brokers/" + s.brokerId, "{}");

        assertError(response, 409, "ExistingReferenceEntity");
        assertThat(description(response)).contains(id);
        assertThat(admin.get("/v1/service_plans/" + s.plan("large")).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a platform with instances cannot be deleted: 409 ExistingReferenceEntity")
    void platformWithInstances() {
        JsonNode platform = createPlatform();
        String id = provisioned(osbClient(platform), "small");

        ApiResponse response = admin.delete("/v1/platforms/" + platformId(platform));

        assertError(response, 409, "ExistingReferenceEntity");
        assertThat(description(response)).contains(id);
    }
}
