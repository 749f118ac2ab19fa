package org.servicemanager.test.broker;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.BrokerStub.OsbCall;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/** The stub on its own, over real HTTP; {@code BrokerStubThroughServiceManagerTest} drives it through a Service Manager. */
@DisplayName("BrokerStub")
class BrokerStubTest {
    private final BrokerStub stub = BrokerStub.start();
    private final ApiClient client = new ApiClient(stub.url()).withCredentials(stub.username(), stub.password());

    @AfterEach
    void stop() {
        stub.close();
    }

    @Test
    @DisplayName("answers the default catalog at once, and the one it is given afterwards")
    void catalog() {
        assertThat(client.get("/v2/catalog").body()).isEqualTo(FakeBroker.defaultCatalog());

        stub.catalog(Catalogs.offering("db").plan(Catalogs.plan("tiny")));

        assertThat(client.get("/v2/catalog").json().at("/services/0/plans/0/name").asText()).isEqualTo("tiny");
        stub.verify(2, getRequestedFor(urlPathEqualTo("/v2/catalog")));
    }

    @Test
    @DisplayName("answers 401 without its credentials, and anything once told to drop them")
    void basicAuth() {
        assertThat(client.withoutCredentials().get("/v2/catalog").status()).isEqualTo(401);
        assertThat(client.withCredentials(stub.username(), "wrong").get("/v2/catalog").status()).isEqualTo(401);

        stub.withBasicAuth("other", "secret-2");
        assertThat(client.get("/v2/catalog").status()).isEqualTo(401);
        assertThat(client.withCredentials("other", "secret-2").get("/v2/catalog").status()).isEqualTo(200);

        stub.withoutAuth();
        assertThat(client.withoutCredentials().get("/v2/catalog").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("answers every instance and binding call with success until told otherwise")
    void syncByDefault() {
        assertThat(client.put("/v2/service_instances/i1", "{}").status()).isEqualTo(201);
        assertThat(client.patch("/v2/service_instances/i1", "{}").status()).isEqualTo(200);
        ApiResponse bound = client.put("/v2/service_instances/i1/service_bindings/b1", "{}");
        assertThat(bound.status()).isEqualTo(201);
        assertThat(bound.json().at("/credentials/username").asText()).isEqualTo("stub-user");
        assertThat(client.delete("/v2/service_instances/i1/service_bindings/b1").status()).isEqualTo(200);
        assertThat(client.delete("/v2/service_instances/i1").status()).isEqualTo(200);
        stub.verify(1, OsbCall.BIND.requested());
    }

    @Test
    @DisplayName("answers an asynchronous call with 202 and walks last_operation through the given states")
    void async() {
        stub.async(OsbCall.PROVISION, "in progress", "in progress", "succeeded");

        ApiResponse accepted = client.put("/v2/service_instances/i1?accepts_incomplete=true", "{}");

        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.text("operation")).isEqualTo("provision-operation");
        String poll = "/v2/service_instances/i1/last_operation?operation=provision-operation";
        assertThat(client.get(poll).text("state")).isEqualTo("in progress");
        assertThat(client.get(poll).text("state")).isEqualTo("in progress");
        assertThat(client.get(poll).text("state")).isEqualTo("succeeded");
        assertThat(client.get(poll).text("state")).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("answers a failing call with its status and an OSB error body")
    void error() {
        stub.fail(OsbCall.UNBIND, 422, "ConcurrencyError", "another operation is in progress");

        ApiResponse refused = client.delete("/v2/service_instances/i1/service_bindings/b1");

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.text("error")).isEqualTo("ConcurrencyError");
        assertThat(refused.text("description")).isEqualTo("another operation is in progress");
    }

    @Test
    @DisplayName("refuses a last_operation state the OSB API does not know, naming it")
    void refusesUnknownState() {
        assertThatThrownBy(() -> stub.async(OsbCall.PROVISION, "done"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'done'");
        assertThatThrownBy(() -> stub.async(OsbCall.PROVISION))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    }

    @Test
    @DisplayName("refuses an impossible status or a negative delay, naming it")
    void refusesBadAnswers() {
        assertThatThrownBy(() -> stub.respond(OsbCall.PROVISION, 42, "{}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 42");
        assertThatThrownBy(() -> stub.delay(OsbCall.PROVISION, java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    }

    @Test
    @DisplayName("answers the broker's GET of an instance with {} and of a binding with the bind's credentials")
    void fetchByDefault() {
        ApiResponse instance = client.get("/v2/service_instances/i1");
        assertThat(instance.status()).isEqualTo(200);
        assertThat(instance.body()).isEqualTo("{}");
        ApiResponse binding = client.get("/v2/service_instances/i1/service_bindings/b1");
        assertThat(binding.status()).isEqualTo(200);
        assertThat(binding.json().at("/credentials/username").asText()).isEqualTo("stub-user");
    }

    @Test
    @DisplayName("keeps the last_operation answers of two asynchronous calls apart by their operation")
    void asyncCallsDoNotLeak() {
        stub.async(OsbCall.PROVISION, "in progress", "succeeded");
        stub.async(OsbCall.DEPROVISION, "failed");
        String poll = "/v2/service_instances/i1/last_operation?operation=";

        assertThat(client.get(poll + "provision-operation").text("state")).isEqualTo("in progress");
        assertThat(client.get(poll + "deprovision-operation").text("state")).isEqualTo("failed");
        assertThat(client.get(poll + "provision-operation").text("state")).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("stubs asynchronous bind: 202 with its operation, then the binding's last_operation states")
    void asyncBind() {
        stub.async(OsbCall.BIND, "in progress", "succeeded");

        ApiResponse accepted = client.put("/v2/service_instances/i1/service_bindings/b1", "{}");

        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.text("operation")).isEqualTo("bind-operation");
        String poll = "/v2/service_instances/i1/service_bindings/b1/last_operation?operation=bind-operation";
        assertThat(client.get(poll).text("state")).isEqualTo("in progress");
        assertThat(client.get(poll).text("state")).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("refuses a delay longer than Integer.MAX_VALUE milliseconds, naming it")
    void delayTooLong() {
        java.time.Duration tooLong = java.time.Duration.ofMillis(Integer.MAX_VALUE + 1L);

        assertThatThrownBy(() -> stub.delay(OsbCall.PROVISION, tooLong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(tooLong.toString());
    }
}
