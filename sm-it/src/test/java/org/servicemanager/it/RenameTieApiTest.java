package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiResponse;

/**
 * The worst interleaving of concurrent renames to one free name, forced rather than hoped for:
 * every rename passes the check before writing, and commits before any of them reads who else
 * holds the name (a store that holds those reads until all have arrived). A rename that gives way
 * to any other holder it sees then makes every client lose a free name (all 409, the name nobody's);
 * the first by (created_at, id) must keep it.
 */
@DisplayName("concurrent renames to one free name, all committed before any checks: exactly one keeps it")
class RenameTieApiTest extends PlatformApiTestBase {
    private static final int CLIENTS = 4;

    /**
     * Holds the first {@code CLIENTS} counts of records by the contested name (the check before a
     * rename) until all have come, so that none is refused before writing; then the first
     * {@code CLIENTS} lists of them (the check after the rename committed) until all have come,
     * and their answers until all have read.
     */
    private static final class GatedStore extends ForwardingStore {
        final AtomicReference<String> contested = new AtomicReference<>();
        final Gate allChecked = new Gate();
        final Gate allCommitted = new Gate();
        final Gate allRead = new Gate();

        GatedStore() {
            super(new MemoryStore());
        }

        /** Holds the next {@code CLIENTS} counts and lists of records named {@code name}. */
        void arm(String name) {
            allChecked.reset();
            allCommitted.reset();
            allRead.reset();
            contested.set(name);
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            return new ForwardingRepository<>(super.repository(type)) {
                @Override
                public long count(Query query) {
                    // Counted before the wait: every check sees the name free, as when all check at once.
                    long counted = super.count(query);
                    if (contests(query)) {
                        allChecked.pass();
                    }
                    return counted;
                }

                @Override
                public Page<T> list(Query query, PageRequest page) {
                    if (contests(query) && allCommitted.pass()) {
                        // Read once all committed, answered once all read: every check sees every rename.
                        Page<T> read = super.list(query, page);
                        allRead.pass();
                        return read;
                    }
                    return super.list(query, page);
                }
            };
        }

        private boolean contests(Query query) {
            String name = contested.get();
            return name != null && query.toString().contains(name);
        }
    }

    /** A barrier for the first {@code CLIENTS} callers; later ones pass at once. */
    private static final class Gate {
        private final AtomicInteger arrivals = new AtomicInteger();
        private final CyclicBarrier barrier = new CyclicBarrier(CLIENTS);

        void reset() {
            barrier.reset();
            arrivals.set(0);
        }

        /** Whether the caller was one of the first {@code CLIENTS} (and so waited for the others). */
        boolean pass() {
            if (arrivals.incrementAndGet() > CLIENTS) {
                return false;
            }
            try {
                barrier.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (BrokenBarrierException | TimeoutException e) {
                // Not all came (a request failed early): go on, the test's assertions tell.
            }
            return true;
        }
    }

    private final GatedStore gated = new GatedStore();

    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        builder.store(gated);
    }

    @Test
    @DisplayName("instances renamed to one free name at once: one 200 keeps the name, the others 409 with their old name")
    void instances() throws Exception {
        List<ServiceInstance> instances = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ServiceInstance instance = smInstance(stage.plan("small"));
            instances.add(instance);
            paths.add("/v1/service_instances/" + instance.id());
        }
        String name = unique("free");
        gated.arm(name);

        List<ApiResponse> answers = concurrentPatches(paths, json("name", name));

        assertThat(answers).extracting(ApiResponse::status).as(answers.toString())
                .containsOnly(200, 409).filteredOn(s -> s == 200).hasSize(1);
        assertThat(store().repository(EntityTypes.SERVICE_INSTANCES).count(Query.fieldEquals("name", name)))
                .isEqualTo(1);
        for (int i = 0; i < CLIENTS; i++) {
            if (answers.get(i).status() == 409) {
                assertThat(store().repository(EntityTypes.SERVICE_INSTANCES).get(instances.get(i).id())
                        .orElseThrow().name()).isEqualTo(instances.get(i).name());
            }
        }
    }

    @Test
    @DisplayName("bindings of one instance renamed to one free name at once: one 200 keeps the name, the others 409")
    void bindings() throws Exception {
        ServiceInstance instance = smInstance(stage.plan("small"));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            paths.add("/v1/service_bindings/" + smBinding(instance.id(), unique("b"), null).id());
        }
        String name = unique("free");
        gated.arm(name);

        List<ApiResponse> answers = concurrentPatches(paths, json("name", name));

        assertThat(answers).extracting(ApiResponse::status).as(answers.toString())
                .containsOnly(200, 409).filteredOn(s -> s == 200).hasSize(1);
        assertThat(store().repository(EntityTypes.SERVICE_BINDINGS).count(Query.fieldEquals("name", name)))
                .isEqualTo(1);
    }
}
