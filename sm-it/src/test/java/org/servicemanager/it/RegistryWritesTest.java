package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
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
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;

/**
 * The views cached from the registry (a platform's OSB catalog, the OSB checks, platform
 * credentials) follow every kind of registry write at once. The store counts registry reads: a
 * cached view costs none, and the first request after a write must read again.
 */
@DisplayName("Cached registry views")
class RegistryWritesTest extends OsbTestBase {
    private final ReadCountingStore store = new ReadCountingStore(new MemoryStore());

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.store(store);
    }

    /** Asserts that the catalog is served from the cache, then that {@code write} makes it read again. */
    private void assertRereadAfter(Runnable write) {
        plans(osbA, stage);
        long warm = store.registryReads();
        plans(osbA, stage);
        assertThat(store.registryReads()).as("registry reads of a cached catalog").isEqualTo(warm);

        write.run();

        long afterWrite = store.registryReads();
        plans(osbA, stage);
        assertThat(store.registryReads()).as("registry reads of the first catalog after the write")
                .isGreaterThan(afterWrite);
    }

    private static void assertOk(ApiResponse response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
    }

    private String brokerJson(Stage s) {
        return brokerBody(unique("broker"), s.broker.url());
    }

    @Test
    @DisplayName("are read again after a broker is registered")
    void brokerCreated() {
        Stage s = newStage(defaultCatalog());
        assertRereadAfter(() -> assertOk(admin.post("/v1/service_brokers", brokerJson(s)), 201));
    }

    @Test
    @DisplayName("are read again after a broker PATCH refreshes its catalog")
    void brokerRefreshed() {
        assertRereadAfter(() -> assertOk(admin.patch("/v1/service_brokers/" + stage.brokerId, "{}"), 200));
    }

    @Test
    @DisplayName("are read again after a broker's labels change")
    void brokerLabels() {
        assertRereadAfter(() -> assertOk(admin.patch("/v1/service_brokers/" + stage.brokerId,
                json("labels", List.of(map("op", "add", "key", "team", "values", List.of(unique("t")))))), 200));
    }

    @Test
    @DisplayName("are read again after a broker is deleted, and its catalog is gone")
    void brokerDeleted() {
        Stage s = newStage(defaultCatalog());
        assertThat(plans(osbA, s)).isNotEmpty();

        assertRereadAfter(() -> assertOk(admin.delete("/v1/service_brokers/" + s.brokerId), 200));

        assertOsbError(osbA.get(s.base() + "/catalog"), 404);
    }

    @Test
    @DisplayName("are read again after brokers are deleted by query, and their catalog is gone")
    void brokersDeletedByQuery() {
        Stage s = newStage(defaultCatalog());
        assertThat(plans(osbA, s)).isNotEmpty();

        assertRereadAfter(() -> assertOk(admin.delete("/v1/service_brokers?fieldQuery="
                + q("name eq '" + s.brokerName + "'")), 200));

        assertOsbError(osbA.get(s.base() + "/catalog"), 404);
    }

    @Test
    @DisplayName("are read again after a platform is registered")
    void platformCreated() {
        assertRereadAfter(() -> createPlatform());
    }

    @Test
    @DisplayName("are read again after a platform's labels change")
    void platformLabels() {
        assertRereadAfter(() -> assertOk(admin.patch("/v1/platforms/" + platformId(platformB),
                json("labels", List.of(map("op", "add", "key", "env", "values", List.of(unique("e")))))), 200));
    }

    @Test
    @DisplayName("are read again after a platform is deleted, whose credentials then fail at once")
    void platformDeleted() {
        JsonNode platform = createPlatform();
        ApiClient osb = osbClient(platform);
        assertThat(plans(osb, stage)).isNotEmpty();

        assertRereadAfter(() -> assertOk(admin.delete("/v1/platforms/" + platformId(platform)), 200));

        assertThat(osb.get(stage.base() + "/catalog").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("are read again after platforms are deleted by query, whose credentials then fail at once")
    void platformsDeletedByQuery() {
        JsonNode platform = createPlatform();
        ApiClient osb = osbClient(platform);
        assertThat(plans(osb, stage)).isNotEmpty();

        assertRereadAfter(() -> assertOk(admin.delete("/v1/platforms?fieldQuery="
                + q("name eq '" + platform.get("name").asText() + "'")), 200));

        assertThat(osb.get(stage.base() + "/catalog").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("retire a platform's old credentials at the first use of regenerated ones")
    void credentialsRegenerated() {
        JsonNode platform = createPlatform();
        ApiClient old = osbClient(platform);
        assertThat(plans(old, stage)).isNotEmpty();
        ApiResponse regenerated = admin.patch("/v1/platforms/" + platformId(platform)
                + "?regenerateCredentials=true", "{}");
        assertOk(regenerated, 200);
        ApiClient renewed = osbClient(regenerated.json());
        assertThat(plans(old, stage)).as("the old pair until the new one is used").isNotEmpty();

        assertRereadAfter(() -> assertThat(plans(renewed, stage)).isNotEmpty());

        assertThat(old.get(stage.base() + "/catalog").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("are read again after a visibility is created")
    void visibilityCreated() {
        Stage s = newStage(defaultCatalog());
        assertRereadAfter(() -> createVisibility(s.plan("secret"), platformId(platformB)));
    }

    @Test
    @DisplayName("follow a visibility moved to another platform")
    void visibilityMoved() {
        Stage s = newStage(defaultCatalog());
        String visibility = createVisibility(s.plan("secret"), platformId(platformA)).get("id").asText();
        assertThat(plans(osbA, s)).contains("hidden:secret");
        assertThat(plans(osbB, s)).doesNotContain("hidden:secret");

        assertRereadAfter(() -> assertOk(admin.patch("/v1/visibilities/" + visibility,
                json("platform_id", platformId(platformB))), 200));

        assertThat(plans(osbA, s)).doesNotContain("hidden:secret");
        assertThat(plans(osbB, s)).contains("hidden:secret");
    }

    @Test
    @DisplayName("are read again after a visibility's labels change")
    void visibilityLabels() {
        Stage s = newStage(defaultCatalog());
        String visibility = createVisibility(s.plan("secret"), platformId(platformA)).get("id").asText();

        assertRereadAfter(() -> assertOk(admin.patch("/v1/visibilities/" + visibility, json("labels",
                List.of(map("op", "add", "key", "organization_guid", "values", List.of("org-1"))))), 200));
    }

    @Test
    @DisplayName("follow a visibility deleted")
    void visibilityDeleted() {
        Stage s = newStage(defaultCatalog());
        String visibility = createVisibility(s.plan("secret"), platformId(platformA)).get("id").asText();
        assertThat(plans(osbA, s)).contains("hidden:secret");

        assertRereadAfter(() -> assertOk(admin.delete("/v1/visibilities/" + visibility), 200));

        assertThat(plans(osbA, s)).doesNotContain("hidden:secret");
    }

    @Test
    @DisplayName("follow visibilities deleted by query")
    void visibilitiesDeletedByQuery() {
        Stage s = newStage(defaultCatalog());
        createVisibility(s.plan("secret"), platformId(platformA));
        assertThat(plans(osbA, s)).contains("hidden:secret");

        assertRereadAfter(() -> assertOk(admin.delete("/v1/visibilities?fieldQuery="
                + q("service_plan_id eq '" + s.plan("secret") + "'")), 200));

        assertThat(plans(osbA, s)).doesNotContain("hidden:secret");
    }

    @Test
    @DisplayName("are read again after a service offering's labels change")
    void offeringLabels() {
        String offering = offeringsOfBroker(stage.brokerId).get(0).get("id").asText();
        assertRereadAfter(() -> assertOk(admin.patch("/v1/service_offerings/" + offering,
                json("labels", List.of(map("op", "add", "key", "tier", "values", List.of(unique("x")))))), 200));
    }

    @Test
    @DisplayName("are read again after a service plan's labels change")
    void planLabels() {
        assertRereadAfter(() -> assertOk(admin.patch("/v1/service_plans/" + stage.plan("small"),
                json("labels", List.of(map("op", "add", "key", "tier", "values", List.of(unique("x")))))), 200));
    }

    @Test
    @DisplayName("follow a broker PATCH whose catalog changed a plan")
    void catalogChanged() {
        Stage s = newStage(defaultCatalog());
        assertThat(plans(osbA, s)).contains("db:large");
        s.broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small").description("smaller"))));

        assertRereadAfter(() -> assertOk(admin.patch("/v1/service_brokers/" + s.brokerId, "{}"), 200));

        assertThat(plans(osbA, s)).containsExactly("db:small");
    }

    @Test
    @DisplayName("are not read again after a registry write that was refused")
    void refusedWrite() {
        plans(osbA, stage);
        plans(osbA, stage);
        long warm = store.registryReads();

        assertThat(admin.post("/v1/visibilities", json("service_plan_id", stage.plan("small"),
                "platform_id", platformId(platformA), "unknown", 1)).status()).isEqualTo(400);
        long afterWrite = store.registryReads();
        plans(osbA, stage);

        assertThat(store.registryReads()).isEqualTo(afterWrite).isEqualTo(warm);
    }

    /** A memory store that counts reads of the registry types. */
    static final class ReadCountingStore extends ForwardingStore {
        private final AtomicLong reads = new AtomicLong();

        ReadCountingStore(Store delegate) {
            super(delegate);
        }

        long registryReads() {
            return reads.get();
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            Repository<T> repository = delegate().repository(type);
            if (!EntityTypes.REGISTRY.contains(type)) {
                return repository;
            }
            return new ForwardingRepository<>(repository) {
                @Override
                public Optional<T> get(String id) {
                    reads.incrementAndGet();
                    return super.get(id);
                }

                @Override
                public Page<T> list(Query query, PageRequest page) {
                    reads.incrementAndGet();
                    return super.list(query, page);
                }

                @Override
                public long count(Query query) {
                    reads.incrementAndGet();
                    return super.count(query);
                }
            };
        }
    }
}
