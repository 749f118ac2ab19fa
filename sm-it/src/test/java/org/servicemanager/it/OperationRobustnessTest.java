package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.BrokerRejectedException;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;

@DisplayName("operations engine: interrupted creates, failures while working, polling limits")
class OperationRobustnessTest extends EngineTestBase {
    private static final String CONCURRENCY = "{\"error\":\"ConcurrencyError\",\"description\":\"busy\"}";

    /** An asynchronous provision (202), its last_operation answered "in progress". */
    private ServiceInstance asyncProvision() {
        // Names are unique among service-manager's instances: each its own.
        ServiceInstance instance = newInstance(small).withName(unique("db"));
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{\"operation\":\"p\"}")));
        stub(get(urlPathEqualTo(instancePath(instance.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        Started started = engine.provision(instance, null, CALLER);
        assertThat(settled(started.settled()).state()).isEqualTo(OperationState.IN_PROGRESS);
        return instance(instance.id()).orElseThrow();
    }

    private void lastOperationAnswers(String path, String state) {
        stub(get(urlPathEqualTo(path + "/last_operation")).willReturn(json(200, "{\"state\":\"" + state + "\"}")));
    }

    private int polls(String path) {
        return broker.findAll(getRequestedFor(urlPathEqualTo(path + "/last_operation"))).size();
    }

    @Test
    @DisplayName("a delete the broker refuses during an async create gives the record back to the create, which "
            + "makes it ready when it succeeds")
    void refusedDeleteGivesCreateBack() {
        ServiceInstance instance = asyncProvision();
        String create = instance.lastOperation().operationId();
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(422, CONCURRENCY)));

        Started delete = engine.deprovision(instance, CALLER);

        assertThat(failure(delete.settled())).isInstanceOf(BrokerRejectedException.class);
        assertThat(operation(delete.operation().id()).state()).isEqualTo(OperationState.FAILED);
        assertThat(instance(instance.id()).orElseThrow().lastOperation().operationId()).isEqualTo(create);
        lastOperationAnswers(instancePath(instance.id()), "succeeded");
        after(POLL);
        ServiceInstance ready = instance(instance.id()).orElseThrow();
        assertThat(ready.ready()).isTrue();
        assertThat(ready.lastOperation().operationId()).isEqualTo(create);
        assertThat(ready.lastOperation().state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("a delete refused during an async create that then fails: orphan mitigation removes the record "
            + "once the broker confirms")
    void refusedDeleteThenCreateFails() {
        ServiceInstance instance = asyncProvision();
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(422, CONCURRENCY)));
        failure(engine.deprovision(instance, CALLER).settled());
        lastOperationAnswers(instancePath(instance.id()), "failed");
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(200, "{}")));

        after(POLL);

        Operation create = operation(instance.lastOperation().operationId());
        assertThat(create.state()).isEqualTo(OperationState.FAILED);
        assertThat(create.deletionScheduled()).isNotNull();
        assertThat(create.step()).isEqualTo(Operation.Step.DONE);
        assertThat(instance(instance.id())).isEmpty();
        broker.verify(2, deleteRequestedFor(urlPathEqualTo(instancePath(instance.id()))));
    }

    @Test
    @DisplayName("a confirmed orphan mitigation removes the record even when a later delete took it over")
    void mitigationAlwaysRemoves() {
        ServiceInstance instance = asyncProvision();
        lastOperationAnswers(instancePath(instance.id()), "failed");
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(500, "{}")));
        after(POLL);
        Operation create = operation(instance.lastOperation().operationId());
        assertThat(create.deletionScheduled()).isNotNull();
        // A user's delete takes the record over while the mitigation is retried, and is answered 202.
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{\"operation\":\"d\"}")));
        lastOperationAnswers(instancePath(instance.id()), "in progress");
        Started userDelete = engine.deprovision(instance(instance.id()).orElseThrow(), CALLER);
        settled(userDelete.settled());
        assertThat(instance(instance.id()).orElseThrow().lastOperation().operationId())
                .isEqualTo(userDelete.operation().id());

        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(200, "{}")));
        after(RETRY.multipliedBy(4));

        assertThat(instance(instance.id())).isEmpty();
    }

    @Test
    @DisplayName("an unbind the broker refuses during an async bind gives the binding back to the bind")
    void refusedUnbindGivesBindBack() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        String path = bindingPath(instance.id(), binding.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(202, "{\"operation\":\"b\"}")));
        lastOperationAnswers(path, "in progress");
        Started bind = engine.bind(binding, null, CALLER);
        settled(bind.settled());
        stub(delete(urlPathEqualTo(path)).willReturn(json(422, CONCURRENCY)));

        failure(engine.unbind(binding(binding.id()).orElseThrow(), CALLER).settled());

        assertThat(binding(binding.id()).orElseThrow().lastOperation().operationId())
                .isEqualTo(bind.operation().id());
        lastOperationAnswers(path, "succeeded");
        stub(get(urlPathEqualTo(path)).willReturn(json(200, "{\"credentials\":{\"user\":\"u\"}}")));
        after(POLL);
        ServiceBinding ready = binding(binding.id()).orElseThrow();
        assertThat(ready.ready()).isTrue();
        assertThat(ready.credentials()).isNotNull();
    }

    @Test
    @DisplayName("a cascade delete the broker refuses during an async create gives the record back to the create, "
            + "which makes it ready when it succeeds")
    void refusedCascadeGivesCreateBack() {
        ServiceInstance instance = asyncProvision();
        String create = instance.lastOperation().operationId();
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(422, CONCURRENCY)));

        Started cascade = engine.cascadeDelete(instance, CALLER);
        sm.runDueOperations();

        Operation refused = operation(cascade.operation().id());
        assertThat(refused.state()).isEqualTo(OperationState.FAILED);
        // The interrupted create is remembered next to the caller's identity, not instead of it.
        assertThat(refused.details()).contains(create).contains("originating_identity");
        assertThat(instance(instance.id()).orElseThrow().lastOperation().operationId()).isEqualTo(create);
        lastOperationAnswers(instancePath(instance.id()), "succeeded");
        after(POLL);
        ServiceInstance ready = instance(instance.id()).orElseThrow();
        assertThat(ready.ready()).isTrue();
        assertThat(ready.lastOperation().operationId()).isEqualTo(create);
        assertThat(ready.lastOperation().state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("an instance cascade whose unbind the broker refuses during an async bind gives the binding back "
            + "to the bind, which makes it ready when it succeeds")
    void refusedCascadeGivesBindBack() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = newBinding(instance.id());
        String path = bindingPath(instance.id(), binding.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(202, "{\"operation\":\"b\"}")));
        lastOperationAnswers(path, "in progress");
        Started bind = engine.bind(binding, null, CALLER);
        settled(bind.settled());
        stub(delete(urlPathEqualTo(path)).willReturn(json(422, CONCURRENCY)));

        engine.cascadeDelete(instance(instance.id()).orElseThrow(), CALLER);
        sm.runDueOperations();

        broker.verify(1, deleteRequestedFor(urlPathEqualTo(path)));
        assertThat(binding(binding.id()).orElseThrow().lastOperation().operationId())
                .isEqualTo(bind.operation().id());
        lastOperationAnswers(path, "succeeded");
        stub(get(urlPathEqualTo(path)).willReturn(json(200, "{\"credentials\":{\"user\":\"u\"}}")));
        after(POLL);
        ServiceBinding ready = binding(binding.id()).orElseThrow();
        assertThat(ready.ready()).isTrue();
        assertThat(ready.credentials()).isNotNull();
        assertThat(ready.lastOperation().operationId()).isEqualTo(bind.operation().id());
        assertThat(ready.lastOperation().state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("a create whose record a delete removed, failing afterwards, sends no orphan mitigation for it")
    void noMitigationOfRemovedRecord() {
        ServiceInstance instance = asyncProvision();
        String create = instance.lastOperation().operationId();
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(200, "{}")));
        settled(engine.deprovision(instance, CALLER).settled());
        assertThat(instance(instance.id())).isEmpty();
        lastOperationAnswers(instancePath(instance.id()), "failed");

        after(POLL);
        after(RETRY.multipliedBy(4));

        broker.verify(1, deleteRequestedFor(urlPathEqualTo(instancePath(instance.id()))));
        assertThat(operation(create).state()).isEqualTo(OperationState.FAILED);
        assertThat(operation(create).step()).isEqualTo(Operation.Step.DONE);
        assertThat(operation(create).deletionScheduled()).isNull();
    }


    @Test
    @DisplayName("an operation that fails while being worked is tried again after a backoff, and the others of the "
            + "scan are still worked")
    void failureDoesNotStopTheScan() {
        ServiceInstance broken = asyncProvision();
        ServiceInstance fine = asyncProvision();
        // Unreadable details make recording the outcome fail (as a store failure would); another node
        // takes both over once the leases ran out, reading them from the store.
        Operation brokenOp = operation(broken.lastOperation().operationId());
        store.repository(EntityTypes.OPERATIONS).update(brokenOp.withDetails("{not json"));
        lastOperationAnswers(instancePath(broken.id()), "succeeded");
        var other = node();

        clock.advance(Duration.ofMinutes(2));
        other.runDueOperations();

        assertThat(polls(instancePath(broken.id()))).isEqualTo(1);
        assertThat(polls(instancePath(fine.id()))).isEqualTo(1);
        Operation deferred = operation(brokenOp.id());
        assertThat(deferred.state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(deferred.nextAttemptAt()).isEqualTo(now().plus(RETRY));
        assertThat(other.runDueOperations()).isZero();
    }

    @Test
    @DisplayName("Retry-After: 0 still waits a second: one scan on a clock that does not move polls once")
    void retryAfterZero() {
        ServiceInstance instance = newInstance(small);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{\"operation\":\"p\"}")
                .withHeader("Retry-After", "0")));
        stub(get(urlPathEqualTo(instancePath(instance.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}").withHeader("Retry-After", "0")));
        settled(engine.provision(instance, null, CALLER).settled());
        assertThat(operation(instance(instance.id()).orElseThrow().lastOperation().operationId()).nextAttemptAt())
                .isEqualTo(now().plusSeconds(1));

        clock.advance(Duration.ofSeconds(1));
        assertThat(sm.runDueOperations()).isEqualTo(1);

        assertThat(polls(instancePath(instance.id()))).isEqualTo(1);
        assertThat(sm.runDueOperations()).isZero();
        assertThat(polls(instancePath(instance.id()))).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(sm.runDueOperations()).isEqualTo(1);
        assertThat(polls(instancePath(instance.id()))).isEqualTo(2);
    }

    @Test
    @DisplayName("the orphan mitigation's backoff keeps growing through an asynchronous delete that fails")
    void mitigationBackoffGrows() {
        ServiceInstance instance = newInstance(small);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(500, "{}")));
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{\"operation\":\"d\"}")));
        lastOperationAnswers(instancePath(instance.id()), "failed");
        Started started = engine.provision(instance, null, CALLER);
        failure(started.settled());

        after(Duration.ZERO); // the delete, answered 202
        after(POLL); // its poll: failed

        Operation op = operation(started.operation().id());
        assertThat(op.step()).isEqualTo(Operation.Step.MITIGATE);
        assertThat(op.nextAttemptAt()).isEqualTo(now().plus(RETRY.multipliedBy(2)));
    }

    @Test
    @DisplayName("a create whose request was never sent (the broker's address cannot be used) fails without "
            + "orphan mitigation: the record goes")
    void neverSentNoMitigation() {
        var brokers = store.repository(EntityTypes.SERVICE_BROKERS);
        ServiceBroker b = brokers.list(Query.all(), PageRequest.unbounded()).items().get(0);
        brokers.update(new ServiceBroker(b.id(), b.name(), b.description(), "http://bad host:1", b.credentials(),
                b.labels(), b.createdAt(), b.updatedAt(), b.ready(), b.version()));
        ServiceInstance instance = newInstance(small);

        Started started = engine.provision(instance, null, CALLER);

        failure(started.settled());
        Operation op = operation(started.operation().id());
        assertThat(op.state()).isEqualTo(OperationState.FAILED);
        assertThat(op.deletionScheduled()).isNull();
        assertThat(op.step()).isEqualTo(Operation.Step.DONE);
        assertThat(instance(instance.id())).isEmpty();
    }

    @Test
    @DisplayName("a first call that cannot even be built fails its operation instead of leaving it unworked")
    void firstCallCannotBeBuilt() {
        var plans = store.repository(EntityTypes.SERVICE_PLANS);
        ServicePlan p = plans.get(small).orElseThrow();
        plans.update(new ServicePlan(p.id(), p.name(), p.description(), p.catalogId(), p.catalogName(), p.free(),
                p.bindable(), p.planUpdateable(), p.maximumPollingDuration(), "{not json", p.metadata(), p.schemas(),
                p.serviceOfferingId(), p.catalogJson(), p.labels(), p.createdAt(), p.updatedAt(), p.ready(),
                p.version()));
        ServiceInstance instance = newInstance(small);
        instance = instance.withMaintenanceInfo("{\"version\":\"1.0.0\"}");

        Started started = engine.provision(instance, null, CALLER);

        failure(started.settled());
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.FAILED);
        assertThat(operation(started.operation().id()).nextAttemptAt()).isNull();
        assertThat(instance(instance.id())).isEmpty();
        broker.verify(0, putRequestedFor(urlPathMatching("/v2/service_instances/.*")));
    }

    @Test
    @DisplayName("last_operation answered 404 ends an async create (failed, orphan mitigation) instead of polling on")
    void lastOperationNotFound() {
        ServiceInstance instance = asyncProvision();
        stub(get(urlPathEqualTo(instancePath(instance.id()) + "/last_operation")).willReturn(json(404, "{}")));

        after(POLL);

        Operation op = operation(instance.lastOperation().operationId());
        assertThat(op.state()).isEqualTo(OperationState.FAILED);
        assertThat(op.deletionScheduled()).isNotNull();
        assertThat(op.step()).isEqualTo(Operation.Step.MITIGATE);
    }

    @Test
    @DisplayName("a credential fetch due at the end of the polling time is retried a few times before the bind fails")
    void fetchAtDeadlineRetried() {
        ServiceInstance instance = newInstance(large);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(201, "{}")));
        settled(engine.provision(instance, null, CALLER).settled());
        ServiceBinding binding = newBinding(instance.id());
        String path = bindingPath(instance.id(), binding.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(202, "{\"operation\":\"b\"}")));
        lastOperationAnswers(path, "succeeded");
        stub(get(urlPathEqualTo(path)).willReturn(json(500, "{}")));
        Started bind = engine.bind(binding, null, CALLER);
        settled(bind.settled());

        // The plan allows 60 s of polling: the poll that says "succeeded" comes at the deadline.
        after(Duration.ofSeconds(60));

        Operation op = operation(bind.operation().id());
        assertThat(op.state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(op.step()).isEqualTo(Operation.Step.FETCH);
        stub(get(urlPathEqualTo(path)).willReturn(json(200, "{\"credentials\":{\"user\":\"u\"}}")));
        after(RETRY);
        assertThat(operation(bind.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(binding(binding.id()).orElseThrow().ready()).isTrue();
    }

    @Test
    @DisplayName("a rename without a broker call changes the context's instance_name too")
    void renameUpdatesContext() {
        ServiceInstance current = provisioned();

        settled(engine.update(current, current.withName("other"), null, CALLER).settled());

        assertThat(parse(instance(current.id()).orElseThrow().context()).path("instance_name").asText())
                .isEqualTo("other");
    }

    @Test
    @DisplayName("polls that run into the read timeout wait for their timeouts side by side, not one after another")
    void hungBrokerDoesNotBlock() throws Exception {
        ServiceInstance[] hung = new ServiceInstance[5];
        for (int i = 0; i < hung.length; i++) {
            hung[i] = asyncProvision();
            stub(get(urlPathEqualTo(instancePath(hung[i].id()) + "/last_operation"))
                    .willReturn(json(200, "{\"state\":\"in progress\"}").withFixedDelay(3_000)));
        }
        long start = System.nanoTime();

        clock.advance(POLL);
        CompletableFuture<Integer> scan = CompletableFuture.supplyAsync(sm::runDueOperations);
        scan.get(30, java.util.concurrent.TimeUnit.SECONDS);

        // Five timeouts of a second each, one after the other, would take five seconds.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(READ_TIMEOUT.multipliedBy(4));
        for (ServiceInstance i : hung) {
            assertThat(operation(i.lastOperation().operationId()).inProgress()).isTrue();
        }
    }

    @Test
    @DisplayName("closing while a poll is at the broker waits for its answer, records it without renewing the "
            + "lease, and leaves the operation free for other nodes at once")
    void closeDuringPoll() throws Exception {
        ServiceInstance instance = asyncProvision();
        String op = instance.lastOperation().operationId();
        stub(get(urlPathEqualTo(instancePath(instance.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}").withFixedDelay(700)));
        clock.advance(POLL);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(sm::runDueOperations);
        Thread.sleep(200); // the poll is on its way (if not, close simply finds nothing under way)

        sm.close();
        run.get(10, java.util.concurrent.TimeUnit.SECONDS);

        Operation stored = operation(op);
        assertThat(stored.state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(stored.type()).isEqualTo(OperationType.CREATE);
        assertThat(stored.leaseUntil()).isEqualTo(Instant.EPOCH);
        assertThat(stored.errors()).isEmpty();
    }
}
