package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * A new reference racing an unshare or a delete of its shared instance: never both succeed, so no
 * reference is left on an instance that is no longer shared or no longer there. The reference's
 * transaction writes the shared instance's row after checking it again; unshare and delete write
 * that row after their own check for references (the delete repeats it in its transaction).
 */
@DisplayName("a reference instance racing an unshare or a delete of its shared instance")
class SharingRaceTest extends OsbTestBase {
    private BindDeleteRaceTest.PausingStore pausing;
    private Stage sharing;

    @Override
    void configure(ServiceManager.Builder builder) {
        pausing = new BindDeleteRaceTest.PausingStore(new MemoryStore());
        builder.store(pausing).operationsInBackground(false);
    }

    @BeforeAll
    void sharingStage() {
        sharing = new Stage(Catalogs.of(Catalogs.offering("sdb").plan(Catalogs.plan("shareable")
                .setJson("metadata", "{\"supportsInstanceSharing\":true}"))));
        sharing.planIds.values().forEach(this::createPublicVisibility);
    }

    private String sharedInstance() {
        ApiResponse created = admin.post("/v1/service_instances", json("name", unique("db"), "service_plan_id",
                sharing.plan("shareable")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(admin.patch("/v1/service_instances/" + id, json("shared", true)).status()).isEqualTo(200);
        return id;
    }

    private ApiResponse reference(String sharedId) {
        return admin.post("/v1/service_instances", json("name", unique("ref"), "service_plan_id",
                sharing.plan("reference-instance"), "parameters", map("referenced_instance_id", sharedId)));
    }

    private long references(String sharedId) {
        return items("/v1/service_instances?fieldQuery=" + q("referenced_instance_id eq '" + sharedId + "'")).size();
    }

    @Test
    @DisplayName("a reference stored after an unshare checked for references, before its write, makes the unshare 400 naming it")
    void referenceBetweenUnshareCheckAndWrite() throws Exception {
        String shared = sharedInstance();
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> unshare = CompletableFuture.supplyAsync(
                () -> admin.patch("/v1/service_instances/" + shared, json("shared", false)));
        assertThat(pausing.awaitPaused()).as("the unshare reached its transaction").isTrue();
        ApiResponse reference = reference(shared);
        pausing.release();

        assertThat(reference.status()).as(reference.body()).isEqualTo(201);
        ApiResponse unshared = unshare.get(20, TimeUnit.SECONDS);
        assertThat(unshared.status()).as(unshared.body()).isEqualTo(400);
        assertThat(unshared.text("description")).contains(reference.json().get("id").asText());
        assertThat(instanceRecord(shared).json().get("shared").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("an unshare between a reference's check and its transaction makes the reference 400 and leaves none")
    void unshareBetweenReferenceCheckAndWrite() throws Exception {
        String shared = sharedInstance();
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> reference = CompletableFuture.supplyAsync(() -> reference(shared));
        assertThat(pausing.awaitPaused()).as("the reference reached its transaction").isTrue();
        ApiResponse unshared = admin.patch("/v1/service_instances/" + shared, json("shared", false));
        pausing.release();

        assertThat(unshared.status()).as(unshared.body()).isEqualTo(200);
        ApiResponse created = reference.get(20, TimeUnit.SECONDS);
        assertThat(created.status()).as(created.body()).isEqualTo(400);
        assertThat(references(shared)).isZero();
    }

    @Test
    @DisplayName("a reference stored after a DELETE checked for references, before its transaction, makes the DELETE 409")
    void referenceBetweenDeleteCheckAndWrite() throws Exception {
        String shared = sharedInstance();
        assertReferenceDuringDeleteRefusesIt(shared, "/v1/service_instances/" + shared);
    }

    /** A shared instance of a new platform, provisioned through the OSB face. */
    private SharedOnPlatform sharedOnPlatform() {
        return sharedOnNewPlatform(admin, sharing);
    }

    @Test
    @DisplayName("a reference stored after a cascade DELETE checked for references, before its transaction, makes the DELETE 409")
    void referenceBetweenCascadeDeleteCheckAndWrite() throws Exception {
        String shared = sharedInstance();
        assertReferenceDuringDeleteRefusesIt(shared, "/v1/service_instances/" + shared + "?cascade=true");
    }

    @Test
    @DisplayName("a reference stored after a platform's cascade DELETE checked for references, before its transaction, makes the DELETE 409")
    void referenceBetweenPlatformCascadeCheckAndWrite() throws Exception {
        SharedOnPlatform platform = sharedOnPlatform();
        assertReferenceDuringDeleteRefusesIt(platform.id(),
                "/v1/platforms/" + platform.platformId() + "?cascade=true");
    }

    /**
     * Pauses the DELETE of {@code path} at its transaction, stores a reference to
     * {@code shared} meanwhile, and checks that the DELETE then answers 409 naming it and that the
     * shared instance stays, at the broker and here.
     */
    private void assertReferenceDuringDeleteRefusesIt(String shared, String path) throws Exception {
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> delete = CompletableFuture.supplyAsync(() -> admin.delete(path));
        assertThat(pausing.awaitPaused()).as("the DELETE reached its transaction").isTrue();
        ApiResponse reference = reference(shared);
        pausing.release();

        assertThat(reference.status()).as(reference.body()).isEqualTo(201);
        ApiResponse deleted = delete.get(20, TimeUnit.SECONDS);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(409);
        assertThat(deleted.text("description")).contains(reference.json().get("id").asText());
        assertThat(sharing.osb.instanceIds()).contains(shared);
        assertThat(instanceRecord(shared).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a reference stored after a platform's OSB deprovision checked for references makes the deprovision 400, without a broker call")
    void referenceBetweenOsbDeprovisionCheckAndBrokerCall() throws Exception {
        SharedOnPlatform platform = sharedOnPlatform();
        String shared = platform.id();
        ApiClient client = platform.client();
        pausing.pauseNextTransaction();
        CompletableFuture<ApiResponse> deprovision = CompletableFuture.supplyAsync(
                () -> client.delete(sharing.instance(shared) + "?service_id=sdb-id&plan_id=shareable-id"));
        assertThat(pausing.awaitPaused()).as("the deprovision reached a transaction").isTrue();
        ApiResponse reference = reference(shared);
        pausing.release();

        assertThat(reference.status()).as(reference.body()).isEqualTo(201);
        ApiResponse deprovisioned = deprovision.get(20, TimeUnit.SECONDS);
        assertThat(deprovisioned.status()).as(deprovisioned.body()).isEqualTo(400);
        assertThat(deprovisioned.text("description")).contains("1 reference instance")
                .doesNotContain(reference.json().get("id").asText());
        assertThat(sharing.osb.instanceIds()).contains(shared);
        ApiResponse record = instanceRecord(shared);
        assertThat(record.status()).isEqualTo(200);
        assertThat(record.json().at("/last_operation/state").asText()).as(record.body()).isNotEqualTo("in progress");
    }

    @Test
    @DisplayName("a platform's OSB deprovision of a shared instance without references still deletes it at the broker and here")
    void osbDeprovisionOfUnreferencedShared() {
        SharedOnPlatform platform = sharedOnPlatform();

        ApiResponse deprovisioned = platform.client().delete(sharing.instance(platform.id())
                + "?service_id=sdb-id&plan_id=shareable-id");

        assertThat(deprovisioned.status()).as(deprovisioned.body()).isEqualTo(200);
        assertThat(sharing.osb.instanceIds()).doesNotContain(platform.id());
        assertThat(instanceRecord(platform.id()).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a reference made while a platform's OSB deprovision of its shared instance waits for the broker: 400, and the deprovision goes on")
    void referenceDuringOsbDeprovisionAtBroker() throws Exception {
        SharedOnPlatform platform = sharedOnPlatform();
        sharing.osb.slowness(Duration.ofSeconds(1)).failNextCall(FakeOsbService.Failure.TIMEOUT);
        CompletableFuture<ApiResponse> deprovision = CompletableFuture.supplyAsync(() -> platform.client().delete(
                sharing.instance(platform.id()) + "?service_id=sdb-id&plan_id=shareable-id"));
        Instant deadline = Instant.now().plusSeconds(10);
        while (!instanceRecord(platform.id()).json().at("/last_operation/state").asText().equals("in progress")) {
            assertThat(Instant.now()).as("the deprovision marked the instance").isBefore(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // two shared cores: no busy spin
        }

        ApiResponse reference = reference(platform.id());

        assertThat(reference.status()).as(reference.body()).isEqualTo(400);
        assertThat(reference.text("description")).contains("being deleted");
        ApiResponse deprovisioned = deprovision.get(20, TimeUnit.SECONDS);
        assertThat(deprovisioned.status()).as(deprovisioned.body()).isEqualTo(200);
        assertThat(references(platform.id())).isZero();
        assertThat(instanceRecord(platform.id()).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a platform's OSB deprovision of a shared instance that the broker refuses leaves the instance as it was, open to references")
    void osbDeprovisionRefusedByBroker() {
        SharedOnPlatform platform = sharedOnPlatform();
        String before = instanceRecord(platform.id()).json().get("last_operation").toString();
        sharing.osb.failNextCall(FakeOsbService.Failure.SERVER_ERROR);

        ApiResponse deprovisioned = platform.client().delete(sharing.instance(platform.id())
                + "?service_id=sdb-id&plan_id=shareable-id");

        assertThat(deprovisioned.status()).as(deprovisioned.body()).isEqualTo(500);
        assertThat(instanceRecord(platform.id()).json().get("last_operation").toString()).isEqualTo(before);
        assertThat(reference(platform.id()).status()).isEqualTo(201);
    }
}
