package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiResponse;

/**
 * A bind and a delete of the same instance at the same time: never both succeed, so no binding is
 * left on an instance its broker deleted. The delete's check for bindings is repeated in the
 * transaction that marks the instance as being deleted, and the bind's transaction writes the
 * instance row, so that of two overlapping transactions one fails.
 */
@DisplayName("/v1/service_bindings POST racing /v1/service_instances DELETE")
class BindDeleteRaceTest extends PlatformApiTestBase {
    private PausingStore pausing;

    /** The store under the pausing one: a memory store here. */
    Store rawStore() {
        return new MemoryStore();
    }

    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        pausing = new PausingStore(rawStore());
        // Replaces the memory store SmServer set; SmServer closes whichever store the Service Manager has.
        builder.store(pausing).operationsInBackground(false);
    }

    private String provisioned() {
        ApiResponse response = admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                stage.plan("small")));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asText();
    }

    private ApiResponse bind(String instanceId) {
        return admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id", instanceId));
    }

    @Test
    @DisplayName("a bind that commits after the DELETE checked for bindings, before it started, makes the DELETE 409")
    void bindBetweenCheckAndDelete() throws Exception {
        String instanceId = provisioned();
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> delete = CompletableFuture.supplyAsync(
                () -> admin.delete("/v1/service_instances/" + instanceId));
        assertThat(pausing.awaitPaused()).as("the DELETE reached its transaction").isTrue();
        ApiResponse bound = bind(instanceId);
        pausing.release();
        assertThat(bound.status()).as(bound.body()).isEqualTo(201);
        ApiResponse deleted = delete.get(20, TimeUnit.SECONDS);
        assertErrorNaming(deleted, 409, "ExistingReferenceEntity", instanceId);
        assertThat(instanceRecord(instanceId).json().get("ready").asBoolean()).isTrue();
        assertThat(stage.osb.instanceIds()).contains(instanceId);
    }

    @Test
    @DisplayName("a bind whose instance is deleted after the bind checked it, before its transaction, is 400 naming it")
    void deleteBetweenCheckAndBind() throws Exception {
        String instanceId = provisioned();
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> bind = CompletableFuture.supplyAsync(() -> bind(instanceId));
        assertThat(pausing.awaitPaused()).as("the bind reached its transaction").isTrue();
        ApiResponse deleted = admin.delete("/v1/service_instances/" + instanceId);
        pausing.release();
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertErrorNaming(bind.get(20, TimeUnit.SECONDS), 400, "BadRequest", instanceId, "service_instance_id");
        assertThat(items("/v1/service_bindings?fieldQuery=" + q("service_instance_id eq '" + instanceId + "'")))
                .isEmpty();
    }

    @Test
    @DisplayName("20 rounds of a bind and a DELETE sent at once: never both succeed, and a binding's instance stays")
    void concurrentRounds() throws Exception {
        for (int round = 0; round < 20; round++) {
            String instanceId = provisioned();
            CountDownLatch start = new CountDownLatch(1);
            CompletableFuture<ApiResponse> bind = CompletableFuture.supplyAsync(() -> {
                await(start);
                return bind(instanceId);
            });
            CompletableFuture<ApiResponse> delete = CompletableFuture.supplyAsync(() -> {
                await(start);
                return admin.delete("/v1/service_instances/" + instanceId);
            });
            start.countDown();
            int bindStatus = bind.get(20, TimeUnit.SECONDS).status();
            int deleteStatus = delete.get(20, TimeUnit.SECONDS).status();
            // The loser is refused as a concurrent operation, an existing reference, or (a bind after the
            // instance went) an unknown reference; never a server error or a 404 of the bindings collection.
            assertThat(bindStatus).as("round %d: bind", round).isIn(201, 400, 422);
            assertThat(deleteStatus).as("round %d: delete", round).isIn(200, 409, 422);
            assertThat(bindStatus == 201 && deleteStatus == 200).as("round %d: bind %d, delete %d", round,
                    bindStatus, deleteStatus).isFalse();
            if (bindStatus == 201) {
                assertThat(instanceRecord(instanceId).status()).isEqualTo(200);
                assertThat(stage.osb.instanceIds()).contains(instanceId);
            }
        }
    }

    @Test
    @DisplayName("8 binds of one instance with different names sent at once all succeed: binds do not conflict")
    void concurrentBinds() throws Exception {
        String instanceId = provisioned();
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<ApiResponse>> binds = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            binds.add(CompletableFuture.supplyAsync(() -> {
                await(start);
                return bind(instanceId);
            }));
        }
        start.countDown();
        for (CompletableFuture<ApiResponse> bind : binds) {
            ApiResponse response = bind.get(20, TimeUnit.SECONDS);
            assertThat(response.status()).as(response.body()).isEqualTo(201);
        }
        assertThat(items("/v1/service_bindings?fieldQuery=" + q("service_instance_id eq '" + instanceId + "'")))
                .hasSize(8);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A store that can hold the next transaction before it begins, to put another request's work
     * between a handler's checks and its transaction. Thread-safe.
     */
    static final class PausingStore extends ForwardingStore {
        private final AtomicBoolean armed = new AtomicBoolean();
        private volatile CountDownLatch paused = new CountDownLatch(1);
        private volatile CountDownLatch released = new CountDownLatch(0);

        PausingStore(Store delegate) {
            super(delegate);
        }

        void pauseNextTransaction() {
            paused = new CountDownLatch(1);
            released = new CountDownLatch(1);
            armed.set(true);
        }

        boolean awaitPaused() throws InterruptedException {
            return paused.await(20, TimeUnit.SECONDS);
        }

        void release() {
            released.countDown();
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            if (armed.compareAndSet(true, false)) {
                paused.countDown();
                try {
                    if (!released.await(20, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the paused transaction was never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return super.inTransaction(work);
        }
    }
}
