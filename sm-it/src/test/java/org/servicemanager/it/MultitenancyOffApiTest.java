package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Without a tenant label key, tokens that name a tenant are refused (403): nothing could confine
 * them, and treated as global they would act over every tenant's records. Tokens without a tenant
 * work as always.
 */
@DisplayName("multitenancy off")
class MultitenancyOffApiTest extends ApiTestBase {

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.bearerTokens(new TenantTokens());
    }

    @Test
    @DisplayName("a token naming a tenant is 403 saying no multitenancy is configured, for reads and writes alike")
    void tokensWithTenantsAreRefused() {
        ApiClient a = anonymous.withAuthorization("Bearer " + TenantTokens.ADMIN_A);
        ApiClient reader = anonymous.withAuthorization("Bearer " + TenantTokens.READER_A);
        String id = admin.post("/v1/platforms", json("name", unique("p"), "type", "kubernetes")).json().get("id")
                .asText();

        ApiResponse create = a.post("/v1/platforms", json("name", unique("p"), "type", "kubernetes"));
        ApiResponse list = reader.get("/v1/platforms");
        ApiResponse delete = a.delete("/v1/platforms/" + id);

        for (ApiResponse response : List.of(create, list, delete)) {
            assertThat(response.status()).as(response.body()).isEqualTo(403);
            assertThat(response.json().get("description").asText()).contains("no multitenancy configured");
        }
        assertThat(admin.get("/v1/platforms/" + id).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a token without a tenant is a global caller as always")
    void tokensWithoutTenantWork() {
        ApiClient global = anonymous.withAuthorization("Bearer " + TenantTokens.GLOBAL);
        ApiResponse created = global.post("/v1/platforms", json("name", unique("p"), "type", "kubernetes",
                "labels", map("tenant_id", List.of("b"))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode platform = created.json();

        assertThat(platform.at("/labels/tenant_id").toString()).isEqualTo("[\"b\"]");
        assertThat(global.delete("/v1/platforms/" + platform.get("id").asText()).status()).isEqualTo(200);
    }
}
