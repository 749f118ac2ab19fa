package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Instance sharing end to end (README, "Sharing instances"): a Kubernetes platform K provisions
 * through the OSB face, an administrator shares the instance, and a Cloud Foundry platform C (or the
 * Service Manager itself) creates a reference instance to it and binds it; the broker only ever
 * sees the shared instance.
 *
 * <p>The catalog: offering {@code sdb} with plans {@code shareable}, {@code shared-too} and
 * {@code shared-nobind} (not bindable), all with catalog metadata {@code supportsInstanceSharing:
 * true}, and {@code plain}; offering
 * {@code odb} with the shareable plan {@code other}; offering {@code nodb} with plan {@code only}.
 * Broker plans are public; the reference plans are visible to C and {@code service-manager} only.
 */
class InstanceSharingTest extends OsbTestBase {
    private static final String SHARING = "{\"supportsInstanceSharing\":true}";
    private static final String NO_MATCH = "no shared instance of this offering matches";

    Stage sharing;
    JsonNode platformK;
    JsonNode platformC;
    ApiClient osbK;
    ApiClient osbC;
    /** The reference plan of {@code sdb}: its Service Manager id and its catalog id (OSB plan_id). */
    String referencePlanId;
    String referenceCatalogId;
    String otherReferenceCatalogId;

    static String sharingCatalog() {
        return Catalogs.of(
                Catalogs.offering("sdb").set("plan_updateable", true).set("instances_retrievable", true)
                        .set("bindings_retrievable", true)
                        .plan(Catalogs.plan("shareable").setJson("metadata", SHARING))
                        .plan(Catalogs.plan("shared-too").setJson("metadata", SHARING))
                        .plan(Catalogs.plan("shared-nobind").setJson("metadata", SHARING).bindable(false))
                        .plan(Catalogs.plan("plain")),
                Catalogs.offering("odb").plan(Catalogs.plan("other").setJson("metadata", SHARING)),
                Catalogs.offering("nodb").plan(Catalogs.plan("only")));
    }

    @BeforeAll
    void sharingStage() {
        sharing = new Stage(sharingCatalog());
        sharing.planIds.forEach((name, id) -> {
            if (!name.equals("reference-instance")) {
                createPublicVisibility(id);
            }
        });
        ApiResponse k = admin.post("/v1/platforms", json("name", unique("k8s"), "type", "kubernetes"));
        assertThat(k.status()).as(k.body()).isEqualTo(201);
        platformK = k.json();
        platformC = createPlatform(unique("cf"));
        osbK = osbClient(platformK);
        osbC = osbClient(platformC);
        JsonNode reference = referencePlan("sdb");
        referencePlanId = reference.get("id").asText();
        referenceCatalogId = reference.get("catalog_id").asText();
        JsonNode otherReference = referencePlan("odb");
        otherReferenceCatalogId = otherReference.get("catalog_id").asText();
        createVisibility(referencePlanId, platformId(platformC));
        createVisibility(referencePlanId, "service-manager");
        createVisibility(otherReference.get("id").asText(), platformId(platformC));
    }

    @BeforeEach
    void forgetRequests() {
        sharing.broker.clearRequests();
    }

    /** The reference plans of the offering with catalog name {@code offering} (as the API lists them). */
    List<JsonNode> referencePlans(Stage s, String offering) {
        String offeringId = offeringsOfBroker(s.brokerId).stream()
                .filter(o -> o.get("catalog_name").asText().equals(offering)).findFirst().orElseThrow()
                .get("id").asText();
        return items("/v1/service_plans?fieldQuery=" + q("service_offering_id eq '" + offeringId
                + "' and name eq 'reference-instance'"));
    }

    JsonNode referencePlan(String offering) {
        List<JsonNode> plans = referencePlans(sharing, offering);
        assertThat(plans).hasSize(1);
        return plans.get(0);
    }

    // ---- helpers: K provisions, the admin shares, C references --------------------------------

    static String k8sProvision(String offering, String plan, String name) {
        return json("service_id", offering + "-id", "plan_id", plan + "-id", "organization_guid", "-",
                "space_guid", "-", "context", map("platform", "kubernetes", "namespace", "ns-1", "clusterid",
                        "cluster-1", "instance_name", name));
    }

    /** An instance of K on plan {@code plan} of {@code sdb}, provisioned through the OSB face. */
    String provisionedOnK(String plan, String name) {
        String id = unique("k-instance");
        ApiResponse response = osbK.put(sharing.instance(id), k8sProvision("sdb", plan, name));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return id;
    }

    ApiResponse share(String id, boolean shared) {
        return admin.patch("/v1/service_instances/" + id, json("shared", shared));
    }

    /** A shared instance of K on plan {@code shareable}, named {@code name}. */
    String sharedOnK(String name) {
        String id = provisionedOnK("shareable", name);
        ApiResponse response = share(id, true);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return id;
    }

    static String referenceProvision(String referenceCatalogId, Object parameters) {
        return json("service_id", "sdb-id", "plan_id", referenceCatalogId, "organization_guid", "org-1",
                "space_guid", "space-1", "context", map("platform", "cloudfoundry", "organization_guid", "org-1",
                        "space_guid", "space-1", "instance_name", "my-reference"), "parameters", parameters);
    }

