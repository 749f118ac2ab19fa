package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * A delete that interrupted a running create fails, and the create ends (on another node, say)
 * after the delete read it but before the delete's transaction committed: the record must get the
 * create's outcome, not a pointer to a create shown in progress forever. The interleaving is made
 * deterministic by a store that runs the create's end just before the delete's transaction.
 */
@DisplayName("operations engine: a create ending while the delete that interrupted it fails")
class OperationGiveBackRaceTest extends EngineTestBase {
    private static final String CONCURRENCY = "{\"error\":\"ConcurrencyError\",\"description\":\"busy\"}";

    /** The store under the hooking one: a memory store here. */
    Store rawStore() {
        return new MemoryStore();
    }

    @Override
    Store newStore() {
        return new HookingStore(rawStore());
    }

    @Test
    @DisplayName("a create that succeeds between a refused cascade delete's read of it and its commit leaves the "
            + "instance ready with the create succeeded")
    void createSucceedsDuringRefusedDelete() {
        ServiceInstance pending = newInstance(small).withName(unique("db"));
        String path = instancePath(pending.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(202, "{\"operation\":\"p\"}")));
        stub(get(urlPathEqualTo(path + "/last_operation")).willReturn(json(200, "{\"state\":\"in progress\"}")));
        Started provision = engine.provision(pending, null, CALLER);
        settled(provision.settled());
        String create = provision.operation().id();
        stub(delete(urlPathEqualTo(path)).willReturn(json(422, CONCURRENCY)));
        engine.cascadeDelete(instance(pending.id()).orElseThrow(), CALLER);
        // The create ends as a node polling it would record that: its own row only (the record
        // points at the delete), version-checked.
        AtomicBoolean ended = new AtomicBoolean();
        ((HookingStore) store).beforeNextTransaction(() -> {
            Operation running = operation(create);
            Instant now = now();
            store.repository(EntityTypes.OPERATIONS).update(running
                    .withState(OperationState.SUCCEEDED, null, List.of(), now)
                    .withStep(Operation.Step.DONE, null, 0, now).withLease(null, Instant.EPOCH));
            ended.set(true);
        });

        sm.runDueOperations();

        assertThat(ended).as("the create ended inside the delete's failure").isTrue();
        ServiceInstance ready = instance(pending.id()).orElseThrow();
        assertThat(ready.lastOperation().operationId()).isEqualTo(create);
        assertThat(ready.lastOperation().state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(ready.ready()).isTrue();
    }

    /** A store that runs an action just before its next transaction begins. Thread-safe. */
    static final class HookingStore extends ForwardingStore {
        private final AtomicReference<Runnable> next = new AtomicReference<>();

        HookingStore(Store delegate) {
            super(delegate);
        }

        void beforeNextTransaction(Runnable action) {
            next.set(action);
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            Runnable action = next.getAndSet(null);
            if (action != null) {
                action.run();
            }
            return super.inTransaction(work);
        }
    }
}
