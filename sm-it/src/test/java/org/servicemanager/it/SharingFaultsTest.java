package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Instance sharing under races and store failures, with multitenancy on (label {@code tenant_id},
 * tenants {@code a} and {@code b} by bearer token): what a tenant's platform is told names nothing
 * of another tenant, and a failing store write does not cost the platform the broker's answer. A
 * pausing store holds a transaction while another request runs; a failing one refuses one write.
 */
@DisplayName("instance sharing under races and store failures, with tenants")
class SharingFaultsTest extends OsbTestBase {
    private static final String NO_MATCH = "no shared instance of this offering matches";

    private BindDeleteRaceTest.PausingStore pausing;
    private RestoreFailingStore failing;
    private Stage sharing;
    private ApiClient a;

    @Override
    void configure(ServiceManager.Builder builder) {
        failing = new RestoreFailingStore(new MemoryStore());
        pausing = new BindDeleteRaceTest.PausingStore(failing);
        builder.store(pausing).operationsInBackground(false).tenantLabelKey("tenant_id")
                .bearerTokens(new TenantTokens());
    }

    @BeforeAll
    void sharingStage() {
        a = anonymous.withAuthorization("Bearer " + TenantTokens.ADMIN_A);
        sharing = new Stage(Catalogs.of(Catalogs.offering("sdb").plan(Catalogs.plan("shareable")
                .setJson("metadata", "{\"supportsInstanceSharing\":true}"))));
        sharing.planIds.values().forEach(this::createPublicVisibility);
    }

    /** A platform of tenant a with a shared instance provisioned through its OSB face. */
    private SharedOnPlatform sharedOnPlatformOfA() {
        return sharedOnNewPlatform(a, sharing);
    }

    private ApiResponse relabel(String instanceId, String from, String to) {
        return admin.patch("/v1/service_instances/" + instanceId, json("labels", List.of(map("op", "add_values",
                "key", "tenant_id", "values", List.of(to)), map("op", "remove_values", "key", "tenant_id", "values",
                List.of(from)))));
    }

    @Test
    @DisplayName("a tenant's platform cascade DELETE that meets, in its transaction, a reference moved to another tenant counts it and does not name it")
    void platformCascadeRecheckNamesNoOtherTenantsReference() throws Exception {
        SharedOnPlatform platform = sharedOnPlatformOfA();
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> delete = CompletableFuture.supplyAsync(
                () -> a.delete("/v1/platforms/" + platform.platformId() + "?cascade=true"));
        assertThat(pausing.awaitPaused()).as("the platform's cascade DELETE reached its transaction").isTrue();
        ApiResponse reference = admin.post("/v1/service_instances", json("name", unique("ref"), "service_plan_id",
                sharing.plan("reference-instance"), "parameters", map("referenced_instance_id", platform.id()),
                "labels", map("tenant_id", List.of("a"))));
        assertThat(reference.status()).as(reference.body()).isEqualTo(201);
        String moved = reference.json().get("id").asText();
        ApiResponse relabelled = relabel(moved, "a", "b");
        assertThat(relabelled.status()).as(relabelled.body()).isEqualTo(200);
        pausing.release();

        ApiResponse deleted = delete.get(20, TimeUnit.SECONDS);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(409);
        assertThat(deleted.text("description")).contains("1 of them not of your tenant").doesNotContain(moved)
                .doesNotContain(reference.json().get("name").asText());
        assertThat(sharing.osb.instanceIds()).contains(platform.id());
    }

