package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;

/**
 * Cascade deletes of instances and platforms in the engine: the tree of operations in the store,
 * what the broker receives and in which order, a failing child, a repeated cascade and a node that
 * dies during one. Operations are worked only when the test calls {@code runDueOperations()}.
 */
@DisplayName("operations engine: cascade delete of instances and platforms")
class OperationCascadeTest extends EngineTestBase {
    /** The default lease: the read timeout plus a minute. */
    private static final Duration LEASE = READ_TIMEOUT.plusMinutes(1);

    /** A ready binding of {@code instance}, bound synchronously. */
    private ServiceBinding bound(ServiceInstance instance) {
        stub(put(urlPathMatching(instancePath(instance.id()) + "/service_bindings/[^/]+"))
                .willReturn(json(201, "{\"credentials\":{\"user\":\"u\"}}")));
        // Names are unique per instance: each binding its own.
        ServiceBinding binding = newBinding(instance.id()).withName(unique("binding"));
        settled(engine.bind(binding, null, CALLER).settled());
        broker.resetRequests();
        broker.resetMappings();
        return binding(binding.id()).orElseThrow();
    }

    /** Every delete at the broker answers 200. */
    private void deletesSucceed() {
        stub(delete(urlPathMatching("/v2/service_instances/.*")).willReturn(json(200, "{}")));
    }

    /** The paths of the deletes the broker received, oldest first. */
    private List<String> deletePaths() {
        return broker.findAll(deleteRequestedFor(anyUrl())).stream().map(LoggedRequest::getUrl)
                .map(url -> url.substring(0, url.indexOf('?') < 0 ? url.length() : url.indexOf('?'))).toList();
    }

    private List<Operation> children(String parentId) {
        return store.repository(EntityTypes.OPERATIONS).list(Query.fieldEquals("parent_id", parentId),
                PageRequest.unbounded()).items();
    }

    private List<Operation> tree(String rootId) {
        return store.repository(EntityTypes.OPERATIONS).list(Query.fieldEquals("cascade_root_id", rootId),
                PageRequest.unbounded()).items();
    }

    private String createPlatform() {
        SmResponse created = sm.handle(SmRequest.builder("POST", "/v1/platforms").jsonBody(
                "{\"name\":\"" + unique("cf") + "\",\"type\":\"cloudfoundry\"}").build());
        String body = new String(created.body(), StandardCharsets.UTF_8);
        assertThat(created.status()).as(body).isEqualTo(201);
        return parse(body).get("id").asText();
    }

    /** An instance the platform made through the OSB face, stored as that face stores it. */
    private ServiceInstance osbInstance(String platformId) {
        Instant now = now();
        return store.repository(EntityTypes.SERVICE_INSTANCES).create(new ServiceInstance(unique("osb-i"), "osb-db",
                small, platformId, "{\"platform\":\"cloudfoundry\"}", null, null, true,
                LastOperation.succeeded(OperationType.CREATE), null, null, Labels.empty(), now, now, true, 0));
    }

    private ServiceBinding osbBinding(ServiceInstance instance) {
        Instant now = now();
        return store.repository(EntityTypes.SERVICE_BINDINGS).create(new ServiceBinding(unique("osb-b"), null,
                instance.id(), instance.platformId(), "{\"platform\":\"cloudfoundry\"}", null, null,
                LastOperation.succeeded(OperationType.CREATE), Labels.empty(), now, now, true, 0));
    }

    private static void assertChild(Operation child, Operation parent, String rootId, String resourceType) {
        assertThat(child.parentId()).isEqualTo(parent.id());
        assertThat(child.cascadeRootId()).isEqualTo(rootId);
        assertThat(child.type()).isEqualTo(OperationType.DELETE);
        assertThat(child.resourceType()).isEqualTo(resourceType);
        assertThat(child.platformId()).isEqualTo(Platform.SERVICE_MANAGER_ID);
        assertThat(child.correlationId()).isEqualTo(CORRELATION);
    }

