package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;
import org.servicemanager.standalone.StandaloneServer.Running;

@DisplayName("the standalone server's multitenancy variables")
class StandaloneMultitenancyTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> createPlatform(Running server, String labels) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/platforms"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "admin:admin-pw".getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"p-" + System.nanoTime()
                        + "\",\"type\":\"kubernetes\",\"labels\":" + labels + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("SM_TENANT_LABEL_KEY turns multitenancy on: the tenant label takes one value; the admin is global")
    void tenantLabelKey() throws Exception {
        try (Running server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw", "SM_TENANT_LABEL_KEY", "tenant_id",
                "SM_PROTECTED_LABELS", "cost_center, owner"))) {
            HttpResponse<String> two = createPlatform(server, "{\"tenant_id\":[\"x\",\"y\"]}");
            assertThat(two.statusCode()).as(two.body()).isEqualTo(400);
            assertThat(two.body()).contains("tenant_id");

            HttpResponse<String> global = createPlatform(server, "{\"tenant_id\":[\"x\"],\"cost_center\":[\"1\"]}");
            assertThat(global.statusCode()).as(global.body()).isEqualTo(201);
        }
    }

    @Test
    @DisplayName("SM_OIDC_TENANT_CLAIM needs SM_OIDC_ISSUER_URL and SM_TENANT_LABEL_KEY; a bad key fails the start")
    void configurationErrors() {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw", "SM_OIDC_TENANT_CLAIM", "zid")).close())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("SM_OIDC_TENANT_CLAIM needs "
                        + "SM_OIDC_ISSUER_URL");
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw", "SM_OIDC_ISSUER_URL", "http://127.0.0.1:1/idp",
                "SM_OIDC_AUDIENCE", "sm", "SM_OIDC_TENANT_CLAIM", "zid")).close())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("SM_TENANT_LABEL_KEY");
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "admin-pw", "SM_TENANT_LABEL_KEY", "tenant=id")).close())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("tenant=id");
    }
}
