package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/osb: what the Service Manager refuses before the broker sees it")
class OsbEnforcementTest extends OsbTestBase {

    private void assertRefused(ApiResponse response, int status) {
        assertOsbError(response, status);
        assertThat(stage.osbCalls()).as("calls that reached the broker").isEmpty();
    }

    @Test
    @DisplayName("provision with an unknown service_id is 400; the broker is not called")
    void provisionUnknownService() {
        assertRefused(osbA.put(stage.instance(unique("i")), provisionBody("nope", "small", "org-1")), 400);
    }

    @Test
    @DisplayName("provision with an unknown plan_id is 400; the broker is not called")
    void provisionUnknownPlan() {
        assertRefused(osbA.put(stage.instance(unique("i")), provisionBody("nope")), 400);
    }

    @Test
    @DisplayName("provision with a plan of another offering of the broker is 400; the broker is not called")
    void provisionPlanOfOtherService() {
        assertRefused(osbA.put(stage.instance(unique("i")), provisionBody("db", "basic", "org-1")), 400);
    }

    @Test
    @DisplayName("provision to a plan not visible to the platform is 400 naming the plan; the broker is not called")
    void provisionInvisiblePlan() {
        String id = unique("i");
        ApiResponse response = osbA.put(stage.instance(id), provisionBody("secret-db"));

        assertRefused(response, 400);
        assertThat(response.text("description")).contains("secret-db");
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a hidden plan or offering gets the same 400 as ids that name nothing, so a platform cannot learn "
            + "that it exists, nor its name")
    void hiddenLikeUnknown() {
        String id = unique("i");
        String instanceId = provisioned(osbA, "small");
        stage.broker.clearRequests();
        String[][] pairs = {{"db-id", "secret-db-id"}, {"db-id", "nope-id"}, {"hidden-id", "secret-id"},
            {"nope-id", "secret-id"}};
        java.util.Set<String> provisions = new java.util.HashSet<>();
        java.util.Set<String> deletes = new java.util.HashSet<>();
        java.util.Set<String> binds = new java.util.HashSet<>();
        java.util.Set<String> updates = new java.util.HashSet<>();
        for (String[] ids : pairs) {
            ApiResponse provision = osbA.put(stage.instance(id), json("service_id", ids[0], "plan_id", ids[1]));
            ApiResponse delete = osbA.delete(stage.instance(id) + "?service_id=" + ids[0] + "&plan_id=" + ids[1]);
            ApiResponse bind = osbA.put(stage.binding(instanceId, unique("b")),
                    json("service_id", ids[0], "plan_id", ids[1]));
            ApiResponse update = osbA.patch(stage.instance(instanceId), json("service_id", "db-id", "plan_id",
                    ids[1]));
            for (ApiResponse response : List.of(provision, delete, bind)) {
                assertRefused(response, 400);
            }
            provisions.add(anonymous(provision, ids));
            deletes.add(anonymous(delete, ids));
            binds.add(anonymous(bind, ids));
            if (ids[0].equals("db-id")) {
                assertRefused(update, 400);
                updates.add(anonymous(update, ids));
            }
        }

        assertThat(provisions).hasSize(1);
        assertThat(deletes).hasSize(1);
        assertThat(binds).hasSize(1);
        assertThat(updates).hasSize(1);
    }

    /** The description with the ids the platform sent taken out. */
    private static String anonymous(ApiResponse response, String[] ids) {
        return response.text("description").replace("'" + ids[1] + "'", "<plan_id>")
                .replace("'" + ids[0] + "'", "<service_id>");
    }

    @Test
    @DisplayName("provision without service_id or plan_id is 400; the broker is not called")
    void provisionWithoutIds() {
        assertRefused(osbA.put(stage.instance(unique("i")), json("service_id", "db-id")), 400);
    }

