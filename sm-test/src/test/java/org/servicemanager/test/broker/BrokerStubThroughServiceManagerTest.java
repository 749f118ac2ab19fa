package org.servicemanager.test.broker;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.BasicCredentials;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.test.broker.BrokerStub.OsbCall;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;
import org.servicemanager.test.junit.TestPlatform;

/**
 * The stub's synchronous, asynchronous, error and delay modes as a real Service Manager over HTTP
 * sees them: through its own API (the Service Manager as a platform) and through its OSB face.
 */
@DisplayName("A BrokerStub behind a Service Manager")
class BrokerStubThroughServiceManagerTest {
    private static final String PROVISION_BODY = "{\"service_id\":\"fake-service-id\",\"plan_id\":\"small-id\","
            + "\"organization_guid\":\"org\",\"space_guid\":\"space\"}";

    @RegisterExtension
    ServiceManagerExtension sm = ServiceManagerExtension.newInstance()
            // Polls of asynchronous operations follow at once, so a test waits milliseconds, not seconds.
            .configure(b -> b.operationsPollInterval(Duration.ofMillis(20)).brokerReadTimeout(Duration.ofSeconds(1)))
            .build();

    private ServiceManagerRuntimeInfo info;
    private BrokerStub broker;
    private String brokerId;
    private TestPlatform platform;

    @BeforeEach
    void registerBroker(ServiceManagerRuntimeInfo info) {
        this.info = info;
        ServiceManagerRuntimeInfo.RegisteredBroker registered = info.registerBrokerStub("stubbed");
        broker = registered.stub();
        brokerId = registered.id();
        info.makePlansVisible(brokerId);
        platform = info.registerPlatform("k8s");
    }

    private ApiResponse provisionThroughTheApi() {
        return info.admin().post("/v1/service_instances",
                "{\"name\":\"db1\",\"service_offering_name\":\"fake-service\",\"service_plan_name\":\"small\"}");
    }

    private ApiResponse provisionThroughOsb(String instanceId) {
        return platform.client().put(TestPlatform.osbPath(brokerId) + "/v2/service_instances/" + instanceId
                + "?accepts_incomplete=true", PROVISION_BODY);
    }

