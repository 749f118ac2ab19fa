package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("request body limit of 1024 bytes")
class BodyLimitApiTest extends ApiTestBase {

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.maxRequestBodyBytes(1024);
    }

    @Test
    @DisplayName("a body over the limit is 413 PayloadTooLarge and nothing is created")
    void tooLarge() {
        String name = unique("big");
        ApiResponse response = admin.post("/v1/platforms", json("name", name, "type", "cf",
                "description", "x".repeat(2000)));

        assertError(response, 413, "PayloadTooLarge");
        assertThat(admin.get("/v1/platforms?fieldQuery=" + q("name eq '" + name + "'")).json().get("num_items")
                .asInt()).isZero();
    }

    @Test
    @DisplayName("a body over the limit is 413 even before authentication and routing")
    void tooLargeAnonymous() {
        assertError(anonymous.post("/v1/platforms", "{\"d\": \"" + "x".repeat(5000) + "\"}"), 413, "PayloadTooLarge");
    }

    @Test
    @DisplayName("a body just under the limit is accepted")
    void underLimit() {
        ApiResponse response = admin.post("/v1/platforms", json("name", unique("small"), "type", "cf",
                "description", "x".repeat(900)));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("a body of 8 MiB, far over the limit, still gets its 413 answer, not a dropped connection")
    void farTooLarge() {
        byte[] body = new byte[8 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) ' ');

        // Whether the connection reset wins the race against the answer varies, so try a few times.
        for (int attempt = 0; attempt < 4; attempt++) {
            assertError(admin.raw("POST", "/v1/platforms", "application/json", body), 413, "PayloadTooLarge");
        }
        assertThat(admin.get("/v1/platforms").status()).isEqualTo(200);
    }
}