    ApiResponse referenceOnC(String id, Object parameters) {
        return osbC.put(sharing.instance(id), referenceProvision(referenceCatalogId, parameters));
    }

    /** A reference instance of C to {@code sharedId}, made through the OSB face. */
    String referencedFromC(String sharedId) {
        String id = unique("c-reference");
        ApiResponse response = referenceOnC(id, map("referenced_instance_id", sharedId));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return id;
    }

    String referenceBindBody() {
        return json("service_id", "sdb-id", "plan_id", referenceCatalogId, "context", map("platform", "cloudfoundry"),
                "bind_resource", map("app_guid", "app-1"));
    }

    List<RecordedRequest> brokerCalls() {
        return sharing.osbCalls();
    }

    ApiResponse createOnSm(String planId, Object parameters) {
        return admin.post("/v1/service_instances", json("name", unique("sm"), "service_plan_id", planId,
                "parameters", parameters));
    }

    // ---- the reference plan --------------------------------------------------------------------

    /**
     * A stage of its own (offering {@code <p>db}, plans {@code <p>1} and {@code <p>2}, both
     * shareable) and a shared instance of {@code <p>1}.
     */
    private record SharedOnOwnStage(Stage stage, String sharedId) {
    }

    private SharedOnOwnStage sharedOnOwnStage(String p) {
        Stage s = new Stage(Catalogs.of(Catalogs.offering(p + "db").plan(Catalogs.plan(p + "1").setJson("metadata",
                SHARING)).plan(Catalogs.plan(p + "2").setJson("metadata", SHARING))));
        s.planIds.values().forEach(this::createPublicVisibility);
        ApiResponse created = admin.post("/v1/service_instances", json("name", unique(p), "service_plan_id",
                s.plan(p + "1")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String shared = created.json().get("id").asText();
        assertThat(share(shared, true).status()).isEqualTo(200);
        return new SharedOnOwnStage(s, shared);
    }

    /** The broker's catalog loses sharing on plan {@code <p>1} (the offering keeps it on {@code <p>2}); refreshed. */
    private void dropSharingOfFirstPlan(Stage s, String p) {
        s.broker.catalog(Catalogs.of(Catalogs.offering(p + "db").plan(Catalogs.plan(p + "1"))
                .plan(Catalogs.plan(p + "2").setJson("metadata", SHARING))));
        ApiResponse refresh = admin.patch("/v1/service_brokers/" + s.brokerId, "{}");
        assertThat(refresh.status()).as(refresh.body()).isEqualTo(200);
        s.broker.clearRequests();
    }

    @Nested
    @DisplayName("The reference plan")
    class ReferencePlan {
        @Test
        @DisplayName("an offering with a shareable plan gets one plan reference-instance: free, bindable, not updateable, with the reference parameters' schema")
        void added() {
            JsonNode plan = admin.get("/v1/service_plans/" + referencePlanId).json();

            assertThat(plan.get("name").asText()).isEqualTo("reference-instance");
            assertThat(plan.get("free").asBoolean()).isTrue();
            assertThat(plan.get("bindable").asBoolean()).isTrue();
            assertThat(plan.get("plan_updateable").asBoolean()).isFalse();
            JsonNode properties = plan.at("/schemas/service_instance/create/parameters/properties");
            assertThat(properties.has("referenced_instance_id")).as(plan.toString()).isTrue();
            assertThat(properties.at("/selectors/properties").has("instance_name_selector")).isTrue();
            assertThat(properties.at("/selectors/properties").has("plan_name_selector")).isTrue();
            assertThat(properties.at("/selectors/properties").has("instance_label_selector")).isTrue();
            assertThat(referencePlanId).isNotEqualTo(referenceCatalogId);
        }

        @Test
        @DisplayName("an offering without a shareable plan gets none")
        void notAdded() {
            assertThat(referencePlans(sharing, "nodb")).isEmpty();
        }

        @Test
        @DisplayName("a platform's OSB catalog shows the reference plan only with a visibility for it")
        void inOsbCatalogWithVisibility() {
            assertThat(plans(osbC, sharing)).contains("sdb:reference-instance", "odb:reference-instance");
            assertThat(plans(osbK, sharing)).contains("sdb:shareable").doesNotContain("sdb:reference-instance");
        }

        @Test
        @DisplayName("the reference plan goes with the last shareable plan and comes back with the same ids")
        void removedWithLastShareablePlan() {
            Stage s = new Stage(Catalogs.of(Catalogs.offering("xdb").plan(Catalogs.plan("x").setJson("metadata",
                    SHARING))));
            JsonNode before = referencePlans(s, "xdb").get(0);
            s.broker.catalog(Catalogs.of(Catalogs.offering("xdb").plan(Catalogs.plan("x"))));
            assertThat(admin.patch("/v1/service_brokers/" + s.brokerId, "{}").status()).isEqualTo(200);

            assertThat(referencePlans(s, "xdb")).isEmpty();

            s.broker.catalog(Catalogs.of(Catalogs.offering("xdb").plan(Catalogs.plan("x").setJson("metadata",
                    SHARING))));
            assertThat(admin.patch("/v1/service_brokers/" + s.brokerId, "{}").status()).isEqualTo(200);
            JsonNode after = referencePlans(s, "xdb").get(0);
            assertThat(after.get("id")).isEqualTo(before.get("id"));
            assertThat(after.get("catalog_id")).isEqualTo(before.get("catalog_id"));
        }

        @Test
        @DisplayName("a catalog change that would remove the reference plan while reference instances use it is refused")
        void removalRefusedWhileReferenced() {
            Stage s = new Stage(Catalogs.of(Catalogs.offering("ydb").plan(Catalogs.plan("y").setJson("metadata",
                    SHARING))));
            s.planIds.values().forEach(InstanceSharingTest.this::createPublicVisibility);
            String planId = s.plan("y");
            ApiResponse created = admin.post("/v1/service_instances", json("name", unique("y"), "service_plan_id",
                    planId));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String shared = created.json().get("id").asText();
            assertThat(share(shared, true).status()).isEqualTo(200);
            ApiResponse reference = createOnSm(s.plan("reference-instance"), map("referenced_instance_id", shared));
            assertThat(reference.status()).as(reference.body()).isEqualTo(201);
            s.broker.catalog(Catalogs.of(Catalogs.offering("ydb").plan(Catalogs.plan("y"))));

            ApiResponse refresh = admin.patch("/v1/service_brokers/" + s.brokerId, "{}");

            assertThat(refresh.status()).as(refresh.body()).isEqualTo(409);
            assertThat(referencePlans(s, "ydb")).hasSize(1);
        }

        @Test
        @DisplayName("a catalog with a plan of its own named reference-instance in an offering with a shareable plan is refused")
        void clashRefused() {
            String catalog = Catalogs.of(Catalogs.offering("zdb").plan(Catalogs.plan("z").setJson("metadata", SHARING))
                    .plan(Catalogs.plan("reference-instance")));

            ApiResponse response = admin.post("/v1/service_brokers", brokerBody(unique("clash"),
                    broker().catalog(catalog).url()));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("zdb").contains("reference-instance");
        }
    }

    // ---- share and unshare ---------------------------------------------------------------------

    @Nested
    @DisplayName("Sharing")
    class Sharing {
        @Test
        @DisplayName("an instance made through the OSB face is shared and unshared by PATCH, synchronously and without a broker call")
        void shareAndUnshare() {
            String id = provisionedOnK("shareable", "db-1");
            sharing.broker.clearRequests();

            ApiResponse shared = share(id, true);

            assertThat(shared.status()).as(shared.body()).isEqualTo(200);
            assertThat(shared.json().get("shared").asBoolean()).isTrue();
            assertThat(instanceRecord(id).json().get("shared").asBoolean()).isTrue();
            ApiResponse unshared = share(id, false);
            assertThat(unshared.status()).as(unshared.body()).isEqualTo(200);
            assertThat(instanceRecord(id).json().get("shared").asBoolean()).isFalse();
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("sharing a shared instance again changes nothing and answers 200")
        void idempotent() {
            String id = sharedOnK("db-2");
            JsonNode before = instanceRecord(id).json();

            ApiResponse again = share(id, true);

            assertThat(again.status()).as(again.body()).isEqualTo(200);
            assertThat(instanceRecord(id).json().get("updated_at")).isEqualTo(before.get("updated_at"));
        }

        @Test
        @DisplayName("an instance of a plan without supportsInstanceSharing cannot be shared: 400")
        void planNotShareable() {
            String id = provisionedOnK("plain", "db-3");

            ApiResponse response = share(id, true);

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("plain").contains("supportsInstanceSharing");
        }

        @Test
        @DisplayName("shared with other fields in the same PATCH: 400")
        void otherFields() {
            String id = provisionedOnK("shareable", "db-4");

            ApiResponse response = admin.patch("/v1/service_instances/" + id, json("shared", true, "labels",
                    List.of(map("op", "add", "key", "a", "values", List.of("b")))));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("only field");
            assertThat(instanceRecord(id).json().get("shared").asBoolean()).isFalse();
        }

        @Test
        @DisplayName("shared that is not a boolean: 400")
        void notBoolean() {
            String id = provisionedOnK("shareable", "db-5");

            assertThat(admin.patch("/v1/service_instances/" + id, "{\"shared\":\"yes\"}").status()).isEqualTo(400);
        }

        @Test
        @DisplayName("an instance that is not ready cannot be shared: 400")
        void notReady() {
            sharing.osb.asynchronous(1000);
            try {
                String id = unique("k-instance");
                ApiResponse accepted = osbK.put(sharing.instance(id) + "?accepts_incomplete=true",
                        k8sProvision("sdb", "shareable", "slow"));
                assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);

                ApiResponse response = share(id, true);

                assertThat(response.status()).as(response.body()).isEqualTo(400);
                assertThat(response.text("description")).contains("not ready");
            } finally {
                sharing.osb.reset();
            }
        }

        @Test
        @DisplayName("an instance that references use cannot be unshared: 400 naming them")
        void unshareReferenced() {
            String shared = sharedOnK("db-6");
            String reference = referencedFromC(shared);

            ApiResponse response = share(shared, false);

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains(reference);
            assertThat(instanceRecord(shared).json().get("shared").asBoolean()).isTrue();
        }

        @Test
        @DisplayName("a reference instance cannot be shared: 400")
        void referenceNotShareable() {
            String reference = referencedFromC(sharedOnK("db-7"));

            ApiResponse response = share(reference, true);

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("reference instance");
        }

        @Test
        @DisplayName("a shared instance cannot move to a plan without sharing, through the SM API: 400")
        void planChangeSmApi() {
            ApiResponse created = createOnSm(sharing.plan("shareable"), null);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String id = created.json().get("id").asText();
            assertThat(share(id, true).status()).isEqualTo(200);
            sharing.broker.clearRequests();

            ApiResponse response = admin.patch("/v1/service_instances/" + id, json("service_plan_id",
                    sharing.plan("plain")));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("shared");
            assertThat(brokerCalls()).isEmpty();
            ApiResponse toSharing = admin.patch("/v1/service_instances/" + id, json("service_plan_id",
                    sharing.plan("shared-too")));
            assertThat(toSharing.status()).as(toSharing.body()).isEqualTo(200);
        }

        @Test
        @DisplayName("a shared instance cannot move to a plan without sharing, through the OSB face: 400")
        void planChangeOsb() {
            String id = sharedOnK("db-8");
            sharing.broker.clearRequests();

            ApiResponse response = osbK.patch(sharing.instance(id), json("service_id", "sdb-id", "plan_id",
                    "plain-id", "context", map("platform", "kubernetes")));

            assertOsbError(response, 400);
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("shared cannot be given when an instance is created: 400")
        void notOnCreate() {
            ApiResponse response = admin.post("/v1/service_instances", json("name", unique("sm"), "service_plan_id",
                    sharing.plan("shareable"), "shared", true));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
        }
    }

    // ---- references through the OSB face ------------------------------------------------------

    @Nested
    @DisplayName("References through the OSB face")
    class OsbReferences {
        @Test
        @DisplayName("platform C provisions the reference plan with referenced_instance_id: 201, no broker call, recorded as a reference")
        void byId() {
            String shared = sharedOnK("db-10");
            sharing.broker.clearRequests();
            String id = unique("c-reference");

            ApiResponse response = referenceOnC(id, map("referenced_instance_id", shared));

            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(brokerCalls()).isEmpty();
            JsonNode record = instanceRecord(id).json();
            assertThat(record.get("referenced_instance_id").asText()).isEqualTo(shared);
            assertThat(record.get("platform_id").asText()).isEqualTo(platformId(platformC));
            assertThat(record.get("service_plan_id").asText()).isEqualTo(referencePlanId);
            assertThat(record.get("ready").asBoolean()).isTrue();
            assertThat(referenceOnC(id, map("referenced_instance_id", shared)).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("a reference by selectors matching exactly one shared instance: 201")
        void bySelectors() {
            String name = unique("db-named");
            String shared = sharedOnK(name);
            String id = unique("c-reference");

            ApiResponse response = referenceOnC(id, map("selectors", map("instance_name_selector", name,
                    "plan_name_selector", "shareable")));

            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(instanceRecord(id).json().get("referenced_instance_id").asText()).isEqualTo(shared);
        }

        @Test
        @DisplayName("a reference by a label selector: 201")
        void byLabelSelector() {
            String shared = sharedOnK("db-labelled");
            String value = unique("v");
            assertThat(admin.patch("/v1/service_instances/" + shared, json("labels", List.of(map("op", "add", "key",
                    "team", "values", List.of(value))))).status()).isEqualTo(200);
            String id = unique("c-reference");

            ApiResponse response = referenceOnC(id, map("selectors", map("instance_label_selector",
                    "team eq '" + value + "'")));

            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(instanceRecord(id).json().get("referenced_instance_id").asText()).isEqualTo(shared);
        }

        @Test
        @DisplayName("selectors that match no shared instance: the one 400 for any reference that matches nothing")
        void selectorsNone() {
            ApiResponse response = referenceOnC(unique("c-reference"), map("selectors", map("instance_name_selector",
                    unique("nothing"))));

            assertOsbError(response, 400);
            assertThat(response.text("description")).isEqualTo(NO_MATCH);
        }

        @Test
        @DisplayName("selectors that match several shared instances: 400 with their count, not their ids, names or platforms")
        void selectorsSeveral() {
            String name = unique("twin");
            String first = sharedOnK(name);
            String second = sharedOnK(name);

            ApiResponse response = referenceOnC(unique("c-reference"), map("selectors", map("instance_name_selector",
                    name)));

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("2 shared instances").doesNotContain(first)
                    .doesNotContain(second).doesNotContain(platformId(platformK));
        }

        @Test
        @DisplayName("an unknown referenced_instance_id: the one 400 (OSB has no 404 for a provision)")
        void unknownId() {
            ApiResponse response = referenceOnC(unique("c-reference"), map("referenced_instance_id",
                    unique("nothing")));

            assertOsbError(response, 400);
            assertThat(response.text("description")).isEqualTo(NO_MATCH);
        }

        @Test
        @DisplayName("another platform's instance that is not shared: the same 400 as an unknown id, so its existence does not show")
        void notShared() {
            String instance = provisionedOnK("shareable", "db-11");

            ApiResponse response = referenceOnC(unique("c-reference"), map("referenced_instance_id", instance));

            assertOsbError(response, 400);
            assertThat(response.text("description")).isEqualTo(NO_MATCH);
        }

        @Test
        @DisplayName("a shared instance of another offering: the same 400, naming no offering")
        void otherOffering() {
            String other = unique("k-instance");
            assertThat(osbK.put(sharing.instance(other), k8sProvision("odb", "other", "o")).status()).isEqualTo(201);
            assertThat(share(other, true).status()).isEqualTo(200);

            ApiResponse response = referenceOnC(unique("c-reference"), map("referenced_instance_id", other));

            assertOsbError(response, 400);
            assertThat(response.text("description")).isEqualTo(NO_MATCH);
        }

        @Test
        @DisplayName("an instance_label_selector array of more than 10 label queries: 400 naming the limit")
        void tooManyLabelSelectors() {
            List<String> queries = new java.util.ArrayList<>();
            for (int i = 0; i < 11; i++) {
                queries.add("team eq 't" + i + "'");
            }

            ApiResponse response = referenceOnC(unique("c-reference"), map("selectors", map("instance_label_selector",
                    queries)));

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("at most 10");
        }

        @Test
        @DisplayName("label selectors with more than 100 criteria in all: 400 naming the limit")
        void tooManyLabelCriteria() {
            List<String> queries = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                StringBuilder query = new StringBuilder();
                for (int j = 0; j < 11; j++) {
                    query.append(j == 0 ? "" : " and ").append("k").append(j).append(" eq 'v'");
                }
                queries.add(query.toString());
            }

            ApiResponse response = createOnSm(referencePlanId, map("selectors", map("instance_label_selector",
                    queries)));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("at most 100");
        }

        @Test
        @DisplayName("a reference without parameters, or with both ways to name the instance: 400")
        void badParameters() {
            String shared = sharedOnK("db-12");

            assertOsbError(referenceOnC(unique("c-reference"), null), 400);
            assertOsbError(referenceOnC(unique("c-reference"), map("referenced_instance_id", shared, "selectors",
                    map("instance_name_selector", "db-12"))), 400);
            assertOsbError(referenceOnC(unique("c-reference"), map("referenced_instance_id", shared, "size", 3)), 400);
        }

        @Test
        @DisplayName("a bind on a reference reaches the broker on the shared instance and its plan, and is recorded under the reference")
        void bind() {
            String shared = sharedOnK("db-13");
            String reference = referencedFromC(shared);
            String bindingId = unique("binding");

            ApiResponse response = osbC.put(sharing.binding(reference, bindingId), referenceBindBody());

            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(response.json().has("credentials")).isTrue();
            RecordedRequest bind = brokerCalls().get(brokerCalls().size() - 1);
            assertThat(bind.method()).isEqualTo("PUT");
            assertThat(bind.path()).isEqualTo("/v2/service_instances/" + shared + "/service_bindings/" + bindingId);
            assertThat(bind.body()).contains("\"plan_id\":\"shareable-id\"").doesNotContain(referenceCatalogId);
            assertThat(bindingRecord(bindingId).json().get("service_instance_id").asText()).isEqualTo(reference);
            assertThat(sharing.osb.bindingIds()).contains(bindingId);
        }

        @Test
        @DisplayName("fetching a reference's binding reaches the broker on the shared instance")
        void fetchBinding() {
            String shared = sharedOnK("db-21");
            String reference = referencedFromC(shared);
            String bindingId = unique("binding");
            assertThat(osbC.put(sharing.binding(reference, bindingId), referenceBindBody()).status()).isEqualTo(201);
            sharing.broker.clearRequests();

            ApiResponse response = osbC.get(sharing.binding(reference, bindingId));

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(brokerCalls()).extracting(RecordedRequest::path)
                    .containsExactly("/v2/service_instances/" + shared + "/service_bindings/" + bindingId);
        }

        @Test
        @DisplayName("a bind on a reference whose shared instance's plan is not bindable: 400, no broker call")
        void bindNotBindable() {
            String shared = provisionedOnK("shared-nobind", "db-22");
            assertThat(share(shared, true).status()).isEqualTo(200);
            String reference = referencedFromC(shared);
            sharing.broker.clearRequests();

            ApiResponse response = osbC.put(sharing.binding(reference, unique("binding")), referenceBindBody());

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("not bindable");
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("an unbind of a reference's binding reaches the broker on the shared instance, and removes the record")
        void unbind() {
            String shared = sharedOnK("db-14");
            String reference = referencedFromC(shared);
            String bindingId = unique("binding");
            assertThat(osbC.put(sharing.binding(reference, bindingId), referenceBindBody()).status()).isEqualTo(201);
            sharing.broker.clearRequests();

            ApiResponse response = osbC.delete(sharing.binding(reference, bindingId) + "?service_id=sdb-id&plan_id="
                    + referenceCatalogId);

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            RecordedRequest unbind = brokerCalls().get(0);
            assertThat(unbind.method()).isEqualTo("DELETE");
            assertThat(unbind.path()).isEqualTo("/v2/service_instances/" + shared + "/service_bindings/" + bindingId);
            assertThat(unbind.query()).contains("plan_id=shareable-id");
            assertThat(bindingRecord(bindingId).status()).isEqualTo(404);
            assertThat(sharing.osb.bindingIds()).doesNotContain(bindingId);
        }

        @Test
        @DisplayName("deprovisioning a reference makes no broker call and removes the record")
        void deprovision() {
            String reference = referencedFromC(sharedOnK("db-15"));
            sharing.broker.clearRequests();

            ApiResponse response = osbC.delete(sharing.instance(reference) + "?service_id=sdb-id&plan_id="
                    + referenceCatalogId);

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(brokerCalls()).isEmpty();
            assertThat(instanceRecord(reference).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("a reference with bindings cannot be deprovisioned: 400 naming them")
        void deprovisionWithBindings() {
            String reference = referencedFromC(sharedOnK("db-16"));
            String bindingId = unique("binding");
            assertThat(osbC.put(sharing.binding(reference, bindingId), referenceBindBody()).status()).isEqualTo(201);

            ApiResponse response = osbC.delete(sharing.instance(reference) + "?service_id=sdb-id&plan_id="
                    + referenceCatalogId);

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains(bindingId);
        }

        @Test
        @DisplayName("a shared instance that references use cannot be deprovisioned by its platform: 400 counting them, naming none")
        void deprovisionSharedRefused() {
            String shared = sharedOnK("db-17");
            String reference = referencedFromC(shared);
            sharing.broker.clearRequests();

            ApiResponse response = osbK.delete(sharing.instance(shared) + "?service_id=sdb-id&plan_id=shareable-id");

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("1 reference instance").doesNotContain(reference)
                    .doesNotContain("my-reference").doesNotContain(platformId(platformC));
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("a bind on a reference whose shared instance's plan no longer supports sharing: 400, no broker call")
        void bindAfterSharingLost() {
            SharedOnOwnStage staged = sharedOnOwnStage("v");
            Stage s = staged.stage();
            String shared = staged.sharedId();
            String referenceCatalog = referencePlans(s, "vdb").get(0).get("catalog_id").asText();
            String reference = unique("c-reference");
            ApiResponse provisioned = osbC.put(s.instance(reference), json("service_id", "vdb-id", "plan_id",
                    referenceCatalog, "context", map("platform", "cloudfoundry"), "parameters",
                    map("referenced_instance_id", shared)));
            assertThat(provisioned.status()).as(provisioned.body()).isEqualTo(201);
            dropSharingOfFirstPlan(s, "v");

            ApiResponse response = osbC.put(s.binding(reference, unique("binding")), json("service_id", "vdb-id",
                    "plan_id", referenceCatalog, "context", map("platform", "cloudfoundry")));

            assertOsbError(response, 400);
            assertThat(s.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("fetching a reference instance: 200 with its service_id and plan_id, no broker call")
        void fetchInstance() {
            String reference = referencedFromC(sharedOnK("db-24"));
            sharing.broker.clearRequests();

            ApiResponse response = osbC.get(sharing.instance(reference));

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.text("service_id")).isEqualTo("sdb-id");
            assertThat(response.text("plan_id")).isEqualTo(referenceCatalogId);
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("an update of a reference: 400, no broker call")
        void update() {
            String reference = referencedFromC(sharedOnK("db-18"));
            sharing.broker.clearRequests();

            ApiResponse response = osbC.patch(sharing.instance(reference), json("service_id", "sdb-id",
                    "context", map("platform", "cloudfoundry", "organization_guid", "org-1")));

            assertOsbError(response, 400);
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("last_operation of a reference answers succeeded without a broker call")
        void lastOperation() {
            String reference = referencedFromC(sharedOnK("db-19"));
            sharing.broker.clearRequests();

            ApiResponse response = osbC.get(sharing.instance(reference) + "/last_operation");

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.text("state")).isEqualTo("succeeded");
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("a platform without a visibility for the reference plan cannot provision it: 400")
        void notVisible() {
            String shared = sharedOnK("db-20");

            ApiResponse response = osbK.put(sharing.instance(unique("k-reference")), json("service_id", "sdb-id",
                    "plan_id", referenceCatalogId, "context", map("platform", "kubernetes"), "parameters",
                    map("referenced_instance_id", shared)));

            assertOsbError(response, 400);
        }
    }

    // ---- references through the SM API --------------------------------------------------------

    @Nested
    @DisplayName("References through the SM API")
    class ApiReferences {
        String referenceOnSm(String shared) {
            ApiResponse response = createOnSm(referencePlanId, map("referenced_instance_id", shared));
            assertThat(response.status()).as(response.body()).isEqualTo(201);
            return response.json().get("id").asText();
        }

        @Test
        @DisplayName("POST with the reference plan and referenced_instance_id: 201, no broker call, referenced_instance_id shown")
        void create() {
            String shared = sharedOnK("db-30");
            sharing.broker.clearRequests();

            ApiResponse response = createOnSm(referencePlanId, map("referenced_instance_id", shared));

            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(response.json().get("referenced_instance_id").asText()).isEqualTo(shared);
            assertThat(response.json().get("platform_id").asText()).isEqualTo("service-manager");
            assertThat(response.json().get("ready").asBoolean()).isTrue();
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("POST with selectors matching several shared instances: 400 naming them; none: 404")
        void selectors() {
            String name = unique("twin");
            String first = sharedOnK(name);
            String second = sharedOnK(name);

            ApiResponse several = createOnSm(referencePlanId, map("selectors", map("instance_name_selector", name)));
            ApiResponse none = createOnSm(referencePlanId, map("selectors", map("instance_name_selector",
                    unique("nothing"))));

            assertThat(several.status()).as(several.body()).isEqualTo(400);
            assertThat(several.text("description")).contains(first).contains(second);
            assertThat(none.status()).as(none.body()).isEqualTo(404);
        }

        @Test
        @DisplayName("sharing parameters with a NUL character or of another type than string: 400 naming the field")
        void parametersNotStorable() {
            ApiResponse id = createOnSm(referencePlanId, map("referenced_instance_id", "db\u0000x"));
            ApiResponse name = createOnSm(referencePlanId, map("selectors", map("instance_name_selector", "db\u0000x")));
            ApiResponse plan = createOnSm(referencePlanId, map("selectors", map("plan_name_selector", "shareable\u0000")));
            ApiResponse number = createOnSm(referencePlanId, map("selectors", map("instance_name_selector", 5)));

            assertThat(id.status()).as(id.body()).isEqualTo(400);
            assertThat(id.text("description")).contains("referenced_instance_id");
            assertThat(name.status()).as(name.body()).isEqualTo(400);
            assertThat(name.text("description")).contains("instance_name_selector");
            assertThat(plan.status()).as(plan.body()).isEqualTo(400);
            assertThat(plan.text("description")).contains("plan_name_selector");
            assertThat(number.status()).as(number.body()).isEqualTo(400);
            assertThat(number.text("description")).contains("instance_name_selector");
        }

        @Test
        @DisplayName("a binding of a reference whose shared instance's plan no longer supports sharing: 400, no broker call")
        void bindAfterSharingLost() {
            SharedOnOwnStage staged = sharedOnOwnStage("w");
            Stage s = staged.stage();
            String shared = staged.sharedId();
            ApiResponse reference = createOnSm(s.plan("reference-instance"), map("referenced_instance_id", shared));
            assertThat(reference.status()).as(reference.body()).isEqualTo(201);
            dropSharingOfFirstPlan(s, "w");

            ApiResponse bound = admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id",
                    reference.json().get("id").asText()));

            assertThat(bound.status()).as(bound.body()).isEqualTo(400);
            assertThat(bound.text("description")).contains("no longer shared, ready and of a plan that supports");
            assertThat(s.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("POST referencing an unknown instance: 404; an unshared one: 400")
        void unknownAndUnshared() {
            assertThat(createOnSm(referencePlanId, map("referenced_instance_id", unique("nothing"))).status())
                    .isEqualTo(404);
            assertThat(createOnSm(referencePlanId, map("referenced_instance_id", provisionedOnK("shareable", "u")))
                    .status()).isEqualTo(400);
        }

        @Test
        @DisplayName("a binding of a reference is made at the broker on the shared instance and recorded under the reference; its delete unbinds there")
        void bindAndUnbind() {
            String shared = sharedOnK("db-31");
            String reference = referenceOnSm(shared);
            sharing.broker.clearRequests();

            ApiResponse bound = admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id",
                    reference));

            assertThat(bound.status()).as(bound.body()).isEqualTo(201);
            String bindingId = bound.json().get("id").asText();
            assertThat(bound.json().get("service_instance_id").asText()).isEqualTo(reference);
            assertThat(bound.json().has("credentials")).isTrue();
            RecordedRequest bind = brokerCalls().get(0);
            assertThat(bind.path()).isEqualTo("/v2/service_instances/" + shared + "/service_bindings/" + bindingId);
            assertThat(bind.body()).contains("\"plan_id\":\"shareable-id\"").contains("\"service_id\":\"sdb-id\"");
            sharing.broker.clearRequests();

            ApiResponse unbound = admin.delete("/v1/service_bindings/" + bindingId);

            assertThat(unbound.status()).as(unbound.body()).isEqualTo(200);
            RecordedRequest unbind = brokerCalls().get(0);
            assertThat(unbind.method()).isEqualTo("DELETE");
            assertThat(unbind.path()).isEqualTo("/v2/service_instances/" + shared + "/service_bindings/" + bindingId);
            assertThat(unbind.query()).contains("plan_id=shareable-id");
        }

        @Test
        @DisplayName("a binding of a reference whose shared instance's plan is not bindable: 400, no broker call")
        void bindNotBindable() {
            String shared = provisionedOnK("shared-nobind", "db-39");
            assertThat(share(shared, true).status()).isEqualTo(200);
            String reference = referenceOnSm(shared);
            sharing.broker.clearRequests();

            ApiResponse response = admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id",
                    reference));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("not bindable");
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("deleting a reference makes no broker call")
        void delete() {
            String reference = referenceOnSm(sharedOnK("db-32"));
            sharing.broker.clearRequests();

            ApiResponse response = admin.delete("/v1/service_instances/" + reference);

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(brokerCalls()).isEmpty();
            assertThat(instanceRecord(reference).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("a reference with bindings cannot be deleted without cascade: 409 naming them, no broker call")
        void deleteWithBindings() {
            String reference = referenceOnSm(sharedOnK("db-37"));
            String bindingId = admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id",
                    reference)).json().get("id").asText();
            sharing.broker.clearRequests();

            ApiResponse response = admin.delete("/v1/service_instances/" + reference);

            assertThat(response.status()).as(response.body()).isEqualTo(409);
            assertThat(response.text("description")).contains(bindingId);
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("a shared instance that is not ready cannot be referenced: 400")
        void sharedNotReady() {
            String shared = sharedOnK("db-38");
            Repository<ServiceInstance> instances = server.sm().store().repository(EntityTypes.SERVICE_INSTANCES);
            ServiceInstance i = instances.get(shared).orElseThrow();
            instances.update(new ServiceInstance(i.id(), i.name(), i.servicePlanId(), i.platformId(), i.context(),
                    i.dashboardUrl(), i.maintenanceInfo(), i.usable(), i.lastOperation(), i.pendingPlanId(),
                    i.pendingContext(), i.labels(), i.createdAt(), i.updatedAt(), false, i.version(), true, null));

            ApiResponse response = createOnSm(referencePlanId, map("referenced_instance_id", shared));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.text("description")).contains("not ready");
        }

        @Test
        @DisplayName("deleting a reference with cascade unbinds its bindings at the broker on the shared instance, then deletes it without a broker call")
        void cascadeDelete() {
            String shared = sharedOnK("db-33");
            String reference = referenceOnSm(shared);
            String bindingId = admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id",
                    reference)).json().get("id").asText();
            sharing.broker.clearRequests();

            ApiResponse response = admin.delete("/v1/service_instances/" + reference + "?cascade=true");

            assertThat(response.status()).as(response.body()).isEqualTo(202);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (instanceRecord(reference).status() != 404 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(instanceRecord(reference).status()).isEqualTo(404);
            assertThat(brokerCalls()).extracting(RecordedRequest::path)
                    .containsExactly("/v2/service_instances/" + shared + "/service_bindings/" + bindingId);
        }

        @Test
        @DisplayName("a shared instance that references use cannot be deleted: 409 naming them")
        void deleteSharedRefused() {
            ApiResponse created = createOnSm(sharing.plan("shareable"), null);
            String shared = created.json().get("id").asText();
            assertThat(share(shared, true).status()).isEqualTo(200);
            String reference = referenceOnSm(shared);
            sharing.broker.clearRequests();

            ApiResponse response = admin.delete("/v1/service_instances/" + shared);
            ApiResponse cascade = admin.delete("/v1/service_instances/" + shared + "?cascade=true");

            assertThat(response.status()).as(response.body()).isEqualTo(409);
            assertThat(response.text("description")).contains(reference);
            assertThat(cascade.status()).as(cascade.body()).isEqualTo(409);
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("a platform whose shared instance has references cannot be deleted with cascade: 409 naming them")
        void platformCascadeRefused() {
            ApiResponse created = admin.post("/v1/platforms", json("name", unique("k8s"), "type", "kubernetes"));
            ApiClient client = osbClient(created.json());
            String shared = unique("k-instance");
            assertThat(client.put(sharing.instance(shared), k8sProvision("sdb", "shareable", "p")).status())
                    .isEqualTo(201);
            assertThat(share(shared, true).status()).isEqualTo(200);
            String reference = referenceOnSm(shared);
            sharing.broker.clearRequests();

            ApiResponse response = admin.delete("/v1/platforms/" + platformId(created.json()) + "?cascade=true");

            assertThat(response.status()).as(response.body()).isEqualTo(409);
            assertThat(response.text("description")).contains(reference);
            assertThat(brokerCalls()).isEmpty();
        }

        @Test
        @DisplayName("a reference is not updateable: a PATCH with parameters or a plan is 400, a rename is fine")
        void update() {
            String reference = referenceOnSm(sharedOnK("db-34"));

            ApiResponse parameters = admin.patch("/v1/service_instances/" + reference, json("parameters",
                    map("a", 1)));
            ApiResponse plan = admin.patch("/v1/service_instances/" + reference, json("service_plan_id",
                    sharing.plan("shareable")));
            ApiResponse rename = admin.patch("/v1/service_instances/" + reference, json("name", unique("renamed")));

            assertThat(parameters.status()).as(parameters.body()).isEqualTo(400);
            assertThat(plan.status()).as(plan.body()).isEqualTo(400);
            assertThat(rename.status()).as(rename.body()).isEqualTo(200);
        }

        @Test
        @DisplayName("an instance cannot move to the reference plan: 400")
        void moveToReferencePlan() {
            ApiResponse created = createOnSm(sharing.plan("shareable"), null);

            ApiResponse response = admin.patch("/v1/service_instances/" + created.json().get("id").asText(),
                    json("service_plan_id", referencePlanId));

            assertThat(response.status()).as(response.body()).isEqualTo(400);
        }

        @Test
        @DisplayName("the parameters of a reference: 400")
        void parameters() {
            String reference = referenceOnSm(sharedOnK("db-35"));

            assertThat(admin.get("/v1/service_instances/" + reference + "/parameters").status()).isEqualTo(400);
        }

        @Test
        @DisplayName("references are found by field query on referenced_instance_id")
        void query() {
            String shared = sharedOnK("db-36");
            String reference = referenceOnSm(shared);

            assertThat(ids(items("/v1/service_instances?fieldQuery=" + q("referenced_instance_id eq '" + shared
                    + "'")))).containsExactly(reference);
        }
    }
}
