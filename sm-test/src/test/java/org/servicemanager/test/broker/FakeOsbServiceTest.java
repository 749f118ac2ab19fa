package org.servicemanager.test.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeOsbService.Failure;
import org.servicemanager.test.broker.FakeOsbService.Outcome;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("FakeOsbService")
class FakeOsbServiceTest {
    private static final String PROVISION = "{\"service_id\":\"s\",\"plan_id\":\"p\"}";
    private static final String INSTANCE = "/v2/service_instances/i1";
    private static final String BINDING = INSTANCE + "/service_bindings/b1";
    private static final String IDS = "?service_id=s&plan_id=p";

    private FakeBroker broker;
    private FakeOsbService osb;
    private ApiClient client;

    @BeforeEach
    void start() {
        broker = FakeBroker.start();
        osb = FakeOsbService.install(broker);
        client = new ApiClient(broker.url()).withHeader("X-Broker-API-Version", "2.17");
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    @DisplayName("provisions synchronously with 201 and a dashboard URL, and keeps the instance")
    void provisionsSynchronously() {
        ApiResponse response = client.put(INSTANCE, PROVISION);

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.text("dashboard_url")).isEqualTo(FakeOsbService.dashboardUrl("i1"));
        assertThat(osb.instanceIds()).containsExactly("i1");
        assertThat(osb.planOf("i1")).hasValue("p");
    }

    @Test
    @DisplayName("a second identical provision is 200, a different one 409")
    void provisionsIdempotently() {
        client.put(INSTANCE, PROVISION);

        assertThat(client.put(INSTANCE, PROVISION).status()).isEqualTo(200);
        assertThat(client.put(INSTANCE, "{\"service_id\":\"s\",\"plan_id\":\"other\"}").status()).isEqualTo(409);
    }

    @Test
    @DisplayName("deprovision is 200 and forgets the instance; of an unknown instance it is 410")
    void deprovisions() {
        client.put(INSTANCE, PROVISION);

        assertThat(client.delete(INSTANCE + IDS).status()).isEqualTo(200);
        assertThat(osb.instanceIds()).isEmpty();
        assertThat(client.delete(INSTANCE + IDS).status()).isEqualTo(410);
    }