    @Test
    @DisplayName("Cloud Foundry: a visibility labelled organization_guid org-1 lets org-1 provision, not org-2")
    void organizationScopedVisibility() {
        Stage s = newStage(defaultCatalog());
        admin.post("/v1/visibilities", json("service_plan_id", s.plan("secret-db"), "platform_id",
                platformId(platformA), "labels", Map.of("organization_guid", List.of("org-1"))));

        ApiResponse org1 = osbA.put(s.instance(unique("i")), provisionBody("db", "secret-db", "org-1"));
        ApiResponse org2 = osbA.put(s.instance(unique("i")), provisionBody("db", "secret-db", "org-2"));

        assertThat(org1.status()).as(org1.body()).isEqualTo(201);
        assertOsbError(org2, 400);
        assertThat(org2.text("description")).contains("org-2");
        assertThat(s.osbCalls()).hasSize(1);
    }

    @Test
    @DisplayName("for a platform that is not Cloud Foundry, organization_guid labels do not restrict provisioning")
    void organizationLabelsOnlyForCloudFoundry() {
        Stage s = newStage(defaultCatalog());
        ApiResponse created = admin.post("/v1/platforms", json("name", unique("k8s"), "type", "kubernetes"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        admin.post("/v1/visibilities", json("service_plan_id", s.plan("secret-db"), "platform_id",
                platformId(created.json()), "labels", Map.of("organization_guid", List.of("org-1"))));

        ApiResponse response = osbClient(created.json()).put(s.instance(unique("i")),
                provisionBody("db", "secret-db", "org-2"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("Cloud Foundry: a visibility without organization_guid label applies to every org")
    void unscopedVisibility() {
        ApiResponse response = osbA.put(stage.instance(unique("i")), provisionBody("db", "small", "org-2"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("update to an unknown plan_id is 400; the broker is not called")
    void updateUnknownPlan() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();

        assertRefused(osbA.patch(stage.instance(id), json("service_id", "db-id", "plan_id", "nope-id")), 400);
    }

    @Test
    @DisplayName("update with an unknown service_id is 400; the broker is not called")
    void updateUnknownService() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();

        assertRefused(osbA.patch(stage.instance(id), json("service_id", "nope-id", "plan_id", "large-id")), 400);
    }

    @Test
    @DisplayName("update to a plan not visible to the platform is 400; the broker is not called")
    void updateToInvisiblePlan() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();

        assertRefused(osbA.patch(stage.instance(id), json("service_id", "db-id", "plan_id", "secret-db-id")), 400);
    }

    @Test
    @DisplayName("a plan change from a plan with plan_updateable false is 400, though the offering allows it")
    void planNotUpdateable() {
        String id = provisioned(osbA, "fixed");
        stage.broker.clearRequests();

        ApiResponse response = osbA.patch(stage.instance(id), json("service_id", "db-id", "plan_id", "large-id"));

        assertRefused(response, 400);
        assertThat(response.text("description")).contains("plan_updateable");
    }

    @Test
    @DisplayName("an update of a plan_updateable false instance that keeps the plan is forwarded")
    void updateWithoutPlanChange() {
        String id = provisioned(osbA, "fixed");

        ApiResponse response = osbA.patch(stage.instance(id), json("service_id", "db-id",
                "parameters", Map.of("size", 5)));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("bind on a plan with bindable false is 400, though its offering is bindable")
    void planNotBindable() {
        String id = provisioned(osbA, "nobind");
        stage.broker.clearRequests();

        ApiResponse response = osbA.put(stage.binding(id, unique("b")), bindBody("db", "nobind"));

        assertRefused(response, 400);
        assertThat(response.text("description")).contains("bindable");
    }

    @Test
    @DisplayName("bind on a plan with bindable true is forwarded, though its offering is not bindable")
    void planBindableOverridesOffering() {
        String id = unique("i");
        assertThat(osbA.put(stage.instance(id), provisionBody("cache", "basic", "org-1")).status()).isEqualTo(201);

        ApiResponse response = osbA.put(stage.binding(id, unique("b")), bindBody("cache", "basic"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("fetch instance where instances_retrievable is false is 400; the broker is not called")
    void instancesNotRetrievable() {
        String id = unique("i");
        osbA.put(stage.instance(id), provisionBody("cache", "basic", "org-1"));
        stage.broker.clearRequests();

        ApiResponse response = osbA.get(stage.instance(id));

        assertRefused(response, 400);
        assertThat(response.text("description")).contains("instances_retrievable");
    }

    @Test
    @DisplayName("fetch binding where bindings_retrievable is false is 400; the broker is not called")
    void bindingsNotRetrievable() {
        String id = unique("i");
        String bindingId = unique("b");
        osbA.put(stage.instance(id), provisionBody("cache", "basic", "org-1"));
        osbA.put(stage.binding(id, bindingId), bindBody("cache", "basic"));
        stage.broker.clearRequests();

        ApiResponse response = osbA.get(stage.binding(id, bindingId));

        assertRefused(response, 400);
        assertThat(response.text("description")).contains("bindings_retrievable");
    }

    @Test
    @DisplayName("fetch instance and binding where retrievable are forwarded")
    void retrievable() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");

        assertThat(osbA.get(stage.instance(id)).text("plan_id")).isEqualTo("small-id");
        assertThat(osbA.get(stage.binding(id, bindingId)).json().has("credentials")).isTrue();
    }

    @Test
    @DisplayName("another platform gets 404 for GET, PATCH, DELETE and last_operation of an instance; the broker is not called")
    void instanceOwnership() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();

        assertRefused(osbB.get(stage.instance(id)), 404);
        assertRefused(osbB.patch(stage.instance(id), json("service_id", "db-id", "plan_id", "large-id")), 404);
        assertRefused(osbB.delete(stage.instance(id) + idsQuery("db", "small")), 404);
        assertRefused(osbB.get(stage.instance(id) + "/last_operation"), 404);
        assertThat(instanceRecord(id).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("another platform gets 404 for bind, GET, DELETE and last_operation of a binding; the broker is not called")
    void bindingOwnership() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");
        stage.broker.clearRequests();

        assertRefused(osbB.put(stage.binding(id, unique("b")), bindBody("db", "small")), 404);
        assertRefused(osbB.get(stage.binding(id, bindingId)), 404);
        assertRefused(osbB.delete(stage.binding(id, bindingId) + idsQuery("db", "small")), 404);
        assertRefused(osbB.get(stage.binding(id, bindingId) + "/last_operation"), 404);
        assertThat(bindingRecord(bindingId).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("provision of an instance id another platform owns is 404, as GET says; the broker is not called")
    void instanceIdOfAnotherPlatform() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();

        ApiResponse put = osbB.put(stage.instance(id), provisionBody("small"));

        assertRefused(put, 404);
        assertThat(put.body()).isEqualTo(osbB.get(stage.instance(id)).body());
        assertThat(instanceRecord(id).json().get("platform_id").asText()).isEqualTo(platformId(platformA));
    }

    @Test
    @DisplayName("bind with a binding id another platform owns is 404, as GET says; the broker is not called")
    void bindingIdOfAnotherPlatform() {
        String bindingId = bound(osbA, provisioned(osbA, "small"), "small");
        String own = provisioned(osbB, "small");
        stage.broker.clearRequests();

        assertRefused(osbB.put(stage.binding(own, bindingId), bindBody("db", "small")), 404);
        assertThat(bindingRecord(bindingId).json().get("platform_id").asText()).isEqualTo(platformId(platformA));
    }

    @Test
    @DisplayName("bind with an existing binding id but another plan is 409 naming the binding; the broker is not called")
    void bindingIdWithAnotherPlan() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");
        stage.broker.clearRequests();

        ApiResponse response = osbA.put(stage.binding(id, bindingId), bindBody("db", "large"));

        assertRefused(response, 409);
        assertThat(response.text("description")).contains(bindingId);
    }

    @Test
    @DisplayName("bind with an existing binding id but another service is 409; the broker is not called")
    void bindingIdWithAnotherService() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");
        stage.broker.clearRequests();

        assertRefused(osbA.put(stage.binding(id, bindingId), bindBody("cache", "basic")), 409);
    }

    @Test
    @DisplayName("bind with an existing binding id under another instance of the platform is 409; the broker is not "
            + "called")
    void bindingIdUnderAnotherInstance() {
        String bindingId = bound(osbA, provisioned(osbA, "small"), "small");
        String other = provisioned(osbA, "small");
        stage.broker.clearRequests();

        assertRefused(osbA.put(stage.binding(other, bindingId), bindBody("db", "small")), 409);
    }

    @Test
    @DisplayName("bind with a new binding id and a plan other than the instance's stays 400")
    void newBindingWithAnotherPlan() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();

        assertRefused(osbA.put(stage.binding(id, unique("b")), bindBody("db", "large")), 400);
    }

    @Test
    @DisplayName("unbind of a binding under another instance than its own does not touch the binding's record")
    void unbindUnderWrongInstance() {
        String id = provisioned(osbA, "small");
        String other = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");

        osbA.delete(stage.binding(other, bindingId) + idsQuery("db", "small"));
        osbA.get(stage.binding(other, bindingId) + "/last_operation");

        assertThat(bindingRecord(bindingId).status()).isEqualTo(200);
        assertThat(stage.osb.bindingIds()).contains(bindingId);
    }

    @Test
    @DisplayName("provision of an instance id the platform already has at another broker is 409; the broker is not called")
    void instanceIdAtAnotherBroker() {
        Stage other = newStage(defaultCatalog());
        String id = provisioned(osbA, "small");

        ApiResponse response = osbA.put(other.instance(id), provisionBody("small"));

        assertOsbError(response, 409);
        assertThat(other.osbCalls()).isEmpty();
        assertThat(instanceRecord(id).json().get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
    }

    @Test
    @DisplayName("deprovision and last_operation of an instance through another broker are 404 and leave the record")
    void instanceThroughAnotherBroker() {
        Stage other = newStage(defaultCatalog());
        String id = provisioned(osbA, "small");

        assertOsbError(osbA.delete(other.instance(id) + idsQuery("db", "small")), 404);
        assertOsbError(osbA.get(other.instance(id) + "/last_operation"), 404);

        assertThat(other.osbCalls()).isEmpty();
        assertThat(instanceRecord(id).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a visibility created after a refused provision lets the next one through at once")
    void visibilityCreatedCountsAtOnce() {
        Stage s = newStage(defaultCatalog());
        assertOsbError(osbA.put(s.instance(unique("i")), provisionBody("db", "secret-db", "org-1")), 400);

        createVisibility(s.plan("secret-db"), platformId(platformA));
        ApiResponse response = osbA.put(s.instance(unique("i")), provisionBody("db", "secret-db", "org-1"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(s.osbCalls()).hasSize(1);
    }

    @Test
    @DisplayName("a deleted visibility refuses the next provision at once; the broker is not called")
    void visibilityDeletedCountsAtOnce() {
        Stage s = newStage(defaultCatalog());
        String visibility = createVisibility(s.plan("secret-db"), platformId(platformA)).get("id").asText();
        ApiResponse first = osbA.put(s.instance(unique("i")), provisionBody("db", "secret-db", "org-1"));
        assertThat(first.status()).as(first.body()).isEqualTo(201);

        assertThat(admin.delete("/v1/visibilities/" + visibility).status()).isEqualTo(200);
        ApiResponse second = osbA.put(s.instance(unique("i")), provisionBody("db", "secret-db", "org-1"));

        assertOsbError(second, 400);
        assertThat(s.osbCalls()).as("only the first provision reached the broker").hasSize(1);
    }

    @Test
    @DisplayName("a plan that a broker PATCH brings in can be provisioned at once")
    void planFromRefreshCountsAtOnce() {
        Stage s = newStage(defaultCatalog());
        ApiResponse unknown = osbA.put(s.instance(unique("i")), provisionBody("db", "huge", "org-1"));
        assertOsbError(unknown, 400);
        assertThat(unknown.text("description")).contains("name no plan");
        s.broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small")).plan(Catalogs.plan("huge"))));
        assertThat(admin.patch("/v1/service_brokers/" + s.brokerId, "{}").status()).isEqualTo(200);
        // Known now, but not yet visible: refused like an unknown plan (a hidden plan is not told apart).
        ApiResponse invisible = osbA.put(s.instance(unique("i")), provisionBody("db", "huge", "org-1"));
        assertOsbError(invisible, 400);
        assertThat(invisible.text("description")).contains("name no plan");
        String huge = plansOfBroker(s.brokerId).stream().filter(p -> p.get("catalog_name").asText().equals("huge"))
                .findFirst().orElseThrow().get("id").asText();
        createPublicVisibility(huge);

        ApiResponse response = osbA.put(s.instance(unique("i")), provisionBody("db", "huge", "org-1"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }
}
