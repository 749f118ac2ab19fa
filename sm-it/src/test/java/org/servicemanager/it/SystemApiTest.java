package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/info and /v1/monitor/health")
class SystemApiTest extends ApiTestBase {

    @Test
    @DisplayName("info answers without credentials with the version, and no token fields while bearer tokens are off")
    void info() {
        ApiResponse response = anonymous.get("/v1/info");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("version").asText()).isNotBlank();
        assertThat(response.json().has("token_issuer_url")).isFalse();
    }

    @Test
    @DisplayName("health answers UP without credentials and without details")
    void healthAnonymous() {
        ApiResponse response = anonymous.get("/v1/monitor/health");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("status").asText()).isEqualTo("UP");
        assertThat(response.json().has("details")).isFalse();
    }

    @Test
    @DisplayName("health shows per-component details to administrators")
    void healthAdmin() {
        JsonNode body = admin.get("/v1/monitor/health").json();

        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.at("/details/storage/status").asText()).isEqualTo("UP");
    }

    @Test
    @DisplayName("health shows no details to platforms or to callers with wrong credentials")
    void healthOthers() {
        assertThat(platformClient(createPlatform()).get("/v1/monitor/health").json().has("details")).isFalse();
        ApiResponse wrong = anonymous.withCredentials(SmServer.ADMIN_USER, "wrong").get("/v1/monitor/health");
        assertThat(wrong.status()).isEqualTo(200);
        assertThat(wrong.json().has("details")).isFalse();
    }
}
