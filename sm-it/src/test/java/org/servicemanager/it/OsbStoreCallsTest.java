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

    /** Delegates to a real store and counts {@code get} calls per entity type. */
    static final class CountingStore extends ForwardingStore {
        final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();

        CountingStore(Store delegate) {
            super(delegate);
        }

        int gets(EntityType<?> type) {
            AtomicInteger count = gets.get(type.name());
            return count == null ? 0 : count.get();
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            return new ForwardingRepository<>(super.repository(type)) {
                @Override
                public Optional<T> get(String id) {
                    gets.computeIfAbsent(type.name(), k -> new AtomicInteger()).incrementAndGet();
                    return super.get(id);
                }
            };
        }
    }
}
