package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Instance sharing with multitenancy (label {@code tenant_id}): a reference and its shared instance
 * belong to one tenant. Tenants {@code a} and {@code b} (bearer tokens) each have a platform; the
 * sharing catalog's broker is global, its broker plans public, its reference plan visible to both
 * platforms and to {@code service-manager}. Another tenant's shared instance is answered exactly as
 * an unknown one: 404 through the REST API, the OSB face's one 400 for no match.
 */
@DisplayName("instance sharing between tenants")
class TenantSharingTest extends OsbTestBase {
    private static final String NO_MATCH = "no shared instance of this offering matches";

    Stage sharing;
    ApiClient a;
    ApiClient b;
    ApiClient osbOfA;
    ApiClient osbOfB;
    String referencePlanId;
    String referenceCatalogId;

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.tenantLabelKey("tenant_id").bearerTokens(new TenantTokens());
    }

    @BeforeAll
    void tenantsAndSharing() {
        a = anonymous.withAuthorization("Bearer " + TenantTokens.ADMIN_A);
        b = anonymous.withAuthorization("Bearer " + TenantTokens.ADMIN_B);
        sharing = new Stage(InstanceSharingTest.sharingCatalog());
        sharing.planIds.forEach((name, id) -> {
            if (!name.equals("reference-instance")) {
                createPublicVisibility(id);
            }
        });
        // Both offerings have a plan named reference-instance: the one of sdb.
        String sdb = offeringsOfBroker(sharing.brokerId).stream()
                .filter(o -> o.get("catalog_name").asText().equals("sdb")).findFirst().orElseThrow().get("id").asText();
        JsonNode reference = plansOfBroker(sharing.brokerId).stream()
                .filter(p -> p.get("service_offering_id").asText().equals(sdb)
                        && p.get("name").asText().equals("reference-instance")).findFirst().orElseThrow();
        referencePlanId = reference.get("id").asText();
        referenceCatalogId = reference.get("catalog_id").asText();
        JsonNode platformOfA = created(a.post("/v1/platforms", json("name", unique("pa"), "type", "cloudfoundry")));
        JsonNode platformOfB = created(b.post("/v1/platforms", json("name", unique("pb"), "type", "cloudfoundry")));
        osbOfA = osbClient(platformOfA);
        osbOfB = osbClient(platformOfB);
        // A global broker's plan: only a global admin grants it.
        created(admin.post("/v1/visibilities", json("service_plan_id", referencePlanId, "platform_id",
                "service-manager")));
        created(admin.post("/v1/visibilities", json("service_plan_id", referencePlanId, "platform_id",
                platformOfA.get("id").asText())));
        created(admin.post("/v1/visibilities", json("service_plan_id", referencePlanId, "platform_id",
                platformOfB.get("id").asText())));
    }

    static JsonNode created(ApiResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    /** A shared instance of {@code caller}'s tenant on plan {@code shareable}, named {@code name}. */
    String sharedInstance(ApiClient caller, String name) {
        String id = created(caller.post("/v1/service_instances", json("name", name, "service_plan_id",
                sharing.plan("shareable")))).get("id").asText();
        ApiResponse share = caller.patch("/v1/service_instances/" + id, json("shared", true));
        assertThat(share.status()).as(share.body()).isEqualTo(200);
        return id;
    }

    ApiResponse reference(ApiClient caller, Object parameters, Object... more) {
        Object[] fields = new Object[6 + more.length];
        System.arraycopy(new Object[] {"name", unique("ref"), "service_plan_id", referencePlanId, "parameters",
                parameters}, 0, fields, 0, 6);
        System.arraycopy(more, 0, fields, 6, more.length);
        return caller.post("/v1/service_instances", json(fields));
    }

    static String osbReference(String referenceCatalogId, Object parameters) {
        return InstanceSharingTest.referenceProvision(referenceCatalogId, parameters);
    }

    @Test
    @DisplayName("a reference by id to another tenant's shared instance is 404, word for word as for an unknown id")
    void byIdAcrossTenantsIsUnknown() {
        String shared = sharedInstance(a, unique("a-db"));

        ApiResponse across = reference(b, map("referenced_instance_id", shared));
        ApiResponse unknown = reference(b, map("referenced_instance_id", "no-such-instance"));

        assertError(across, 404, "NotFound");
        assertError(unknown, 404, "NotFound");
        assertThat(description(across)).isEqualTo(description(unknown).replace("no-such-instance", shared));
    }

    @Test
    @DisplayName("a reference by selectors does not match another tenant's shared instance (404, as no match)")
    void bySelectorsAcrossTenantsIsNoMatch() {
        String name = unique("a-db");
        sharedInstance(a, name);

        ApiResponse across = reference(b, map("selectors", map("instance_name_selector", name)));

        assertError(across, 404, "NotFound");
        assertThat(across.body()).doesNotContain("'" + name + "' of");
        assertThat(created(reference(a, map("selectors", map("instance_name_selector", name))))
                .at("/labels/tenant_id/0").asText()).isEqualTo("a");
    }

    @Test
    @DisplayName("on the OSB face, a tenant platform's reference to another tenant's shared instance, by id or selectors, is the one 400 for no match")
    void osbAcrossTenantsIsNoMatch() {
        String name = unique("a-db");
        String shared = sharedInstance(a, name);

        ApiResponse byId = osbOfB.put(sharing.instance(unique("b-ref")), osbReference(referenceCatalogId,
                map("referenced_instance_id", shared)));
        ApiResponse bySelectors = osbOfB.put(sharing.instance(unique("b-ref")), osbReference(referenceCatalogId,
                map("selectors", map("instance_name_selector", name))));
        ApiResponse own = osbOfA.put(sharing.instance(unique("a-ref")), osbReference(referenceCatalogId,
                map("referenced_instance_id", shared)));

        for (ApiResponse response : List.of(byId, bySelectors)) {
            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.json().get("description").asText()).isEqualTo(NO_MATCH);
        }
        assertThat(own.status()).as(own.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("a tenant binds its own reference; another tenant can neither reference the instance nor bind that reference")
    void bindStaysInTenant() {
        String shared = sharedInstance(a, unique("a-db"));
        String referenceOfA = created(reference(a, map("referenced_instance_id", shared))).get("id").asText();

        ApiResponse bindByA = a.post("/v1/service_bindings", json("name", unique("bind"), "service_instance_id",
                referenceOfA));
        ApiResponse bindByB = b.post("/v1/service_bindings", json("name", unique("steal"), "service_instance_id",
                referenceOfA));

        assertThat(bindByA.status()).as(bindByA.body()).isEqualTo(201);
        assertError(bindByB, 400, "BadRequest");
        assertThat(bindByB.body()).doesNotContain("credentials");
    }

    @Test
    @DisplayName("a tenant unshares and deletes its shared instance once its own references are gone, and the 400 before names them")
    void ownReferencesOnlyBlock() {
        String shared = sharedInstance(a, unique("a-db"));
        String referenceOfA = created(reference(a, map("referenced_instance_id", shared))).get("id").asText();
        assertError(reference(b, map("referenced_instance_id", shared)), 404, "NotFound");

        ApiResponse blocked = a.patch("/v1/service_instances/" + shared, json("shared", false));
        assertError(blocked, 400, "BadRequest");
        assertThat(description(blocked)).contains(referenceOfA).contains("1 reference instance(s)");

        assertThat(a.delete("/v1/service_instances/" + referenceOfA).status()).isEqualTo(200);
        ApiResponse unshared = a.patch("/v1/service_instances/" + shared, json("shared", false));
        assertThat(unshared.status()).as(unshared.body()).isEqualTo(200);
        assertThat(a.delete("/v1/service_instances/" + shared).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a global admin sees both tenants' instances, and its reference takes the tenant of the label it gives")
    void globalAdmin() {
        String sharedOfA = sharedInstance(a, unique("a-db"));
        String sharedOfB = sharedInstance(b, unique("b-db"));

        ApiResponse forA = reference(admin, map("referenced_instance_id", sharedOfA), "labels",
                map("tenant_id", List.of("a")));
        ApiResponse forNoTenant = reference(admin, map("referenced_instance_id", sharedOfA));

        assertThat(ids(items("/v1/service_instances?max_items=500"))).contains(sharedOfA, sharedOfB,
                created(forA).get("id").asText());
        assertError(forNoTenant, 404, "NotFound");
    }

    @Test
    @DisplayName("a reference a global admin moved to another tenant is counted, not named, to the shared instance's tenant, and its new tenant cannot bind it")
    void relabelledReference() {
        String shared = sharedInstance(a, unique("a-db"));
        String moved = created(reference(admin, map("referenced_instance_id", shared), "labels",
                map("tenant_id", List.of("a")))).get("id").asText();
        ApiResponse relabel = admin.patch("/v1/service_instances/" + moved, json("labels", List.of(map("op",
                "add_values", "key", "tenant_id", "values", List.of("b")), map("op", "remove_values", "key",
                "tenant_id", "values", List.of("a")))));
        assertThat(relabel.status()).as(relabel.body()).isEqualTo(200);

        ApiResponse unshare = a.patch("/v1/service_instances/" + shared, json("shared", false));
        ApiResponse bind = b.post("/v1/service_bindings", json("name", unique("steal"), "service_instance_id",
                moved));

        assertError(unshare, 400, "BadRequest");
        assertThat(description(unshare)).contains("1 of them not of your tenant").doesNotContain(moved);
        assertError(bind, 400, "BadRequest");
        assertThat(ok(admin.get("/v1/service_instances/" + shared)).get("shared").asBoolean()).isTrue();
        assertThat(description(admin.patch("/v1/service_instances/" + shared, json("shared", false))))
                .contains(moved);
    }

    static JsonNode ok(ApiResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }
}
