package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;

/**
 * What a forwarded call costs the store. Each store call is a database round trip (and on H2 a
 * transaction), so the OSB face makes no more of them than the records need.
 */
@DisplayName("/v1/osb store calls")
class OsbStoreCallsTest extends OsbTestBase {
    private final CountingStore store = new CountingStore(new MemoryStore());

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.store(store);
    }

    @Test
    @DisplayName("a provision the broker confirms updates its own reservation without reading it again")
    void provisionDoesNotRereadItsReservation() {
        String id = unique("instance");
        store.gets.clear();

        ApiResponse response = osbA.put(stage.instance(id), provisionBody("small"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(store.gets(EntityTypes.SERVICE_INSTANCES)).isZero();
        assertThat(instanceRecord(id).json().get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("a bind the broker confirms updates its own reservation without reading it again")
    void bindDoesNotRereadItsReservation() {
        String instanceId = provisioned(osbA, "small");
        String id = unique("binding");
        store.gets.clear();

        ApiResponse response = osbA.put(stage.binding(instanceId, id), bindBody("db", "small"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(store.gets(EntityTypes.SERVICE_BINDINGS)).isZero();
        assertThat(bindingRecord(id).json().get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("a provision's operation costs one insert with the placeholder and one update with the answer, "
            + "each in the transaction of the record's write, and no read")
    void provisionOperationWrites() {
        String id = unique("instance");
        store.clear();

        assertThat(osbA.put(stage.instance(id), provisionBody("small")).status()).isEqualTo(201);

        assertThat(store.count("get", EntityTypes.OPERATIONS)).isZero();
        assertThat(store.count("create", EntityTypes.OPERATIONS)).isEqualTo(1);
        assertThat(store.count("update", EntityTypes.OPERATIONS)).isEqualTo(1);
        assertThat(store.count("create", EntityTypes.SERVICE_INSTANCES)).isEqualTo(1);
        assertThat(store.count("update", EntityTypes.SERVICE_INSTANCES)).isEqualTo(1);
        assertThat(store.transactions.get()).isEqualTo(2);
    }

    @Test
    @DisplayName("an update's operation costs one insert, in the transaction that records the answer")
    void updateOperationWrites() {
        String id = provisioned(osbA, "small");
        store.clear();

        assertThat(osbA.patch(stage.instance(id), json("service_id", "db-id", "plan_id", "large-id")).status())
                .isEqualTo(200);

        assertThat(store.count("get", EntityTypes.OPERATIONS)).isZero();
        assertThat(store.count("create", EntityTypes.OPERATIONS)).isEqualTo(1);
        assertThat(store.count("update", EntityTypes.OPERATIONS)).isZero();
        assertThat(store.transactions.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("a last_operation poll that ends nothing reads and writes nothing")
    void pollInProgressCostsNothing() {
        stage.osb.asynchronous(1);
        String id = unique("instance");
        assertThat(osbA.put(stage.instance(id) + "?accepts_incomplete=true", provisionBody("small")).status())
                .isEqualTo(202);
        store.clear();

        assertThat(osbA.get(stage.instance(id) + "/last_operation").text("state")).isEqualTo("in progress");

        assertThat(store.count("get", EntityTypes.OPERATIONS)).isZero();
        assertThat(store.count("update", EntityTypes.OPERATIONS)).isZero();
        assertThat(store.count("update", EntityTypes.SERVICE_INSTANCES)).isZero();
        assertThat(store.transactions.get()).isZero();
    }

    /**
     * Delegates to a real store and counts {@code get} calls per entity type, and (inside
     * transactions too) calls per kind and type, and transactions.
     */
    static final class CountingStore extends ForwardingStore {
        final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        final AtomicInteger transactions = new AtomicInteger();

        CountingStore(Store delegate) {
            super(delegate);
        }

        int gets(EntityType<?> type) {
            AtomicInteger count = gets.get(type.name());
            return count == null ? 0 : count.get();
        }

        int count(String kind, EntityType<?> type) {
            AtomicInteger count = calls.get(kind + " " + type.name());
            return count == null ? 0 : count.get();
        }

        void clear() {
            gets.clear();
            calls.clear();
            transactions.set(0);
        }

        @Override
        public <R> R inTransaction(java.util.function.Function<Store, R> work) {
            transactions.incrementAndGet();
            return super.inTransaction(tx -> work.apply(new ForwardingStore(tx) {
                @Override
                public <T extends Entity> Repository<T> repository(EntityType<T> type) {
                    return counting(super.repository(type), type);
                }

                @Override
                public <S> S inTransaction(java.util.function.Function<Store, S> nested) {
                    return nested.apply(this);
                }
            }));
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            return counting(super.repository(type), type);
        }

        private void tally(String kind, EntityType<?> type) {
            calls.computeIfAbsent(kind + " " + type.name(), k -> new AtomicInteger()).incrementAndGet();
        }

        private <T extends Entity> Repository<T> counting(Repository<T> repo, EntityType<T> type) {
            return new ForwardingRepository<>(repo) {
                @Override
                public Optional<T> get(String id) {
                    gets.computeIfAbsent(type.name(), k -> new AtomicInteger()).incrementAndGet();
                    tally("get", type);
                    return super.get(id);
                }

                @Override
                public T create(T entity) {
                    tally("create", type);
                    return super.create(entity);
                }

                @Override
                public T update(T entity) {
                    tally("update", type);
                    return super.update(entity);
                }

                @Override
                public boolean delete(String id) {
                    tally("delete", type);
                    return super.delete(id);
                }
            };
        }
    }
}
