package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.WireMock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;

@DisplayName("operations engine: leases between nodes, interrupted calls, retention")
class OperationSchedulerTest extends EngineTestBase {
    /** The default lease: the read timeout plus a minute. */
    private static final Duration LEASE = READ_TIMEOUT.plusMinutes(1);

    /** An asynchronous provision started on the first node, polling answered "in progress". */
    private Started asyncProvision() {
        ServiceInstance instance = newInstance(small);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{\"operation\":\"p\"}")));
        stub(get(urlPathEqualTo(instancePath(instance.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        Started started = engine.provision(instance, null, CALLER);
        settled(started.settled());
        return started;
    }

    private int polls(String instanceId) {
        return broker.findAll(getRequestedFor(urlPathEqualTo(instancePath(instanceId) + "/last_operation"))).size();
    }

    @Test
    @DisplayName("the node that started an operation holds its lease; another node leaves it alone while it lasts")
    void leaseHeld() {
        ServiceManager other = node();
        Started started = asyncProvision();
        Operation stored = operation(started.operation().id());

        clock.advance(POLL);
        assertThat(other.runDueOperations()).isZero();

        assertThat(polls(started.operation().resourceId())).isZero();
        assertThat(stored.leaseUntil()).isAfter(now());
        assertThat(operation(started.operation().id()).leaseOwner()).isEqualTo(stored.leaseOwner());
    }

    @Test
    @DisplayName("another node takes an operation over once its lease has run out")
    void takeOverAfterLease() {
        ServiceManager other = node();
        Started started = asyncProvision();
        String firstOwner = operation(started.operation().id()).leaseOwner();

        clock.advance(LEASE.plusSeconds(1));
        assertThat(other.runDueOperations()).isEqualTo(1);

        assertThat(polls(started.operation().resourceId())).isEqualTo(1);
        Operation taken = operation(started.operation().id());
        assertThat(taken.leaseOwner()).isNotEqualTo(firstOwner).isNotNull();
        assertThat(taken.leaseUntil()).isAfter(now());
        assertThat(sm.runDueOperations()).isZero();
    }

    @Test
    @DisplayName("a node that closes releases its leases, and another node carries on at once")
    void releaseOnClose() {
        ServiceManager other = node();
        Started started = asyncProvision();

        sm.close();
        assertThat(operation(started.operation().id()).leaseUntil()).isEqualTo(Instant.EPOCH);
        clock.advance(POLL);

        assertThat(other.runDueOperations()).isEqualTo(1);
        assertThat(polls(started.operation().resourceId())).isEqualTo(1);
    }

    @Test
    @DisplayName("on a store that is not clustered, a starting node takes the leases a previous process left at once")
    void takeOverAtStart() {
        Started started = asyncProvision();
        clock.advance(POLL);

        ServiceManager restarted = node();

        assertThat(operation(started.operation().id()).leaseUntil()).isEqualTo(Instant.EPOCH);
        assertThat(restarted.runDueOperations()).isEqualTo(1);
        assertThat(polls(started.operation().resourceId())).isEqualTo(1);
    }

    /** What a node that died during the first broker call leaves: the operation at step CALL, leased to it. */
    private Operation interruptedCall(OperationType type, ServiceInstance instance) {
        Instant now = now();
        Operation op = Operation.start(unique("op"), type, instance.id(), Operation.SERVICE_INSTANCES,
                Platform.SERVICE_MANAGER_ID, "corr-dead", "dead-node", now.plus(LEASE), now)
                .withStep(Operation.Step.CALL, now, 0, now);
        store.inTransaction(s -> {
            s.repository(EntityTypes.OPERATIONS).create(op);
            var repo = s.repository(EntityTypes.SERVICE_INSTANCES);
            ServiceInstance last = instance.withOperation(new LastOperation(type, OperationState.IN_PROGRESS, null,
                    null, op.id()), now);
            if (repo.get(instance.id()).isPresent()) {
                repo.update(repo.get(instance.id()).orElseThrow().withOperation(last.lastOperation(), now));
            } else {
                repo.create(last);
            }
            return null;
        });
        return op;
    }

    @Test
    @DisplayName("a create whose node died during the broker call fails as Interrupted and is deleted at the broker")
    void interruptedCreate() {
        ServiceManager other = node();
        ServiceInstance instance = newInstance(small);
        Operation op = interruptedCall(OperationType.CREATE, instance);
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(200, "{}")));

        clock.advance(LEASE.minusSeconds(1));
        assertThat(other.runDueOperations()).isZero();
        clock.advance(Duration.ofSeconds(2));
        other.runDueOperations();

        Operation failed = operation(op.id());
        assertThat(failed.state()).isEqualTo(OperationState.FAILED);
        assertThat(failed.errors().get(0).error()).isEqualTo("Interrupted");
        assertThat(failed.deletionScheduled()).isNotNull();
        broker.verify(1, deleteRequestedFor(urlPathEqualTo(instancePath(instance.id())))
                .withQueryParam("plan_id", equalTo("small-id")));
        assertThat(instance(instance.id())).isEmpty();
    }

    @Test
    @DisplayName("an update whose node died during the broker call fails, keeping the record, with no broker call")
    void interruptedUpdate() {
        ServiceInstance current = provisioned();
        ServiceManager other = node();
        Operation op = interruptedCall(OperationType.UPDATE, current);

        clock.advance(LEASE.plusSeconds(1));
        other.runDueOperations();

        assertThat(operation(op.id()).state()).isEqualTo(OperationState.FAILED);
        assertThat(operation(op.id()).description()).contains("may have applied");
        assertThat(instance(current.id()).orElseThrow().servicePlanId()).isEqualTo(small);
        broker.verify(0, patchRequestedFor(WireMock.anyUrl()));
        broker.verify(0, deleteRequestedFor(WireMock.anyUrl()));
    }

    @Test
    @DisplayName("a delete whose node died during the broker call is sent again")
    void interruptedDelete() {
        ServiceInstance current = provisioned();
        ServiceManager other = node();
        Operation op = interruptedCall(OperationType.DELETE, current);
        stub(delete(urlPathEqualTo(instancePath(current.id()))).willReturn(json(200, "{}")));

        clock.advance(LEASE.plusSeconds(1));
        other.runDueOperations();

        broker.verify(1, deleteRequestedFor(urlPathEqualTo(instancePath(current.id()))));
        assertThat(operation(op.id()).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(current.id())).isEmpty();
    }

    @Test
    @DisplayName("retention removes finished operations older than 7 days, but never the last operation of a live instance")
    void retention() {
        ServiceInstance first = provisioned();
        String firstCreate = first.lastOperation().operationId();
        ServiceInstance renamed = instance(first.id()).orElseThrow();
        Started rename = engine.update(renamed, renamed.withName("again"), null, CALLER);
        settled(rename.settled());
        ServiceInstance gone = provisioned();
        stub(delete(urlPathEqualTo(instancePath(gone.id()))).willReturn(json(200, "{}")));
        Started deleted = engine.deprovision(gone, CALLER);
        settled(deleted.settled());

        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(sm.cleanUpOperations()).isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(sm.cleanUpOperations()).isEqualTo(3);

        assertThat(store.repository(EntityTypes.OPERATIONS).get(rename.operation().id())).isPresent();
        assertThat(store.repository(EntityTypes.OPERATIONS).get(firstCreate)).isEmpty();
        assertThat(store.repository(EntityTypes.OPERATIONS).get(deleted.operation().id())).isEmpty();
    }

    @Test
    @DisplayName("retention removes old operations in several pages, keeping the last of a live instance whichever page it is on")
    void retentionInPages() {
        ServiceInstance instance = provisioned();
        String lastId = null;
        // 250 renames: more than two of retention's pages of 100.
        for (int i = 0; i < 250; i++) {
            ServiceInstance current = instance(instance.id()).orElseThrow();
            Started rename = engine.update(current, current.withName("name-" + i), null, CALLER);
            lastId = settled(rename.settled()).id();
        }
        assertThat(operationCount()).isEqualTo(251);
        clock.advance(Duration.ofDays(8));

        assertThat(sm.cleanUpOperations()).isEqualTo(250);

        assertThat(store.repository(EntityTypes.OPERATIONS).list(Query.all(), PageRequest.unbounded()).items())
                .extracting(Operation::id).containsExactly(lastId);
    }

    @Test
    @DisplayName("an operation in progress is never removed by retention")
    void retentionKeepsRunning() {
        Started started = asyncProvision();
        clock.advance(Duration.ofDays(30));

        assertThat(sm.cleanUpOperations()).isZero();
        assertThat(store.repository(EntityTypes.OPERATIONS).get(started.operation().id())).isPresent();
    }

    @Test
    @DisplayName("a lease not longer than the broker read timeout is refused at build, naming both")
    void leaseMustExceedReadTimeout() {
        assertThatThrownBy(() -> ServiceManager.builder().store(store).encryptionKey(KEY).disableAuthentication()
                .brokerReadTimeout(Duration.ofSeconds(30)).operationLease(Duration.ofSeconds(30)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("operationLease").hasMessageContaining("brokerReadTimeout");
    }

    @Test
    @DisplayName("after 10 polls the wait between polls doubles")
    void pollBackoff() {
        Started started = asyncProvision();
        String id = started.operation().resourceId();
        for (int i = 0; i < 10; i++) {
            assertThat(after(POLL)).isEqualTo(1);
        }

        assertThat(after(POLL)).isZero();
        assertThat(after(POLL)).isEqualTo(1);
        assertThat(polls(id)).isEqualTo(11);
        assertThat(instance(id).orElseThrow().labels()).isEqualTo(Labels.empty());
    }
}
