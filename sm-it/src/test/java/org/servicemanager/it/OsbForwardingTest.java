package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.FakeOsbService.Failure;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/osb forwarding, with a broker read timeout of 500 ms")
class OsbForwardingTest extends OsbTestBase {
    private static final String BROKER_AUTHORIZATION = "Basic " + Base64.getEncoder()
            .encodeToString((BROKER_USER + ":" + BROKER_PASSWORD).getBytes(StandardCharsets.UTF_8));

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.brokerReadTimeout(Duration.ofMillis(500));
    }

    private RecordedRequest onlyCall() {
        assertThat(stage.osbCalls()).hasSize(1);
        return stage.osbCalls().get(0);
    }

    @Test
    @DisplayName("the broker sees its own Basic credentials on every call, never the platform's Authorization")
    void brokerCredentials() {
        String id = provisioned(osbA, "small");
        String bindingId = bound(osbA, id, "small");
        osbA.get(stage.instance(id) + "/last_operation");
        osbA.delete(stage.binding(id, bindingId) + idsQuery("db", "small"));
        osbA.delete(stage.instance(id) + idsQuery("db", "small"));

        assertThat(stage.osbCalls()).hasSize(5).allSatisfy(request ->
                assertThat(request.headers().get("authorization")).containsExactly(BROKER_AUTHORIZATION));
    }

    @Test
    @DisplayName("HEAD on an instance reaches the broker as GET and comes back with its headers but no body")
    void headIsForwardedAsGet() {
        String id = provisioned(osbA, "small");
        stage.broker.clearRequests();

        ApiResponse head = osbA.raw("HEAD", stage.instance(id), null, null);

        assertThat(onlyCall().method()).isEqualTo("GET");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).hasValueSatisfying(length ->
                assertThat(Integer.parseInt(length)).isPositive());
    }

    @Test
    @DisplayName("X-Broker-API-Version is passed as received")
    void apiVersionPassed() {
        osbA.withHeader("X-Broker-API-Version", "2.14").put(stage.instance(unique("i")), provisionBody("small"));

        assertThat(onlyCall().header("X-Broker-API-Version")).hasValue("2.14");
    }

    @Test
    @DisplayName("X-Broker-API-Originating-Identity is passed as received")
    void originatingIdentityPassed() {
        String identity = "cloudfoundry eyJ1c2VyX2lkIjoiNjgzZWE3NDgtMzA5Mi00ZmY0LWI2NTYtMzljYWNjNGQ1MzYwIn0=";

        osbA.withHeader("X-Broker-API-Originating-Identity", identity)
                .put(stage.instance(unique("i")), provisionBody("small"));

        assertThat(onlyCall().header("X-Broker-API-Originating-Identity")).hasValue(identity);
    }

    @Test
    @DisplayName("X-Broker-API-Request-Identity is passed as received")
    void requestIdentityPassed() {
        String identity = UUID.randomUUID().toString();

        osbA.withHeader("X-Broker-API-Request-Identity", identity)
                .put(stage.instance(unique("i")), provisionBody("small"));

        assertThat(onlyCall().header("X-Broker-API-Request-Identity")).hasValue(identity);
    }

    @Test
    @DisplayName("without X-Broker-API-Request-Identity the broker gets a new UUID; X-Correlation-ID is always there")
    void requestIdentityGenerated() {
        osbA.put(stage.instance(unique("i")), provisionBody("small"));

        RecordedRequest call = onlyCall();
        assertThat(UUID.fromString(call.header("X-Broker-API-Request-Identity").orElseThrow())).isNotNull();
        assertThat(call.header("X-Correlation-ID")).hasValueSatisfying(v -> assertThat(v).isNotBlank());
    }

    @Test
    @DisplayName("the platform's X-Correlation-ID reaches the broker and comes back")
    void correlationIdPassed() {
        ApiResponse response = osbA.withHeader("X-Correlation-ID", "corr-42")
                .put(stage.instance(unique("i")), provisionBody("small"));

        assertThat(onlyCall().header("X-Correlation-ID")).hasValue("corr-42");
        assertThat(response.header("X-Correlation-ID")).hasValue("corr-42");
    }

    @Test
    @DisplayName("the body reaches the broker byte for byte: whitespace, field order and escapes kept")
    void bodyUnchanged() {
        String body = "{ \"plan_id\" : \"small-id\",\n  \"service_id\":\"db-id\", \"parameters\": {\"name\": "
                + "\"caf\\u00e9 \u00e9\", \"n\": 1.50}, \"context\": {\"platform\": \"cloudfoundry\"} }";

        osbA.put(stage.instance(unique("i")), body);

        assertThat(onlyCall().body()).isEqualTo(body);
    }

    @Test
    @DisplayName("the query string reaches the broker unchanged on provision, deprovision and last_operation")
    void queryUnchanged() {
        String id = unique("i");
        stage.osb.asynchronous(0);
        osbA.put(stage.instance(id) + "?accepts_incomplete=true", provisionBody("small"));
        String poll = "service_id=db-id&plan_id=small-id&operation=provision%201%2Fx";
        osbA.get(stage.instance(id) + "/last_operation?" + poll);
        String delete = "accepts_incomplete=true&service_id=db-id&plan_id=small-id";
        osbA.delete(stage.instance(id) + "?" + delete);

        assertThat(stage.osbCalls()).extracting(RecordedRequest::query)
                .containsExactly("accepts_incomplete=true", poll, delete);
    }

    @Test
    @DisplayName("the broker's status, body, Retry-After and Location come back unchanged")
    void answerUnchanged() {
        Stage s = newStage(defaultCatalog());
        String answer = "{\"operation\": \"op 1\",  \"extra\": [1, 2]}";
        s.broker.route("PUT", FakeOsbService.INSTANCE_PATH, request -> Reply.json(202, answer)
                .withHeader("Retry-After", "7").withHeader("Location", "https://broker.example.com/ops/1"));

        ApiResponse response = osbA.put(s.instance(unique("i")) + "?accepts_incomplete=true",
                provisionBody("small"));

        assertThat(response.status()).isEqualTo(202);
        assertThat(response.body()).isEqualTo(answer);
        assertThat(response.header("Retry-After")).hasValue("7");
        assertThat(response.header("Location")).hasValue("https://broker.example.com/ops/1");
    }

    @Test
    @DisplayName("a broker error (500 with an OSB body) comes back unchanged; the record stays, not ready, as the "
            + "broker may hold the instance")
    void brokerErrorPassedThrough() {
        String id = unique("i");
        stage.osb.failNextCall(Failure.SERVER_ERROR);

        ApiResponse response = osbA.put(stage.instance(id), provisionBody("small"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.text("error")).isEqualTo("InternalServerError");
        assertThat(response.text("description")).isEqualTo("the fake broker failed on purpose");
        assertKeptNotReady(id);
    }

    @Test
    @DisplayName("the broker's 422 AsyncRequired comes back unchanged")
    void asyncRequiredPassedThrough() {
        stage.osb.asynchronous(1);

        ApiResponse response = osbA.put(stage.instance(unique("i")), provisionBody("small"));

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.text("error")).isEqualTo("AsyncRequired");
    }

    @Test
    @DisplayName("an unreachable broker (connection refused) is 502 naming the broker, and nothing is recorded: "
            + "the broker never got the request")
    void unreachable() {
        Stage s = newStage(defaultCatalog());
        s.broker.close();
        String id = unique("i");

        ApiResponse response = osbA.put(s.instance(id), provisionBody("small"));

        assertOsbError(response, 502);
        assertThat(response.text("description")).contains(s.brokerName);
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a broker slower than the read timeout is 504 naming the broker; the record stays, not ready")
    void timeout() {
        String id = unique("i");
        stage.osb.slowness(Duration.ofSeconds(3)).failNextCall(Failure.TIMEOUT);

        long start = System.nanoTime();
        ApiResponse response = osbA.put(stage.instance(id), provisionBody("small"));

        assertOsbError(response, 504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(response.text("description")).contains(stage.brokerName);
        assertKeptNotReady(id);
    }

    @Test
    @DisplayName("a broker answer that is not JSON is 502 naming the broker; the record stays, not ready")
    void notJson() {
        String id = unique("i");
        stage.osb.failNextCall(Failure.INVALID_JSON);

        ApiResponse response = osbA.put(stage.instance(id), provisionBody("small"));

        assertOsbError(response, 502);
        assertThat(response.text("description")).contains(stage.brokerName);
        assertKeptNotReady(id);
    }

    /** The broker may hold what it was asked for: the record stays until the broker says otherwise. */
    private void assertKeptNotReady(String id) {
        ApiResponse record = instanceRecord(id);
        assertThat(record.status()).as(record.body()).isEqualTo(200);
        assertThat(record.json().get("ready").asBoolean()).isFalse();
    }
}