    @Test
    @DisplayName("update changes the plan; fetch answers the instance")
    void updatesAndFetches() {
        client.put(INSTANCE, PROVISION);

        assertThat(client.patch(INSTANCE, "{\"service_id\":\"s\",\"plan_id\":\"q\"}").status()).isEqualTo(200);
        ApiResponse fetched = client.get(INSTANCE);
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.text("plan_id")).isEqualTo("q");
    }

    @Test
    @DisplayName("async: 202 with an operation, then in progress N times with Retry-After, then succeeded")
    void asyncSucceeds() {
        osb.asynchronous(2);

        ApiResponse accepted = client.put(INSTANCE + "?accepts_incomplete=true", PROVISION);

        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.text("operation")).startsWith("provision-");
        for (int i = 0; i < 2; i++) {
            ApiResponse polled = client.get(INSTANCE + "/last_operation");
            assertThat(polled.text("state")).isEqualTo("in progress");
            assertThat(polled.header("Retry-After")).hasValue("1");
        }
        assertThat(client.get(INSTANCE + "/last_operation").text("state")).isEqualTo("succeeded");
        assertThat(client.get(INSTANCE).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("async: a failed create forgets the instance; last_operation is then 410")
    void asyncCreateFails() {
        osb.asynchronous(0).finishWith(Outcome.FAILED, false);
        client.put(INSTANCE + "?accepts_incomplete=true", PROVISION);

        assertThat(client.get(INSTANCE + "/last_operation").text("state")).isEqualTo("failed");
        assertThat(osb.instanceIds()).isEmpty();
        assertThat(client.get(INSTANCE + "/last_operation").status()).isEqualTo(410);
    }

    @Test
    @DisplayName("async: a failed update keeps the old plan and reports instance_usable as configured")
    void asyncUpdateFails() {
        client.put(INSTANCE, PROVISION);
        osb.asynchronous(0).finishWith(Outcome.FAILED, false);

        assertThat(client.patch(INSTANCE + "?accepts_incomplete=true", "{\"service_id\":\"s\",\"plan_id\":\"q\"}")
                .status()).isEqualTo(202);
        ApiResponse polled = client.get(INSTANCE + "/last_operation");

        assertThat(polled.text("state")).isEqualTo("failed");
        assertThat(polled.json().get("instance_usable").asBoolean()).isFalse();
        assertThat(osb.planOf("i1")).hasValue("p");
    }

    @Test
    @DisplayName("async: without accepts_incomplete=true a call is 422 AsyncRequired")
    void asyncRequired() {
        osb.asynchronous(1);

        ApiResponse response = client.put(INSTANCE, PROVISION);

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.text("error")).isEqualTo("AsyncRequired");
        assertThat(osb.instanceIds()).isEmpty();
    }

    @Test
    @DisplayName("async: a call while an operation is in progress is 422 ConcurrencyError")
    void concurrencyWhileInProgress() {
        osb.asynchronous(5);
        client.put(INSTANCE + "?accepts_incomplete=true", PROVISION);

        ApiResponse response = client.delete(INSTANCE + IDS + "&accepts_incomplete=true");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.text("error")).isEqualTo("ConcurrencyError");
    }

    @Test
    @DisplayName("bind answers credentials with a password unique to the binding; fetch repeats them")
    void bindsWithCredentials() {
        client.put(INSTANCE, PROVISION);

        ApiResponse bound = client.put(BINDING, PROVISION);

        assertThat(bound.status()).isEqualTo(201);
        assertThat(bound.json().at("/credentials/username").asText()).isEqualTo("user-b1");
        assertThat(bound.json().at("/credentials/password").asText()).isEqualTo(osb.passwordOf("b1").orElseThrow());
        assertThat(client.get(BINDING).json().at("/credentials/password").asText())
                .isEqualTo(osb.passwordOf("b1").orElseThrow());
        assertThat(client.delete(BINDING + IDS).status()).isEqualTo(200);
        assertThat(client.delete(BINDING + IDS).status()).isEqualTo(410);
    }

    @Test
    @DisplayName("async bind and unbind follow last_operation of the binding")
    void asyncBinding() {
        client.put(INSTANCE, PROVISION);
        osb.asynchronous(1);

        assertThat(client.put(BINDING + "?accepts_incomplete=true", PROVISION).status()).isEqualTo(202);
        assertThat(client.get(BINDING + "/last_operation").text("state")).isEqualTo("in progress");
        assertThat(client.get(BINDING + "/last_operation").text("state")).isEqualTo("succeeded");
        assertThat(client.delete(BINDING + IDS + "&accepts_incomplete=true").status()).isEqualTo(202);
        client.get(BINDING + "/last_operation");
        assertThat(client.get(BINDING + "/last_operation").text("state")).isEqualTo("succeeded");
        assertThat(osb.bindingIds()).isEmpty();
    }

    @Test
    @DisplayName("failNextCall fails only the next call, without changing the state")
    void failsNextCall() {
        osb.failNextCall(Failure.SERVER_ERROR);

        ApiResponse failed = client.put(INSTANCE, PROVISION);

        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.text("error")).isEqualTo("InternalServerError");
        assertThat(osb.instanceIds()).isEmpty();
        assertThat(client.put(INSTANCE, PROVISION).status()).isEqualTo(201);
    }

    @Test
    @DisplayName("failAllCalls answers every call with the failure until reset")
    void failsAllCalls() {
        osb.failAllCalls(Failure.CONCURRENCY_ERROR);

        assertThat(client.put(INSTANCE, PROVISION).status()).isEqualTo(422);
        assertThat(client.get(INSTANCE + "/last_operation").text("error")).isEqualTo("ConcurrencyError");
        osb.reset();
        assertThat(client.put(INSTANCE, PROVISION).status()).isEqualTo(201);
    }

    @Test
    @DisplayName("the GONE, ASYNC_REQUIRED, INVALID_JSON and TIMEOUT failures answer 410, 422, a non-JSON body and a "
            + "late answer")
    void otherFailures() {
        osb.slowness(Duration.ofMillis(300)).failNextCall(Failure.GONE).failNextCall(Failure.ASYNC_REQUIRED)
                .failNextCall(Failure.INVALID_JSON).failNextCall(Failure.TIMEOUT);

        assertThat(client.put(INSTANCE, PROVISION).status()).isEqualTo(410);
        assertThat(client.put(INSTANCE + "?accepts_incomplete=true", PROVISION).text("error"))
                .isEqualTo("AsyncRequired");
        assertThat(client.put(INSTANCE, PROVISION).body()).contains("this is not json");
        long start = System.nanoTime();
        client.put(INSTANCE, PROVISION);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    @DisplayName("the catalog is still served by the broker")
    void catalogUntouched() {
        assertThat(client.get(FakeBroker.CATALOG_PATH).status()).isEqualTo(200);
    }
}
