package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/osb: who may call, and with which API version")
class OsbAccessTest extends OsbTestBase {

    @Test
    @DisplayName("a provision without X-Broker-API-Version is 412 naming the supported versions; the broker is not called")
    void missingVersion() {
        ApiResponse response = platformClient(platformA).put(stage.instance(unique("i")), provisionBody("small"));

        assertOsbError(response, 412);
        assertThat(response.text("description")).contains("2.17");
        assertThat(stage.osbCalls()).isEmpty();
    }

    @ParameterizedTest(name = "X-Broker-API-Version ''{0}''")
    @ValueSource(strings = {"", "1.0", "3.0", "2", "two", "2.x"})
    @DisplayName("an empty or non-2.x X-Broker-API-Version is 412; the broker is not called")
    void unsupportedVersion(String version) {
        ApiResponse response = platformClient(platformA).withHeader("X-Broker-API-Version", version)
                .put(stage.instance(unique("i")), provisionBody("small"));

        assertOsbError(response, 412);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("the catalog without X-Broker-API-Version is 412 too")
    void catalogNeedsVersion() {
        assertOsbError(platformClient(platformA).get(stage.base() + "/catalog"), 412);
    }

    @Test
    @DisplayName("without credentials the OSB API is 401; the broker is not called")
    void noCredentials() {
        ApiResponse response = anonymous.withHeader("X-Broker-API-Version", VERSION)
                .put(stage.instance(unique("i")), provisionBody("small"));

        assertOsbError(response, 401);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("with a wrong platform password the OSB API is 401; the broker is not called")
    void wrongCredentials() {
        ApiClient wrong = anonymous.withCredentials(platformA.at("/credentials/basic/username").asText(), "wrong")
                .withHeader("X-Broker-API-Version", VERSION);

        assertOsbError(wrong.put(stage.instance(unique("i")), provisionBody("small")), 401);
        assertOsbError(wrong.get(stage.base() + "/catalog"), 401);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("admin credentials are not platform credentials: 403; the broker is not called")
    void adminIsNotAPlatform() {
        ApiClient asAdmin = admin.withHeader("X-Broker-API-Version", VERSION);

        assertOsbError(asAdmin.put(stage.instance(unique("i")), provisionBody("small")), 403);
        assertOsbError(asAdmin.get(stage.base() + "/catalog"), 403);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("an unknown broker id is 404")
    void unknownBroker() {
        assertOsbError(osbA.get("/v1/osb/no-such-broker/v2/catalog"), 404);
        assertOsbError(osbA.put("/v1/osb/no-such-broker/v2/service_instances/" + unique("i"),
                provisionBody("small")), 404);
        assertThat(stage.osbCalls()).isEmpty();
    }
}