    @Test
    @DisplayName("sync: the API provisions at once, and the broker got the PUT with its own credentials")
    void syncThroughTheApi() {
        ApiResponse created = provisionThroughTheApi();

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("ready").asBoolean()).isTrue();
        broker.verify(1, putRequestedFor(urlPathMatching("/v2/service_instances/" + created.text("id")))
                .withBasicAuth(new BasicCredentials(broker.username(), broker.password()))
                .withQueryParam("accepts_incomplete", equalTo("true"))
                .withRequestBody(matchingJsonPath("$.context.platform", equalTo("service-manager"))));
    }

    @Test
    @DisplayName("async: the API answers 202 and its operation succeeds after the broker's last_operation says so")
    void asyncThroughTheApi() throws InterruptedException {
        broker.async(OsbCall.PROVISION, "in progress", "succeeded");

        ApiResponse accepted = provisionThroughTheApi();

        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String operation = accepted.header("Location").orElseThrow();
        assertThat(awaitState(operation)).isEqualTo("succeeded");
        broker.verify(2, getRequestedFor(urlPathMatching(OsbCall.PROVISION.lastOperationPathRegex()))
                .withQueryParam("operation", equalTo("provision-operation")));
    }

    @Test
    @DisplayName("async bind through the API: the binding becomes ready with the broker's credentials")
    void asyncBindThroughTheApi() throws InterruptedException {
        String instanceId = provisionThroughTheApi().text("id");
        broker.async(OsbCall.BIND, "in progress", "succeeded");

        ApiResponse accepted = info.admin().post("/v1/service_bindings",
                "{\"name\":\"b1\",\"service_instance_id\":\"" + instanceId + "\"}");

        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitState(accepted.header("Location").orElseThrow())).isEqualTo("succeeded");
        String bindingId = accepted.header("Location").orElseThrow().replaceAll("^/v1/service_bindings/([^/]+)/.*", "$1");
        ApiResponse binding = info.admin().get("/v1/service_bindings/" + bindingId);
        assertThat(binding.json().path("ready").asBoolean()).as(binding.body()).isTrue();
        assertThat(binding.json().at("/credentials/username").asText()).isEqualTo("stub-user");
    }

    @Test
    @DisplayName("async deprovision through the API: the instance is gone after the broker's last_operation succeeds")
    void asyncDeprovisionThroughTheApi() throws InterruptedException {
        String instanceId = provisionThroughTheApi().text("id");
        broker.async(OsbCall.DEPROVISION, "in progress", "succeeded");

        ApiResponse accepted = info.admin().delete("/v1/service_instances/" + instanceId);

        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitState(accepted.header("Location").orElseThrow())).isEqualTo("succeeded");
        assertThat(info.admin().get("/v1/service_instances/" + instanceId).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("instance parameters through the API: the stub answers the broker's GET of the instance")
    void instanceParametersThroughTheApi() {
        broker.catalog(Catalogs.offering("fake-service").set("instances_retrievable", true)
                .plan(Catalogs.plan("small")));
        ApiResponse refreshed = info.admin().patch("/v1/service_brokers/" + brokerId, "{}");
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String instanceId = provisionThroughTheApi().text("id");

        ApiResponse parameters = info.admin().get("/v1/service_instances/" + instanceId + "/parameters");

        assertThat(parameters.status()).as(parameters.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("error: the API reports the broker's 400 as a BrokerError with the broker's description")
    void errorThroughTheApi() {
        broker.fail(OsbCall.PROVISION, 400, "BadRequest", "the stub refuses small plans");

        ApiResponse refused = provisionThroughTheApi();

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.text("error")).isEqualTo("BrokerError");
        assertThat(refused.text("description")).isEqualTo("the stub refuses small plans");
    }

    @Test
    @DisplayName("sync: the OSB face passes the broker's 201 to the platform")
    void syncThroughOsb() {
        assertThat(provisionThroughOsb("i-sync").status()).isEqualTo(201);

        broker.verify(1, OsbCall.PROVISION.requested()
                .withBasicAuth(new BasicCredentials(broker.username(), broker.password())));
    }

    @Test
    @DisplayName("async: the OSB face passes the 202 and then the broker's last_operation states")
    void asyncThroughOsb() {
        broker.async(OsbCall.PROVISION, "in progress", "succeeded");

        ApiResponse accepted = provisionThroughOsb("i-async");

        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.text("operation")).isEqualTo("provision-operation");
        String poll = TestPlatform.osbPath(brokerId) + "/v2/service_instances/i-async/last_operation?operation="
                + "provision-operation&service_id=fake-service-id&plan_id=small-id";
        assertThat(platform.client().get(poll).text("state")).isEqualTo("in progress");
        assertThat(platform.client().get(poll).text("state")).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("error: the OSB face passes the broker's status and error code unchanged")
    void errorThroughOsb() {
        broker.fail(OsbCall.PROVISION, 422, "ConcurrencyError", "busy");

        ApiResponse refused = provisionThroughOsb("i-error");

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.text("error")).isEqualTo("ConcurrencyError");
    }

    @Test
    @DisplayName("delay: a broker slower than the read timeout gives the platform 504")
    void delayThroughOsb() {
        broker.delay(OsbCall.PROVISION, Duration.ofSeconds(3));

        assertThat(provisionThroughOsb("i-slow").status()).isEqualTo(504);
    }

    private String awaitState(String operationPath) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(10);
        String state;
        do {
            state = info.admin().get(operationPath).text("state");
            if (!"in progress".equals(state)) {
                return state;
            }
            Thread.sleep(10);
        } while (Instant.now().isBefore(deadline));
        return state;
    }
}
