package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerRejectedException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;

@DisplayName("operations engine: updates, deprovisions, binds and unbinds as a platform")
class OperationLifecycleTest extends EngineTestBase {

    private ServiceInstance updatedTo(ServiceInstance current, String planId, String name) {
        return current.withPlan(planId, current.context()).withName(name).withMaintenanceInfo(null)
                .withLabels(Labels.empty(), now());
    }

    @Test
    @DisplayName("an update sends the target plan with previous_values and changes the record once the broker answers 200")
    void synchronousUpdate() {
        ServiceInstance current = provisioned();
        stub(patch(urlPathEqualTo(instancePath(current.id()))).willReturn(json(200, "{}")));

        Started started = engine.update(current, updatedTo(current, large, "renamed"), parse("{\"a\":1}"), CALLER);

        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.SUCCEEDED);
        broker.verify(1, patchRequestedFor(urlPathEqualTo(instancePath(current.id())))
                .withQueryParam("accepts_incomplete", equalTo("true"))
                .withHeader("X-Broker-API-Originating-Identity", equalTo(IDENTITY))
                .withHeader("X-Broker-API-Request-Identity", equalTo(CORRELATION))
                .withRequestBody(equalToJson("{\"service_id\":\"db-id\",\"plan_id\":\"large-id\",\"context\":"
                        + "{\"platform\":\"service-manager\",\"instance_name\":\"renamed\"},\"parameters\":{\"a\":1},"
                        + "\"previous_values\":{\"service_id\":\"db-id\",\"plan_id\":\"small-id\","
                        + "\"maintenance_info\":{\"version\":\"1.0.0\"}}}")));
        ServiceInstance stored = instance(current.id()).orElseThrow();
        assertThat(stored.servicePlanId()).isEqualTo(large);
        assertThat(stored.name()).isEqualTo("renamed");
        assertThat(stored.pendingPlanId()).isNull();
        assertThat(stored.lastOperation().operationId()).isEqualTo(started.operation().id());
    }

    @Test
    @DisplayName("an update of only the name makes no broker call and succeeds at once")
    void nameOnlyUpdate() {
        ServiceInstance current = provisioned();

        Started started = engine.update(current, current.withName("other"), null, CALLER);

        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(current.id()).orElseThrow().name()).isEqualTo("other");
        assertThat(broker.getAllServeEvents()).isEmpty();
    }

    @Test
    @DisplayName("an update refused with 400 keeps the old values and is never deleted at the broker")
    void failedUpdate() {
        ServiceInstance current = provisioned();
        stub(patch(urlPathEqualTo(instancePath(current.id())))
                .willReturn(json(400, "{\"description\":\"no downgrade\"}")));

        Started started = engine.update(current, updatedTo(current, large, "renamed"), null, CALLER);

        assertThat(failure(started.settled())).isInstanceOf(BrokerRejectedException.class)
                .hasMessage("no downgrade");
        ServiceInstance stored = instance(current.id()).orElseThrow();
        assertThat(stored.servicePlanId()).isEqualTo(small);
        assertThat(stored.name()).isEqualTo("my-db");
        assertThat(stored.pendingPlanId()).isNull();
        assertThat(stored.lastOperation().state()).isEqualTo(OperationState.FAILED);
        assertThat(operation(started.operation().id()).errors()).containsExactly(
                new OperationError("BrokerError", "no downgrade"));
        assertThat(after(Duration.ofHours(1))).isZero();
        broker.verify(0, deleteRequestedFor(anyUrl()));
    }

    @Test
    @DisplayName("an update answered 500 fails with 502, keeps the old values and is never deleted at the broker")
    void brokenUpdate() {
        ServiceInstance current = provisioned();
        stub(patch(urlPathEqualTo(instancePath(current.id()))).willReturn(json(500, "{}")));

        Started started = engine.update(current, updatedTo(current, large, "renamed"), null, CALLER);

        assertThat(failure(started.settled())).isInstanceOf(BrokerException.class);
        assertThat(instance(current.id()).orElseThrow().servicePlanId()).isEqualTo(small);
        assertThat(operation(started.operation().id()).deletionScheduled()).isNull();
        assertThat(after(Duration.ofHours(1))).isZero();
        broker.verify(0, deleteRequestedFor(anyUrl()));
    }

    @Test
    @DisplayName("an asynchronous update that ends failed keeps the old values, takes instance_usable, and is not deleted")
    void asynchronousFailedUpdate() {
        ServiceInstance current = provisioned();
        stub(patch(urlPathEqualTo(instancePath(current.id()))).willReturn(json(202, "{\"operation\":\"u1\"}")));
        stub(get(urlPathEqualTo(instancePath(current.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"failed\",\"instance_usable\":false}")));

        Started started = engine.update(current, updatedTo(current, large, "renamed"), null, CALLER);
        settled(started.settled());
        assertThat(instance(current.id()).orElseThrow().pendingPlanId()).isEqualTo(large);
        after(POLL);

        broker.verify(1, getRequestedFor(urlPathEqualTo(instancePath(current.id()) + "/last_operation"))
                .withQueryParam("operation", equalTo("u1")).withQueryParam("plan_id", equalTo("large-id")));
        ServiceInstance stored = instance(current.id()).orElseThrow();
        assertThat(stored.servicePlanId()).isEqualTo(small);
        assertThat(stored.pendingPlanId()).isNull();
        assertThat(stored.usable()).isFalse();
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.FAILED);
        assertThat(after(Duration.ofHours(1))).isZero();
        broker.verify(0, deleteRequestedFor(anyUrl()));
    }

    @Test
    @DisplayName("a deprovision sends service_id and plan_id as query and removes the record on 200")
    void synchronousDeprovision() {
        ServiceInstance current = provisioned();
        stub(delete(urlPathEqualTo(instancePath(current.id()))).willReturn(json(200, "{}")));

        Started started = engine.deprovision(current, CALLER);

        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.SUCCEEDED);
        broker.verify(1, deleteRequestedFor(urlPathEqualTo(instancePath(current.id())))
                .withQueryParam("accepts_incomplete", equalTo("true"))
                .withQueryParam("service_id", equalTo("db-id")).withQueryParam("plan_id", equalTo("small-id"))
                .withHeader("X-Broker-API-Originating-Identity", equalTo(IDENTITY)));
        assertThat(instance(current.id())).isEmpty();
        assertThat(operation(started.operation().id()).type()).isEqualTo(OperationType.DELETE);
    }

    @Test
    @DisplayName("a deprovision answered 410 counts as success")
    void deprovisionGone() {
        ServiceInstance current = provisioned();
        stub(delete(urlPathEqualTo(instancePath(current.id()))).willReturn(json(410, "{}")));

        assertThat(settled(engine.deprovision(current, CALLER).settled()).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(current.id())).isEmpty();
    }

    @Test
    @DisplayName("an asynchronous deprovision whose last_operation answers 410 succeeds")
    void asynchronousDeprovisionGone() {
        ServiceInstance current = provisioned();
        stub(delete(urlPathEqualTo(instancePath(current.id()))).willReturn(json(202, "{}")));
        stub(get(urlPathEqualTo(instancePath(current.id()) + "/last_operation")).willReturn(json(410, "{}")));

        Started started = engine.deprovision(current, CALLER);
        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(instance(current.id())).isPresent();
        after(POLL);

        assertThat(instance(current.id())).isEmpty();
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("a deprovision refused with 400 keeps the record and fails with the broker's description")
    void refusedDeprovision() {
        ServiceInstance current = provisioned();
        stub(delete(urlPathEqualTo(instancePath(current.id()))).willReturn(json(400, "{\"description\":\"in use\"}")));

        Started started = engine.deprovision(current, CALLER);

        assertThat(failure(started.settled())).isInstanceOf(BrokerRejectedException.class).hasMessage("in use");
        assertThat(instance(current.id()).orElseThrow().lastOperation().state()).isEqualTo(OperationState.FAILED);
    }

    @Test
    @DisplayName("a synchronous bind stores the credentials sealed, never in clear, and sends the bind request")
    void synchronousBind() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        stub(put(urlPathEqualTo(bindingPath(instance.id(), binding.id()))).willReturn(json(201,
                "{\"credentials\":{\"password\":\"s3cret-pw\"},\"syslog_drain_url\":\"syslog://x\"}")));

        Started started = engine.bind(binding, parse("{\"p\":true}"), CALLER);

        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.SUCCEEDED);
        broker.verify(1, putRequestedFor(urlPathEqualTo(bindingPath(instance.id(), binding.id())))
                .withQueryParam("accepts_incomplete", equalTo("true"))
                .withHeader("X-Broker-API-Originating-Identity", equalTo(IDENTITY))
                .withRequestBody(equalToJson("{\"service_id\":\"db-id\",\"plan_id\":\"small-id\",\"context\":"
                        + "{\"platform\":\"service-manager\",\"instance_name\":\"my-db\"},"
                        + "\"bind_resource\":{\"app_guid\":\"app-1\"},\"parameters\":{\"p\":true}}")));
        ServiceBinding stored = binding(binding.id()).orElseThrow();
        assertThat(stored.ready()).isTrue();
        assertThat(stored.credentials()).doesNotContain("s3cret-pw");
        assertThat(stored.toString()).doesNotContain("s3cret-pw");
        assertThat(operation(started.operation().id()).toString()).doesNotContain("s3cret-pw");
        JsonNode opened = parse(secrets().openText(stored.credentials()));
        assertThat(opened.get("credentials").get("password").asText()).isEqualTo("s3cret-pw");
        assertThat(opened.get("syslog_drain_url").asText()).isEqualTo("syslog://x");
    }

    @Test
    @DisplayName("an asynchronous bind polls the binding's last_operation, then fetches and seals its credentials")
    void asynchronousBind() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        String path = bindingPath(instance.id(), binding.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(202, "{\"operation\":\"b1\"}")));
        stub(get(urlPathEqualTo(path + "/last_operation")).willReturn(json(200, "{\"state\":\"succeeded\"}")));
        stub(get(urlPathEqualTo(path)).willReturn(json(200, "{\"credentials\":{\"password\":\"s3cret-pw\"}}")));

        Started started = engine.bind(binding, null, CALLER);
        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(binding(binding.id()).orElseThrow().ready()).isFalse();
        after(POLL);

        broker.verify(1, getRequestedFor(urlPathEqualTo(path + "/last_operation"))
                .withQueryParam("operation", equalTo("b1")).withQueryParam("service_id", equalTo("db-id")));
        broker.verify(1, getRequestedFor(urlPathEqualTo(path)).withHeader("X-Broker-API-Version", equalTo("2.17")));
        ServiceBinding stored = binding(binding.id()).orElseThrow();
        assertThat(stored.ready()).isTrue();
        assertThat(stored.credentials()).doesNotContain("s3cret-pw");
        assertThat(parse(secrets().openText(stored.credentials())).get("credentials").get("password").asText())
                .isEqualTo("s3cret-pw");
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("a bind answered 500 is unbound at the broker until it confirms, then the binding record goes")
    void bindMitigation() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        String path = bindingPath(instance.id(), binding.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(500, "{}")));
        stub(delete(urlPathEqualTo(path)).willReturn(json(200, "{}")));

        Started started = engine.bind(binding, null, CALLER);
        assertThat(failure(started.settled())).isInstanceOf(BrokerException.class);
        assertThat(binding(binding.id())).isPresent();
        sm.runDueOperations();

        broker.verify(1, deleteRequestedFor(urlPathEqualTo(path)).withQueryParam("accepts_incomplete", equalTo("true"))
                .withQueryParam("service_id", equalTo("db-id")).withQueryParam("plan_id", equalTo("small-id"))
                .withHeader("X-Broker-API-Originating-Identity", absent()));
        assertThat(binding(binding.id())).isEmpty();
        assertThat(operation(started.operation().id()).deletionScheduled()).isNotNull();
    }

    @Test
    @DisplayName("a bind refused with 422 ConcurrencyError leaves no binding and no unbind")
    void bindRefused() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        stub(put(urlPathEqualTo(bindingPath(instance.id(), binding.id())))
                .willReturn(json(422, "{\"error\":\"ConcurrencyError\"}")));

        Started started = engine.bind(binding, null, CALLER);

        assertThat(failure(started.settled())).isInstanceOf(BrokerRejectedException.class);
        assertThat(binding(binding.id())).isEmpty();
        assertThat(after(Duration.ofHours(1))).isZero();
        broker.verify(0, deleteRequestedFor(anyUrl()));
    }

    @Test
    @DisplayName("an unbind sends service_id and plan_id and removes the binding on 200")
    void unbind() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        String path = bindingPath(instance.id(), binding.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(201, "{}")));
        settled(engine.bind(binding, null, CALLER).settled());
        stub(delete(urlPathEqualTo(path)).willReturn(json(200, "{}")));

        Started started = engine.unbind(binding(binding.id()).orElseThrow(), CALLER);

        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.SUCCEEDED);
        broker.verify(1, deleteRequestedFor(urlPathEqualTo(path)).withQueryParam("service_id", equalTo("db-id"))
                .withQueryParam("plan_id", equalTo("small-id"))
                .withHeader("X-Broker-API-Originating-Identity", equalTo(IDENTITY)));
        assertThat(binding(binding.id())).isEmpty();
    }

    @Test
    @DisplayName("an update while the create is in progress is refused (422) and stores nothing")
    void concurrentUpdate() {
        ServiceInstance instance = newInstance(small);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{}")));
        settled(engine.provision(instance, null, CALLER).settled());
        ServiceInstance stored = instance(instance.id()).orElseThrow();
        long operations = operationCount();

        assertThatThrownBy(() -> engine.update(stored, updatedTo(stored, large, "x"), null, CALLER))
                .isInstanceOf(ConcurrentModificationException.class);

        assertThat(operationCount()).isEqualTo(operations);
        broker.verify(0, patchRequestedFor(anyUrl()));
    }

    @Test
    @DisplayName("a second delete while a delete is in progress is refused (422)")
    void concurrentDelete() {
        ServiceInstance current = provisioned();
        stub(delete(urlPathEqualTo(instancePath(current.id()))).willReturn(json(202, "{}")));
        settled(engine.deprovision(current, CALLER).settled());

        assertThatThrownBy(() -> engine.deprovision(current, CALLER))
                .isInstanceOf(ConcurrentModificationException.class);
    }

    @Test
    @DisplayName("a delete during a create in progress is sent to the broker")
    void deleteDuringCreate() {
        ServiceInstance instance = newInstance(small);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{}")));
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(200, "{}")));
        settled(engine.provision(instance, null, CALLER).settled());

        Started deleted = engine.deprovision(instance(instance.id()).orElseThrow(), CALLER);

        assertThat(settled(deleted.settled()).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(instance.id())).isEmpty();
        after(POLL);
        Operation create = store.repository(org.servicemanager.api.store.EntityTypes.OPERATIONS)
                .list(org.servicemanager.api.query.Query.fieldEquals("type", "create"),
                        org.servicemanager.api.query.PageRequest.unbounded()).items().get(0);
        assertThat(create.workDone()).isTrue();
    }

    @Test
    @DisplayName("parameters are read with a GET of the instance at the broker")
    void parameters() {
        ServiceInstance current = provisioned();
        stub(get(urlPathEqualTo(instancePath(current.id())))
                .willReturn(json(200, "{\"parameters\":{\"size\":3},\"service_id\":\"db-id\"}")));

        JsonNode parameters = settled(engine.parameters(current, CALLER));

        assertThat(parameters.get("size").asInt()).isEqualTo(3);
        broker.verify(1, getRequestedFor(urlPathEqualTo(instancePath(current.id())))
                .withHeader("X-Broker-API-Version", equalTo("2.17"))
                .withHeader("X-Broker-API-Originating-Identity", equalTo(IDENTITY)));
    }

    @Test
    @DisplayName("parameters the broker refuses with 404 fail as a refusal (400)")
    void parametersRefused() {
        ServiceInstance current = provisioned();
        stub(get(urlPathEqualTo(instancePath(current.id()))).willReturn(json(404, "{}")));

        assertThat(failure(engine.parameters(current, CALLER))).isInstanceOf(BrokerRejectedException.class);
    }

    @Test
    @DisplayName("a credential fetch the broker fails is retried after the retry interval until it gets them")
    void fetchRetried() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        String path = bindingPath(instance.id(), binding.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(202, "{}")));
        stub(get(urlPathEqualTo(path + "/last_operation")).willReturn(json(200, "{\"state\":\"succeeded\"}")));
        stub(get(urlPathEqualTo(path)).willReturn(json(503, "{}")));
        settled(engine.bind(binding, null, CALLER).settled());

        after(POLL);
        assertThat(binding(binding.id()).orElseThrow().ready()).isFalse();
        stub(get(urlPathEqualTo(path)).willReturn(json(200, "{\"credentials\":{\"u\":\"v\"}}")));
        assertThat(after(RETRY.minusSeconds(1))).isZero();
        assertThat(after(Duration.ofSeconds(1))).isEqualTo(1);

        assertThat(binding(binding.id()).orElseThrow().ready()).isTrue();
        broker.verify(2, getRequestedFor(urlPathEqualTo(path)));
        broker.verify(0, deleteRequestedFor(anyUrl()));
    }
}
