package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;

@DisplayName("a store that fails")
class StoreFailureApiTest extends ApiTestBase {
    private final FailingStore store = new FailingStore(new MemoryStore());

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.store(store);
    }

    @AfterEach
    void heal() {
        store.failing = false;
    }

    @Test
    @DisplayName("an unexpected failure is 500 InternalError with a reference_id and no internal detail")
    void internalError() {
        store.failing = true;

        ApiResponse response = admin.get("/v1/platforms");

        assertThat(response.status()).isEqualTo(500);
        JsonNode body = response.json();
        assertThat(fieldNames(body)).containsExactly("description", "error", "reference_id");
        assertThat(body.get("error").asText()).isEqualTo("InternalError");
        assertThat(body.get("reference_id").asText()).isNotBlank();
        assertThat(body.get("description").asText()).contains(body.get("reference_id").asText())
                .doesNotContain("disk on fire").doesNotContain("Exception");
        assertThat(response.header("X-Correlation-ID")).isPresent();
    }

    @Test
    @DisplayName("health is 503 DOWN; only administrators see which component failed")
    void healthDown() {
        store.failing = true;

        ApiResponse anonymousHealth = anonymous.get("/v1/monitor/health");
        assertThat(anonymousHealth.status()).isEqualTo(503);
        assertThat(anonymousHealth.json().get("status").asText()).isEqualTo("DOWN");
        assertThat(anonymousHealth.json().has("details")).isFalse();
        JsonNode adminHealth = admin.get("/v1/monitor/health").json();
        assertThat(adminHealth.at("/details/storage/status").asText()).isEqualTo("DOWN");
        assertThat(adminHealth.toString()).doesNotContain("disk on fire");
    }

    @Test
    @DisplayName("once the store recovers, requests succeed again")
    void recovers() {
        store.failing = true;
        assertThat(admin.get("/v1/platforms").status()).isEqualTo(500);
        store.failing = false;

        assertThat(admin.get("/v1/platforms").status()).isEqualTo(200);
        assertThat(anonymous.get("/v1/monitor/health").status()).isEqualTo(200);
    }

    /** Delegates to a real store and, while {@code failing}, fails every call as a broken database would. */
    static final class FailingStore extends ForwardingStore {
        volatile boolean failing;

        FailingStore(Store delegate) {
            super(delegate);
        }

        private void check() {
            if (failing) {
                throw new IllegalStateException("disk on fire");
            }
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            return new ForwardingRepository<>(super.repository(type)) {
                @Override
                public T create(T entity) {
                    check();
                    return super.create(entity);
                }

                @Override
                public Optional<T> get(String id) {
                    check();
                    return super.get(id);
                }

                @Override
                public Page<T> list(Query query, PageRequest page) {
                    check();
                    return super.list(query, page);
                }

                @Override
                public long count(Query query) {
                    check();
                    return super.count(query);
                }

                @Override
                public T update(T entity) {
                    check();
                    return super.update(entity);
                }

                @Override
                public boolean delete(String id) {
                    check();
                    return super.delete(id);
                }

                @Override
                public int deleteAll(Query query) {
                    check();
                    return super.deleteAll(query);
                }
            };
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            check();
            return super.inTransaction(work);
        }

        @Override
        public long changeRevision() {
            check();
            return super.changeRevision();
        }

        @Override
        public void ping() {
            check();
        }
    }
}