    @Test
    @DisplayName("an instance cascade stores the root on the instance and one unbind per binding before any broker "
            + "call, each binding pointing at its unbind")
    void instanceTreeStored() {
        ServiceInstance instance = provisioned();
        ServiceBinding first = bound(instance);
        ServiceBinding second = bound(instance);

        Started started = engine.cascadeDelete(instance, CALLER);

        Operation root = operation(started.operation().id());
        assertThat(started.settled()).isCompleted();
        assertThat(root.state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(root.type()).isEqualTo(OperationType.DELETE);
        assertThat(root.resourceId()).isEqualTo(instance.id());
        assertThat(root.resourceType()).isEqualTo(Operation.SERVICE_INSTANCES);
        assertThat(root.parentId()).isNull();
        assertThat(root.cascadeRootId()).isEqualTo(root.id());
        assertThat(root.step()).isEqualTo(Operation.Step.CASCADE);
        assertThat(instance(instance.id()).orElseThrow().lastOperation().operationId()).isEqualTo(root.id());
        List<Operation> children = children(root.id());
        assertThat(children).hasSize(2).allSatisfy(child -> assertChild(child, root, root.id(),
                Operation.SERVICE_BINDINGS));
        assertThat(children).extracting(Operation::resourceId).containsExactlyInAnyOrder(first.id(), second.id());
        for (Operation child : children) {
            assertThat(binding(child.resourceId()).orElseThrow().lastOperation().operationId()).isEqualTo(child.id());
            assertThat(child.nextAttemptAt()).isEqualTo(now());
        }
        assertThat(broker.findAll(deleteRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    @DisplayName("an instance cascade unbinds every binding at the broker, then deprovisions the instance, and "
            + "the whole tree succeeds")
    void instanceCascade() {
        ServiceInstance instance = provisioned();
        ServiceBinding first = bound(instance);
        ServiceBinding second = bound(instance);
        deletesSucceed();

        Started started = engine.cascadeDelete(instance, CALLER);
        sm.runDueOperations();

        List<String> deletes = deletePaths();
        assertThat(deletes).hasSize(3);
        assertThat(deletes.subList(0, 2)).containsExactlyInAnyOrder(bindingPath(instance.id(), first.id()),
                bindingPath(instance.id(), second.id()));
        assertThat(deletes.get(2)).isEqualTo(instancePath(instance.id()));
        broker.verify(3, deleteRequestedFor(anyUrl()).withHeader("X-Broker-API-Originating-Identity",
                equalTo(IDENTITY)).withQueryParam("plan_id", equalTo("small-id")));
        assertThat(tree(started.operation().id())).hasSize(3)
                .allSatisfy(op -> assertThat(op.state()).isEqualTo(OperationState.SUCCEEDED))
                .allSatisfy(op -> assertThat(op.workDone()).isTrue());
        assertThat(instance(instance.id())).isEmpty();
        assertThat(binding(first.id())).isEmpty();
        assertThat(binding(second.id())).isEmpty();
    }

    @Test
    @DisplayName("an instance without bindings is simply deprovisioned by its cascade")
    void instanceCascadeWithoutBindings() {
        ServiceInstance instance = provisioned();
        deletesSucceed();

        Started started = engine.cascadeDelete(instance, CALLER);
        sm.runDueOperations();

        assertThat(deletePaths()).containsExactly(instancePath(instance.id()));
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(instance.id())).isEmpty();
    }

    @Test
    @DisplayName("while a cascade runs, other operations on the instance and its bindings are refused")
    void concurrentOperationsRefused() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = bound(instance);

        engine.cascadeDelete(instance, CALLER);

        assertThatThrownBy(() -> engine.unbind(binding, CALLER)).isInstanceOf(ConcurrentModificationException.class);
        assertThatThrownBy(() -> engine.deprovision(instance, CALLER))
                .isInstanceOf(ConcurrentModificationException.class);
        assertThatThrownBy(() -> engine.bind(newBinding(instance.id()), null, CALLER))
                .isInstanceOf(ConcurrentModificationException.class);
        assertThat(broker.findAll(deleteRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    @DisplayName("a binding whose own unbind is running gets no second one: the cascade waits for it, then "
            + "deprovisions")
    void waitsForRunningUnbind() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = bound(instance);
        stub(delete(urlPathEqualTo(bindingPath(instance.id(), binding.id())))
                .willReturn(json(202, "{\"operation\":\"u\"}")));
        stub(get(urlPathEqualTo(bindingPath(instance.id(), binding.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"in progress\"}")));
        settled(engine.unbind(binding, CALLER).settled());

        Started started = engine.cascadeDelete(instance, CALLER);
        sm.runDueOperations();

        assertThat(children(started.operation().id())).isEmpty();
        assertThat(deletePaths()).containsExactly(bindingPath(instance.id(), binding.id()));

        stub(get(urlPathEqualTo(bindingPath(instance.id(), binding.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"succeeded\"}")));
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(200, "{}")));
        after(POLL);
        assertThat(binding(binding.id())).isEmpty();
        after(RETRY);

        assertThat(deletePaths()).containsExactly(bindingPath(instance.id(), binding.id()),
                instancePath(instance.id()));
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(instance.id())).isEmpty();
    }

    @Test
    @DisplayName("a cascade of an instance whose cascade runs returns the running root and stores nothing")
    void repeatedInstanceCascade() {
        ServiceInstance instance = provisioned();
        bound(instance);
        Started first = engine.cascadeDelete(instance, CALLER);
        long stored = operationCount();

        Started again = engine.cascadeDelete(instance(instance.id()).orElseThrow(), CALLER);

        assertThat(again.operation().id()).isEqualTo(first.operation().id());
        assertThat(operationCount()).isEqualTo(stored);
    }

    @Test
    @DisplayName("a cascade of a platform whose cascade runs returns the running root and stores nothing")
    void repeatedPlatformCascade() {
        String platformId = createPlatform();
        osbBinding(osbInstance(platformId));
        Platform platform = store.repository(EntityTypes.PLATFORMS).get(platformId).orElseThrow();
        Started first = engine.cascadeDelete(platform, CALLER);
        long stored = operationCount();

        Started again = engine.cascadeDelete(platform, CALLER);

        assertThat(again.operation().id()).isEqualTo(first.operation().id());
        assertThat(operationCount()).isEqualTo(stored);
    }

    @Test
    @DisplayName("an unbind the broker fails fails the cascade with that error naming the binding; the instance "
            + "and that binding stay, and the instance is not deprovisioned")
    void childFails() {
        ServiceInstance instance = provisioned();
        ServiceBinding failing = bound(instance);
        ServiceBinding fine = bound(instance);
        deletesSucceed();
        stub(delete(urlPathEqualTo(bindingPath(instance.id(), failing.id())))
                .willReturn(json(500, "{\"description\":\"disk on fire\"}")));

        Started started = engine.cascadeDelete(instance, CALLER);
        sm.runDueOperations();

        Operation root = operation(started.operation().id());
        assertThat(root.state()).isEqualTo(OperationState.FAILED);
        assertThat(root.workDone()).isTrue();
        assertThat(root.errors()).hasSize(1);
        assertThat(root.errors().get(0).error()).isEqualTo("BrokerError");
        assertThat(root.errors().get(0).description()).contains(failing.id()).contains("disk on fire");
        assertThat(root.description()).contains("disk on fire");
        assertThat(deletePaths()).containsExactlyInAnyOrder(bindingPath(instance.id(), failing.id()),
                bindingPath(instance.id(), fine.id()));
        ServiceInstance kept = instance(instance.id()).orElseThrow();
        assertThat(kept.lastOperation().operationId()).isEqualTo(root.id());
        assertThat(kept.lastOperation().state()).isEqualTo(OperationState.FAILED);
        assertThat(binding(failing.id())).isPresent();
        assertThat(binding(fine.id())).isEmpty();
    }

    @Test
    @DisplayName("a platform cascade that finds, once its first instances are gone, an instance of the platform shared "
            + "and referenced fails and leaves it, without a broker call for it")
    void platformCascadeMeetsNewReference() {
        String platformId = createPlatform();
        ServiceInstance first = osbInstance(platformId);
        deletesSucceed();
        Platform platform = store.repository(EntityTypes.PLATFORMS).get(platformId).orElseThrow();
        Started started = engine.cascadeDelete(platform, CALLER);
        // After the start: shared and referenced while the cascade runs.
        Instant now = now();
        ServiceInstance shared = store.repository(EntityTypes.SERVICE_INSTANCES).create(new ServiceInstance(
                unique("osb-shared"), "shared-db", small, platformId, "{\"platform\":\"cloudfoundry\"}", null, null,
                true, LastOperation.succeeded(OperationType.CREATE), null, null, Labels.empty(), now, now, true, 0)
                .withShared(true, now));
        ServiceInstance reference = store.repository(EntityTypes.SERVICE_INSTANCES).create(new ServiceInstance(
                unique("ref"), "ref-db", small, Platform.SERVICE_MANAGER_ID, "{}", null, null, true,
                LastOperation.succeeded(OperationType.CREATE), null, null, Labels.empty(), now, now, true, 0)
                .withReferencedInstanceId(shared.id()));

        sm.runDueOperations();

        Operation root = operation(started.operation().id());
        assertThat(root.state()).as(root.toString()).isEqualTo(OperationState.FAILED);
        assertThat(root.description()).contains(shared.id()).contains(reference.id());
        assertThat(deletePaths()).containsExactly(instancePath(first.id()));
        assertThat(instance(shared.id())).isPresent();
        assertThat(instance(reference.id())).isPresent();
        assertThat(store.repository(EntityTypes.PLATFORMS).get(platformId)).isPresent();
    }

    @Test
    @DisplayName("a platform cascade deletes at the broker the bindings, then the instances the platform made, then "
            + "the platform record with its visibilities; service-manager's own instances stay")
    void platformCascade() {
        String platformId = createPlatform();
        SmResponse visibility = sm.handle(SmRequest.builder("POST", "/v1/visibilities").jsonBody(
                "{\"service_plan_id\":\"" + small + "\",\"platform_id\":\"" + platformId + "\"}").build());
        assertThat(visibility.status()).isEqualTo(201);
        ServiceInstance bound = osbInstance(platformId);
        ServiceBinding first = osbBinding(bound);
        ServiceBinding second = osbBinding(bound);
        ServiceInstance unbound = osbInstance(platformId);
        ServiceInstance own = provisioned();
        ServiceBinding ownBinding = bound(own);
        deletesSucceed();

        Platform platform = store.repository(EntityTypes.PLATFORMS).get(platformId).orElseThrow();
        Started started = engine.cascadeDelete(platform, CALLER);
        sm.runDueOperations();

        Operation root = operation(started.operation().id());
        assertThat(root.state()).as(root.toString()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(root.resourceType()).isEqualTo(Operation.PLATFORMS);
        assertThat(root.resourceId()).isEqualTo(platformId);
        assertThat(root.platformId()).isEqualTo(Platform.SERVICE_MANAGER_ID);
        assertThat(root.cascadeRootId()).isEqualTo(root.id());
        List<String> deletes = deletePaths();
        assertThat(deletes).containsExactlyInAnyOrder(bindingPath(bound.id(), first.id()),
                bindingPath(bound.id(), second.id()), instancePath(bound.id()), instancePath(unbound.id()));
        assertThat(deletes.indexOf(instancePath(bound.id())))
                .isGreaterThan(deletes.indexOf(bindingPath(bound.id(), first.id())))
                .isGreaterThan(deletes.indexOf(bindingPath(bound.id(), second.id())));
        assertThat(store.repository(EntityTypes.PLATFORMS).get(platformId)).isEmpty();
        assertThat(store.repository(EntityTypes.VISIBILITIES).count(Query.fieldEquals("platform_id", platformId)))
                .isZero();
        assertThat(instance(bound.id())).isEmpty();
        assertThat(instance(unbound.id())).isEmpty();
        assertThat(binding(first.id())).isEmpty();
        assertThat(instance(own.id())).isPresent();
        assertThat(binding(ownBinding.id())).isPresent();

        List<Operation> instanceOps = children(root.id());
        assertThat(instanceOps).hasSize(2).allSatisfy(op -> assertChild(op, root, root.id(),
                Operation.SERVICE_INSTANCES));
        Operation boundOp = instanceOps.stream().filter(op -> op.resourceId().equals(bound.id())).findFirst()
                .orElseThrow();
        assertThat(children(boundOp.id())).hasSize(2).allSatisfy(op -> assertChild(op, boundOp, root.id(),
                Operation.SERVICE_BINDINGS));
        assertThat(tree(root.id())).hasSize(5)
                .allSatisfy(op -> assertThat(op.state()).isEqualTo(OperationState.SUCCEEDED));
    }

    @Test
    @DisplayName("a platform cascade whose unbind fails fails with that error; the platform and the instance stay")
    void platformChildFails() {
        String platformId = createPlatform();
        ServiceInstance instance = osbInstance(platformId);
        ServiceBinding failing = osbBinding(instance);
        ServiceInstance other = osbInstance(platformId);
        deletesSucceed();
        stub(delete(urlPathEqualTo(bindingPath(instance.id(), failing.id())))
                .willReturn(json(400, "{\"error\":\"Nope\",\"description\":\"not today\"}")));

        Platform platform = store.repository(EntityTypes.PLATFORMS).get(platformId).orElseThrow();
        Started started = engine.cascadeDelete(platform, CALLER);
        sm.runDueOperations();

        Operation root = operation(started.operation().id());
        assertThat(root.state()).isEqualTo(OperationState.FAILED);
        assertThat(root.errors()).hasSize(1);
        assertThat(root.errors().get(0).error()).isEqualTo("Nope");
        assertThat(root.errors().get(0).description()).contains(failing.id()).contains("not today");
        assertThat(store.repository(EntityTypes.PLATFORMS).get(platformId)).isPresent();
        assertThat(instance(instance.id())).isPresent();
        assertThat(binding(failing.id())).isPresent();
        assertThat(instance(other.id())).isEmpty();
        assertThat(deletePaths()).doesNotContain(instancePath(instance.id()));
    }

    @Test
    @DisplayName("a tree whose node died during an unbind is finished by another node once the lease ran out")
    void crashedNode() {
        ServiceInstance instance = provisioned();
        ServiceBinding first = bound(instance);
        ServiceBinding second = bound(instance);
        deletesSucceed();
        ServiceManager other = node();
        Started started = engine.cascadeDelete(instance, CALLER);
        // The first node took the first unbind and died during its call: the child stays leased to it.
        Operation taken = children(started.operation().id()).stream()
                .filter(op -> op.resourceId().equals(first.id())).findFirst().orElseThrow();
        store.repository(EntityTypes.OPERATIONS).update(taken.withLease("dead-node", now().plus(LEASE)));

        other.runDueOperations();

        assertThat(deletePaths()).containsExactly(bindingPath(instance.id(), second.id()));
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(instance(instance.id())).isPresent();

        clock.advance(LEASE.plusSeconds(1));
        other.runDueOperations();

        assertThat(deletePaths()).containsExactly(bindingPath(instance.id(), second.id()),
                bindingPath(instance.id(), first.id()), instancePath(instance.id()));
        assertThat(tree(started.operation().id()))
                .allSatisfy(op -> assertThat(op.state()).isEqualTo(OperationState.SUCCEEDED));
        assertThat(instance(instance.id())).isEmpty();
    }

    @Test
    @DisplayName("a parent waiting for its children is re-checked after the retry interval even if no child tells it")
    void periodicRecheck() {
        ServiceInstance instance = provisioned();
        ServiceBinding binding = bound(instance);
        deletesSucceed();
        Started started = engine.cascadeDelete(instance, CALLER);
        Operation child = children(started.operation().id()).get(0);
        // The unbind finished elsewhere and its node died before telling the parent.
        store.inTransaction(s -> {
            s.repository(EntityTypes.OPERATIONS).update(child.withState(OperationState.SUCCEEDED, null, List.of(),
                    now()).withStep(Operation.Step.DONE, null, 0, now()));
            s.repository(EntityTypes.SERVICE_BINDINGS).delete(binding.id());
            return null;
        });

        sm.runDueOperations();
        assertThat(deletePaths()).isEmpty();

        clock.advance(RETRY);
        sm.runDueOperations();

        assertThat(deletePaths()).containsExactly(instancePath(instance.id()));
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
    }
}
