package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiResponse;

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

    /** Delegates to a real store and counts {@code get} calls per entity type. */
    static final class CountingStore implements Store {
        private final Store delegate;
        final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();

        CountingStore(Store delegate) {
            this.delegate = delegate;
        }

        int gets(EntityType<?> type) {
            AtomicInteger count = gets.get(type.name());
            return count == null ? 0 : count.get();
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            Repository<T> repository = delegate.repository(type);
            return new Repository<>() {
                @Override
                public EntityType<T> type() {
                    return repository.type();
                }

                @Override
                public T create(T entity) {
                    return repository.create(entity);
                }

                @Override
                public Optional<T> get(String id) {
                    gets.computeIfAbsent(type.name(), k -> new AtomicInteger()).incrementAndGet();
                    return repository.get(id);
                }

                @Override
                public Page<T> list(Query query, PageRequest page) {
                    return repository.list(query, page);
                }

                @Override
                public long count(Query query) {
                    return repository.count(query);
                }

                @Override
                public T update(T entity) {
                    return repository.update(entity);
                }

                @Override
                public boolean delete(String id) {
                    return repository.delete(id);
                }

                @Override
                public int deleteAll(Query query) {
                    return repository.deleteAll(query);
                }
            };
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            return delegate.inTransaction(work);
        }

        @Override
        public long changeRevision() {
            return delegate.changeRevision();
        }

        @Override
        public void ping() {
            delegate.ping();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
