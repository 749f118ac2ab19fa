package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/** Without a tenant label key, tokens that name a tenant are global callers: nothing is filtered or labelled. */
@DisplayName("multitenancy off")
class MultitenancyOffApiTest extends ApiTestBase {

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.bearerTokens(new TenantTokens());
    }

    @Test
    @DisplayName("a tenant's token creates unlabelled records that another tenant's token sees, changes and deletes")
    void tokensWithTenantsAreGlobal() {
        ApiClient a = anonymous.withAuthorization("Bearer " + TenantTokens.ADMIN_A);
        ApiClient b = anonymous.withAuthorization("Bearer " + TenantTokens.ADMIN_B);
        ApiResponse created = a.post("/v1/platforms", json("name", unique("p"), "type", "kubernetes",
                "labels", map("tenant_id", List.of("b"))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode platform = created.json();
        String id = platform.get("id").asText();

        assertThat(platform.at("/labels/tenant_id").toString()).isEqualTo("[\"b\"]");
        assertThat(ids(b.get("/v1/platforms?max_items=500").json())).contains(id);
        assertThat(b.patch("/v1/platforms/" + id, json("labels", List.of(map("op", "remove", "key",
                "tenant_id")))).status()).isEqualTo(200);
        assertThat(b.delete("/v1/platforms/" + id).status()).isEqualTo(200);
    }
}