    @Test
    @DisplayName("an OSB reference provision whose shared instance moved to another tenant between lookup and store is the one no-match 400, not 404")
    void osbReferenceRaceIsNoMatch() throws Exception {
        SharedOnPlatform platform = sharedOnPlatformOfA();
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> provision = CompletableFuture.supplyAsync(() -> platform.client().put(
                sharing.instance(unique("k-ref")), json("service_id", "sdb-id", "plan_id",
                        referenceCatalogId(), "parameters", map("referenced_instance_id", platform.id()))));
        assertThat(pausing.awaitPaused()).as("the provision reached its transaction").isTrue();
        ApiResponse relabelled = relabel(platform.id(), "a", "b");
        pausing.release();

        assertThat(relabelled.status()).as(relabelled.body()).isEqualTo(200);
        ApiResponse provisioned = provision.get(20, TimeUnit.SECONDS);
        assertThat(provisioned.status()).as(provisioned.body()).isEqualTo(400);
        assertThat(provisioned.json().get("description").asText()).isEqualTo(NO_MATCH);
        assertThat(server.sm().store().repository(EntityTypes.SERVICE_INSTANCES).count(
                Query.fieldEquals("referenced_instance_id", platform.id()))).isZero();
    }

    private String referenceCatalogId() {
        return plansOfBroker(sharing.brokerId).stream().filter(p -> p.get("name").asText().equals("reference-instance"))
                .findFirst().map(p -> p.get("catalog_id").asText()).orElseThrow();
    }

    @Test
    @DisplayName("when putting back a shared instance's mark fails in the store, the platform still gets the broker's refusal and the deprovision is recorded")
    void unmarkFailureKeepsBrokersAnswer() {
        SharedOnPlatform platform = sharedOnPlatformOfA();
        failing.failNextRestoreOf(platform.id());
        sharing.osb.failNextCall(FakeOsbService.Failure.CONCURRENCY_ERROR);

        ApiResponse deprovisioned = platform.client().delete(sharing.instance(platform.id())
                + "?service_id=sdb-id&plan_id=shareable-id");

        assertThat(deprovisioned.status()).as(deprovisioned.body()).isEqualTo(422);
        assertThat(failing.failed()).as("the store refused putting the mark back").isTrue();
        assertThat(server.sm().store().repository(EntityTypes.OPERATIONS).list(Query.fieldEquals("resource_id",
                platform.id()), PageRequest.unbounded()).items()).anyMatch(op -> op.type() == OperationType.DELETE);
        JsonNode record = instanceRecord(platform.id()).json();
        assertThat(record.at("/last_operation/type").asText()).as(record.toString()).isEqualTo("delete");
    }

    /**
     * Refuses, once armed, the next write of a given instance that does not mark it as being deleted:
     * the write that puts a shared instance's previous last operation back. Thread-safe.
     */
    static final class RestoreFailingStore extends ForwardingStore {
        private final AtomicReference<String> failRestoreOf;
        private final AtomicBoolean failed;

        RestoreFailingStore(Store delegate) {
            this(delegate, new AtomicReference<>(), new AtomicBoolean());
        }

        private RestoreFailingStore(Store delegate, AtomicReference<String> failRestoreOf, AtomicBoolean failed) {
            super(delegate);
            this.failRestoreOf = failRestoreOf;
            this.failed = failed;
        }

        void failNextRestoreOf(String instanceId) {
            failRestoreOf.set(instanceId);
        }

        boolean failed() {
            return failed.get();
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            Repository<T> repository = super.repository(type);
            if (type != EntityTypes.SERVICE_INSTANCES) {
                return repository;
            }
            return new ForwardingRepository<>(repository) {
                @Override
                public T update(T entity) {
                    String armed = failRestoreOf.get();
                    if (entity instanceof ServiceInstance i && i.id().equals(armed) && !markedDeleting(i.lastOperation())
                            && failRestoreOf.compareAndSet(armed, null)) {
                        failed.set(true);
                        throw new IllegalStateException("store refused the write (test)");
                    }
                    return super.update(entity);
                }
            };
        }

        private static boolean markedDeleting(LastOperation last) {
            return last != null && last.inProgress() && last.type() == OperationType.DELETE;
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            return super.inTransaction(tx -> work.apply(new RestoreFailingStore(tx, failRestoreOf, failed)));
        }
    }
}
