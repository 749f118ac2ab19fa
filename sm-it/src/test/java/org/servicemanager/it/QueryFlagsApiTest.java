package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiResponse;

/**
 * Boolean query parameters ({@code async}, {@code cascade}, like {@code regenerateCredentials})
 * take {@code true} or {@code false} in any letter case, as the README says; anything else is 400.
 */
@DisplayName("boolean query parameters: true or false in any letter case")
class QueryFlagsApiTest extends PlatformApiTestBase {

    @Test
    @DisplayName("async=TRUE on an instance POST is asynchronous: 202 with the operation's Location")
    void upperCaseTrue() {
        ApiResponse response = admin.post("/v1/service_instances?async=TRUE", json("name", unique("i"),
                "service_plan_id", stage.plan("small")));
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.header("Location").orElseThrow()).contains("/operations/");
    }

    @Test
    @DisplayName("async=False on a platform POST is accepted like async=false")
    void mixedCaseFalse() {
        ApiResponse response = admin.post("/v1/platforms?async=False", json("name", unique("p"), "type", "cf"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("async=yes is 400 naming the value")
    void otherValue() {
        assertErrorNaming(admin.post("/v1/service_instances?async=yes", json("name", unique("i"),
                "service_plan_id", stage.plan("small"))), 400, "BadRequest", "'yes'");
    }
}
