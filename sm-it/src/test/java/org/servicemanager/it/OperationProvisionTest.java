package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerRejectedException;
import org.servicemanager.api.BrokerTimeoutException;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;

@DisplayName("operations engine: provisioning as a platform, with orphan mitigation where OSB asks for it")
class OperationProvisionTest extends EngineTestBase {

    private Started provision(String planId, ResponseDefinitionBuilder answer) {
        ServiceInstance instance = newInstance(planId);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(answer));
        return engine.provision(instance, parse("{\"size\":3}"), CALLER);
    }

    private void deleteAnswers(String instanceId, ResponseDefinitionBuilder answer) {
        stub(delete(urlPathEqualTo(instancePath(instanceId))).willReturn(answer));
    }

    /** The orphan-mitigation delete the broker must have received for an instance of plan small. */
    private void verifyMitigationDelete(String instanceId, int times) {
        broker.verify(times, deleteRequestedFor(urlPathEqualTo(instancePath(instanceId)))
                .withQueryParam("accepts_incomplete", equalTo("true"))
                .withQueryParam("service_id", equalTo("db-id"))
                .withQueryParam("plan_id", equalTo("small-id"))
                .withHeader("X-Broker-API-Version", equalTo("2.17"))
                .withHeader("X-Broker-API-Originating-Identity", absent()));
    }

    /** Checks the state a create with orphan mitigation leaves, runs the mitigation, and checks the end. */
    private void assertMitigated(Started started, String errorCode) {
        String id = started.operation().resourceId();
        Operation failed = operation(started.operation().id());
        assertThat(failed.state()).isEqualTo(OperationState.FAILED);
        assertThat(failed.errors()).extracting(OperationError::error).containsExactly(errorCode);
        assertThat(failed.deletionScheduled()).isEqualTo(now());
        assertThat(failed.step()).isEqualTo(Operation.Step.MITIGATE);
        ServiceInstance kept = instance(id).orElseThrow();
        assertThat(kept.ready()).isFalse();
        assertThat(kept.lastOperation().state()).isEqualTo(OperationState.FAILED);
        verifyMitigationDelete(id, 0);

        deleteAnswers(id, json(200, "{}"));
        assertThat(sm.runDueOperations()).isEqualTo(1);

        verifyMitigationDelete(id, 1);
        assertThat(instance(id)).isEmpty();
        Operation done = operation(started.operation().id());
        assertThat(done.state()).isEqualTo(OperationState.FAILED);
        assertThat(done.step()).isEqualTo(Operation.Step.DONE);
        assertThat(done.workDone()).isTrue();
        assertThat(done.leaseUntil()).isEqualTo(java.time.Instant.EPOCH);
    }

    private void assertRefusedWithoutMitigation(Started started, int status, String errorCode) {
        Throwable failure = failure(started.settled());
        assertThat(failure).isInstanceOf(BrokerRejectedException.class);
        assertThat(((BrokerRejectedException) failure).brokerStatus()).isEqualTo(status);
        Operation failed = operation(started.operation().id());
        assertThat(failed.state()).isEqualTo(OperationState.FAILED);
        assertThat(failed.errors()).extracting(OperationError::error).containsExactly(errorCode);
        assertThat(failed.deletionScheduled()).isNull();
        assertThat(failed.workDone()).isTrue();
        assertThat(instance(started.operation().resourceId())).isEmpty();
        assertThat(after(Duration.ofHours(1))).isZero();
        broker.verify(0, deleteRequestedFor(anyUrl()));
    }

    @Test
    @DisplayName("a synchronous provision sends the OSB request of a platform and stores the ready instance with its succeeded operation")
    void synchronousProvision() {
        Started started = provision(small, json(201, "{\"dashboard_url\":\"https://dash/1\"}"));

        Operation settled = settled(started.settled());

        String id = started.operation().resourceId();
        broker.verify(1, putRequestedFor(urlPathEqualTo(instancePath(id)))
                .withQueryParam("accepts_incomplete", equalTo("true"))
                .withHeader("X-Broker-API-Version", equalTo("2.17"))
                .withHeader("X-Broker-API-Request-Identity", equalTo(CORRELATION))
                .withHeader("X-Correlation-ID", equalTo(CORRELATION))
                .withHeader("X-Broker-API-Originating-Identity", equalTo(IDENTITY))
                .withBasicAuth(new com.github.tomakehurst.wiremock.client.BasicCredentials("broker-user", "broker-pass"))
                .withRequestBody(equalToJson("{\"service_id\":\"db-id\",\"plan_id\":\"small-id\","
                        + "\"organization_guid\":\"-\",\"space_guid\":\"-\",\"context\":{\"platform\":\"service-manager\","
                        + "\"instance_name\":\"my-db\"},\"parameters\":{\"size\":3},"
                        + "\"maintenance_info\":{\"version\":\"1.0.0\"}}")));
        assertThat(settled.state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(settled.workDone()).isTrue();
        ServiceInstance stored = instance(id).orElseThrow();
        assertThat(stored.ready()).isTrue();
        assertThat(stored.dashboardUrl()).isEqualTo("https://dash/1");
        assertThat(stored.lastOperation().operationId()).isEqualTo(started.operation().id());
        assertThat(stored.lastOperation().state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(operation(started.operation().id()).platformId()).isEqualTo("service-manager");
    }

    @Test
    @DisplayName("an asynchronous provision polls last_operation with the percent-encoded operation every poll interval until it succeeds")
    void asynchronousProvision() {
        Started started = provision(small, json(202, "{\"operation\":\"op 1/a\"}"));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));

        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(after(POLL.minusSeconds(1))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);
        broker.verify(1, getRequestedFor(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .withQueryParam("operation", equalTo("op 1/a"))
                .withQueryParam("service_id", equalTo("db-id"))
                .withQueryParam("plan_id", equalTo("small-id"))
                .withHeader("X-Broker-API-Originating-Identity", absent()));
        assertThat(broker.findAll(getRequestedFor(urlPathEqualTo(instancePath(id) + "/last_operation"))).get(0)
                .getUrl()).contains("operation=op%201%2Fa");
        assertThat(instance(id).orElseThrow().ready()).isFalse();

        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"succeeded\"}")));
        assertThat(after(POLL)).isEqualTo(1);

        assertThat(instance(id).orElseThrow().ready()).isTrue();
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("Retry-After of the broker sets when the next poll comes")
    void retryAfter() {
        Started started = provision(small, json(202, "{\"operation\":\"x\"}").withHeader("Retry-After", "30"));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}").withHeader("Retry-After", "60")));
        settled(started.settled());

        assertThat(after(Duration.ofSeconds(29))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);
        assertThat(after(Duration.ofSeconds(59))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);
        broker.verify(2, getRequestedFor(urlPathEqualTo(instancePath(id) + "/last_operation")));
    }

    /** {@code Retry-After} as an HTTP-date, {@code seconds} from the test clock's now. */
    private String httpDate(long seconds) {
        return java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(seconds)
                        .atZone(java.time.ZoneOffset.UTC));
    }

    @Test
    @DisplayName("Retry-After as an HTTP-date sets the next poll at that date")
    void retryAfterHttpDate() {
        Started started = provision(small, json(202, "{\"operation\":\"x\"}")
                .withHeader("Retry-After", httpDate(45)));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        settled(started.settled());

        assertThat(after(Duration.ofSeconds(44))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);
    }

    @Test
    @DisplayName("Retry-After as an HTTP-date far ahead is capped at an hour like the seconds form")
    void retryAfterHttpDateCapped() {
        Started started = provision(small, json(202, "{\"operation\":\"x\"}")
                .withHeader("Retry-After", httpDate(Duration.ofDays(3).toSeconds())));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        settled(started.settled());

        assertThat(after(Duration.ofMinutes(60).minusSeconds(1))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);
    }

    @Test
    @DisplayName("Retry-After as an HTTP-date in the past means poll at once, not the poll interval")
    void retryAfterHttpDatePast() {
        Started started = provision(small, json(202, "{\"operation\":\"x\"}")
                .withHeader("Retry-After", httpDate(-120)));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        settled(started.settled());

        assertThat(after(Duration.ZERO)).isEqualTo(1);
    }

    @Test
    @DisplayName("a Retry-After that is neither seconds nor an HTTP-date leaves the poll interval in force")
    void retryAfterGarbage() {
        Started started = provision(small, json(202, "{\"operation\":\"x\"}")
                .withHeader("Retry-After", "soon-ish"));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        settled(started.settled());

        assertThat(after(POLL.minusSeconds(1))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);
    }

    @Test
    @DisplayName("polling stops at the plan's maximum_polling_duration: the create fails and is deleted at the broker")
    void maximumPollingDuration() {
        Started started = provision(large, json(202, "{}"));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        stub(delete(urlPathEqualTo(instancePath(id))).willReturn(json(200, "{}")));
        settled(started.settled());

        for (int i = 0; i < 14; i++) {
            after(POLL);
        }
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.IN_PROGRESS);
        broker.verify(0, deleteRequestedFor(anyUrl()));
        after(POLL);

        Operation failed = operation(started.operation().id());
        assertThat(failed.state()).isEqualTo(OperationState.FAILED);
        assertThat(failed.deletionScheduled()).isEqualTo(now());
        assertThat(failed.errors().get(0).description()).contains("maximum polling duration");
        broker.verify(1, deleteRequestedFor(urlPathEqualTo(instancePath(id)))
                .withQueryParam("plan_id", equalTo("large-id")));
        assertThat(instance(id)).isEmpty();
    }

    @Test
    @DisplayName("a provision answered 500 fails with 502 and is deleted at the broker at once (orphan mitigation)")
    void mitigationAfter500() {
        Started started = provision(small, json(500, "{\"description\":\"boom\"}"));

        assertThat(failure(started.settled())).isInstanceOf(BrokerException.class)
                .isNotInstanceOf(BrokerRejectedException.class).hasMessageContaining("boom");
        assertMitigated(started, "BrokerError");
    }

    @Test
    @DisplayName("a provision answered 204 (a 2xx OSB does not allow) is deleted at the broker")
    void mitigationAfterOther2xx() {
        Started started = provision(small, aResponse().withStatus(204));

        assertThat(failure(started.settled())).isInstanceOf(BrokerException.class);
        assertMitigated(started, "BrokerError");
    }

    @Test
    @DisplayName("a provision answered 201 with a body that is not a JSON object is deleted at the broker")
    void mitigationAfterMalformed201() {
        Started started = provision(small, json(201, "[1,2]"));

        assertThat(failure(started.settled())).isInstanceOf(BrokerException.class);
        assertMitigated(started, "BrokerError");
    }

    @Test
    @DisplayName("a provision answered 202 whose operation is not a string is deleted at the broker")
    void mitigationAfterMalformed202() {
        Started started = provision(small, json(202, "{\"operation\":42}"));

        assertThat(failure(started.settled())).isInstanceOf(BrokerException.class);
        assertMitigated(started, "BrokerError");
    }

    @Test
    @DisplayName("a provision the broker does not answer within the read timeout fails with 504 and is deleted at the broker")
    void mitigationAfterTimeout() {
        Started started = provision(small, json(201, "{}").withFixedDelay((int) READ_TIMEOUT.toMillis() + 1500));

        assertThat(failure(started.settled())).isInstanceOf(BrokerTimeoutException.class);
        assertMitigated(started, "BrokerTimeout");
    }

    @Test
    @DisplayName("an asynchronous provision that ends failed is deleted at the broker")
    void mitigationAfterAsyncFailure() {
        Started started = provision(small, json(202, "{\"operation\":\"x\"}"));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"failed\",\"description\":\"no capacity\"}")));
        settled(started.settled());

        clock.advance(POLL);
        stub(delete(urlPathEqualTo(instancePath(id))).willReturn(json(200, "{}")));
        sm.runDueOperations();

        Operation failed = operation(started.operation().id());
        assertThat(failed.state()).isEqualTo(OperationState.FAILED);
        assertThat(failed.errors().get(0).description()).isEqualTo("no capacity");
        assertThat(failed.deletionScheduled()).isNotNull();
        verifyMitigationDelete(id, 1);
        assertThat(instance(id)).isEmpty();
    }

    @Test
    @DisplayName("orphan mitigation is retried with doubling waits until the broker confirms the delete")
    void mitigationRetries() {
        Started started = provision(small, json(500, "{}"));
        String id = started.operation().resourceId();
        failure(started.settled());
        deleteAnswers(id, json(500, "{}"));

        assertThat(sm.runDueOperations()).isEqualTo(1);
        assertThat(after(RETRY.minusSeconds(1))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);
        assertThat(after(RETRY.multipliedBy(2).minusSeconds(1))).isZero();
        deleteAnswers(id, json(410, "{}"));
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);

        verifyMitigationDelete(id, 3);
        assertThat(instance(id)).isEmpty();
        assertThat(operation(started.operation().id()).workDone()).isTrue();
    }

    @Test
    @DisplayName("orphan mitigation answered 202 polls the delete until it succeeded, then removes the record")
    void mitigationAsynchronousDelete() {
        Started started = provision(small, json(500, "{}"));
        String id = started.operation().resourceId();
        failure(started.settled());
        deleteAnswers(id, json(202, "{\"operation\":\"del-1\"}"));
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"succeeded\"}")));

        sm.runDueOperations();
        assertThat(instance(id)).isPresent();
        after(POLL);

        broker.verify(1, getRequestedFor(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .withQueryParam("operation", equalTo("del-1")));
        assertThat(instance(id)).isEmpty();
    }

    @Test
    @DisplayName("a provision refused with 400 fails with the broker's error, leaves no record and no delete")
    void noMitigationAfter400() {
        Started started = provision(small, json(400, "{\"error\":\"BadParams\",\"description\":\"size too big\"}"));

        assertRefusedWithoutMitigation(started, 400, "BadParams");
        assertThat(operation(started.operation().id()).errors().get(0).description()).isEqualTo("size too big");
    }

    @Test
    @DisplayName("a provision answered 408 is not deleted at the broker")
    void noMitigationAfter408() {
        assertRefusedWithoutMitigation(provision(small, json(408, "{}")), 408, "BrokerError");
    }

    @Test
    @DisplayName("a provision answered 422 ConcurrencyError is not deleted at the broker")
    void noMitigationAfterConcurrencyError() {
        assertRefusedWithoutMitigation(provision(small, json(422, "{\"error\":\"ConcurrencyError\"}")), 422,
                "ConcurrencyError");
    }

    @Test
    @DisplayName("a provision whose connection was refused (it never arrived) leaves no record and no delete")
    void noMitigationWhenUnreachable() {
        ServiceInstance instance = newInstance(small);
        broker.stop();

        Started started = engine.provision(instance, null, CALLER);

        assertThat(failure(started.settled())).isInstanceOf(BrokerException.class);
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.FAILED);
        assertThat(operation(started.operation().id()).deletionScheduled()).isNull();
        assertThat(instance(instance.id())).isEmpty();
    }

    @Test
    @DisplayName("a last_operation answered 500 or with garbage is asked again later, and the operation goes on")
    void pollFailuresRetried() {
        Started started = provision(small, json(202, "{}"));
        String id = started.operation().resourceId();
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation")).willReturn(json(500, "{}")));
        settled(started.settled());

        assertThat(after(POLL)).isEqualTo(1);
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation")).willReturn(json(200, "not json")));
        assertThat(after(POLL)).isZero();
        assertThat(after(POLL)).isEqualTo(1);
        stub(get(urlPathEqualTo(instancePath(id) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"succeeded\"}")));
        assertThat(after(POLL.multipliedBy(2))).isEqualTo(1);

        assertThat(instance(id).orElseThrow().ready()).isTrue();
        broker.verify(0, deleteRequestedFor(anyUrl()));
    }
}
