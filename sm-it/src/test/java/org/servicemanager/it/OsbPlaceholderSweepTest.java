package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.FakeOsbService.Failure;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.time.MutableClock;
import org.servicemanager.api.store.ForwardingStore;

/**
 * Placeholders that a forwarded create left without the broker's answer (a crash between the
 * broker's answer and our write): the test writes them into the store as a crashed process leaves
 * them, then runs a sweep directly. The clock is the test's; the store can claim to be clustered.
 */
@DisplayName("/v1/osb placeholders left by a crash are resolved by asking the broker")
class OsbPlaceholderSweepTest extends OsbTestBase {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    private static final byte[] KEY = new byte[32];

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final SwitchableStore store = new SwitchableStore(new MemoryStore());

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.store(store).clock(clock).brokerReadTimeout(READ_TIMEOUT).encryptionKey(KEY)
                .placeholderSweepInterval(Duration.ofHours(1));
    }

    @AfterEach
    void singleNode() {
        store.clustered.set(false);
    }

    private int sweep() {
        return server.sm().sweepPlaceholders();
    }

    /** The broker's own OSB API, as a platform that bypasses the Service Manager would call it. */
    private ApiClient brokerDirect(Stage s) {
        return new ApiClient(s.broker.url()).withCredentials(BROKER_USER, BROKER_PASSWORD)
                .withHeader("X-Broker-API-Version", VERSION);
    }

    /** An instance record as a crash during its provision leaves it: not ready, create in progress, no operation. */
    private String instancePlaceholder(Stage s, String plan) {
        String id = unique("i");
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        repo(EntityTypes.SERVICE_INSTANCES).create(new ServiceInstance(id, "my-" + plan, s.plan(plan),
                platformId(platformA), null, null, null, false, LastOperation.inProgress(OperationType.CREATE, null), null,
                null, Labels.empty(), now, now, false, 0));
        return id;
    }

    private String bindingPlaceholder(String instanceId) {
        String id = unique("b");
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        repo(EntityTypes.SERVICE_BINDINGS).create(new ServiceBinding(id, null, instanceId, platformId(platformA),
                null, null, null, LastOperation.inProgress(OperationType.CREATE, null), Labels.empty(), now, now, false, 0));
        return id;
    }

    private <T extends Entity> Repository<T> repo(EntityType<T> type) {
        return server.sm().store().repository(type);
    }

    private JsonNode instance(String id) {
        ApiResponse response = instanceRecord(id);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    @Test
    @DisplayName("a placeholder whose instance the broker holds becomes ready (last_operation says succeeded)")
    void brokerHoldsInstance() {
        String id = instancePlaceholder(stage, "small");
        assertThat(brokerDirect(stage).put("/v2/service_instances/" + id, provisionBody("small")).status())
                .isEqualTo(201);

        assertThat(sweep()).isEqualTo(1);

        assertThat(instance(id).get("ready").asBoolean()).isTrue();
        assertThat(instance(id).at("/last_operation/state").asText()).isEqualTo("succeeded");
        assertThat(stage.osb.instanceIds()).contains(id);
    }

    @Test
    @DisplayName("a placeholder whose instance the broker does not hold (410) is removed, and no longer blocks "
            + "deleting its platform")
    void brokerHoldsNothing() {
        JsonNode platform = createPlatform();
        String id = unique("i");
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        repo(EntityTypes.SERVICE_INSTANCES).create(new ServiceInstance(id, null, stage.plan("small"),
                platformId(platform), null, null, null, false, LastOperation.inProgress(OperationType.CREATE, null), null,
                null, Labels.empty(), now, now, false, 0));
        assertThat(admin.delete("/v1/platforms/" + platformId(platform)).status()).isEqualTo(409);

        assertThat(sweep()).isEqualTo(1);

        assertThat(instanceRecord(id).status()).isEqualTo(404);
        assertThat(stage.osbCalls()).extracting(RecordedRequest::method, RecordedRequest::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("GET",
                        "/v2/service_instances/" + id + "/last_operation"));
        assertThat(admin.delete("/v1/platforms/" + platformId(platform)).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a binding placeholder becomes ready when the broker holds the binding, and goes when it does not")
    void bindingPlaceholders() {
        String id = provisioned(osbA, "small");
        String held = bindingPlaceholder(id);
        assertThat(brokerDirect(stage).put("/v2/service_instances/" + id + "/service_bindings/" + held,
                bindBody("db", "small")).status()).isEqualTo(201);
        String missing = bindingPlaceholder(id);

        assertThat(sweep()).isEqualTo(2);

        assertThat(bindingRecord(held).json().get("ready").asBoolean()).isTrue();
        assertThat(bindingRecord(missing).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("when last_operation tells nothing and the instance is not retrievable, the instance is "
            + "deprovisioned (orphan mitigation) and the record goes once the broker confirms")
    void orphanMitigation() {
        Stage s = newStage(defaultCatalog());
        s.broker.route("GET", FakeOsbService.INSTANCE_PATH + "/last_operation",
                r -> Reply.error(404, "NotFound", "no operation known"));
        String id = instancePlaceholder(s, "basic");
        assertThat(brokerDirect(s).put("/v2/service_instances/" + id, provisionBody("cache", "basic", "org-1"))
                .status()).isEqualTo(201);
        s.broker.clearRequests();

        assertThat(sweep()).isEqualTo(1);

        RecordedRequest delete = s.osbCalls().get(1);
        assertThat(delete.method()).isEqualTo("DELETE");
        assertThat(delete.query()).contains("accepts_incomplete=true", "service_id=cache-id", "plan_id=basic-id");
        assertThat(s.osb.instanceIds()).doesNotContain(id);
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a provision the platform retries while the sweep is resolving its placeholder is refused with 422 "
            + "ConcurrencyError, so the sweep's orphan mitigation cannot delete what the retry created")
    void retryDuringSweep() throws Exception {
        Stage s = newStage(defaultCatalog());
        HeldLastOperation held = holdLastOperation(s);
        String id = instancePlaceholder(s, "basic");

        assertRetryRefusedDuringSweep(s, id, held, osbA);
    }

    @Test
    @DisplayName("on a clustered store, a provision retried on another node while this node's sweep resolves its "
            + "placeholder is refused with 422 ConcurrencyError, so the sweep's orphan mitigation cannot delete what "
            + "the retry created")
    void retryOnAnotherNodeDuringSweep() throws Exception {
        store.clustered.set(true);
        Stage s = newStage(defaultCatalog());
        HeldLastOperation held = holdLastOperation(s);
        String id = instancePlaceholder(s, "basic");
        clock.advance(READ_TIMEOUT.plus(Duration.ofMinutes(2)));
        // The second node: its own Service Manager on the same store; the store is the host's to close.
        try (SmServer otherNode = SmServer.start(b -> b.store(new ForwardingStore(store) {
            @Override
            public void close() {
            }
        }).clock(clock).brokerReadTimeout(READ_TIMEOUT).encryptionKey(KEY)
                .placeholderSweepInterval(Duration.ofHours(1)))) {
            ApiClient osbOnOtherNode = new ApiClient(otherNode.baseUrl())
                    .withCredentials(platformA.at("/credentials/basic/username").asText(),
                            platformA.at("/credentials/basic/password").asText())
                    .withHeader("X-Broker-API-Version", VERSION);
            assertRetryRefusedDuringSweep(s, id, held, osbOnOtherNode);
        }
    }

    /** The broker's {@code last_operation}, answering only once released, and noting when it was asked. */
    private record HeldLastOperation(CountDownLatch asked, CountDownLatch answer) {
    }

    private static HeldLastOperation holdLastOperation(Stage s) {
        HeldLastOperation held = new HeldLastOperation(new CountDownLatch(1), new CountDownLatch(1));
        s.broker.route("GET", FakeOsbService.INSTANCE_PATH + "/last_operation", r -> {
            held.asked().countDown();
            try {
                held.answer().await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.error(404, "NotFound", "no operation known");
        });
        return held;
    }

    /**
     * Retries the provision of {@code id} through {@code osb} while a sweep waits for the broker: the retry
     * is refused with 422 ConcurrencyError, and the record ends ready exactly when the broker holds it.
     */
    private void assertRetryRefusedDuringSweep(Stage s, String id, HeldLastOperation held, ApiClient osb) throws Exception {
        CompletableFuture<Integer> sweeping = CompletableFuture.supplyAsync(this::sweep);
        assertThat(held.asked().await(5, TimeUnit.SECONDS)).isTrue();

        ApiResponse retry = osb.put(s.instance(id), provisionBody("cache", "basic", "org-1"));
        held.answer().countDown();
        sweeping.get(10, TimeUnit.SECONDS);

        assertThat(retry.status()).as(retry.body()).isEqualTo(422);
        assertThat(retry.json().get("error").asText()).isEqualTo("ConcurrencyError");
        boolean recordedReady = instanceRecord(id).status() == 200 && instance(id).get("ready").asBoolean();
        assertThat(recordedReady).as("record ready while the broker holds " + s.osb.instanceIds())
                .isEqualTo(s.osb.instanceIds().contains(id));
    }

    @Test
    @DisplayName("when last_operation tells nothing and the instance is retrievable, a fetch answered 200 makes it "
            + "ready; nothing is deleted")
    void fetchedInstance() {
        Stage s = newStage(defaultCatalog());
        s.broker.route("GET", FakeOsbService.INSTANCE_PATH + "/last_operation",
                r -> Reply.error(404, "NotFound", "no operation known"));
        String id = instancePlaceholder(s, "small");
        brokerDirect(s).put("/v2/service_instances/" + id, provisionBody("small"));
        s.broker.clearRequests();

        assertThat(sweep()).isEqualTo(1);

        assertThat(instance(id).get("ready").asBoolean()).isTrue();
        assertThat(s.osbCalls()).extracting(RecordedRequest::method).containsExactly("GET", "GET");
    }

    @Test
    @DisplayName("a broker that fails (500) leaves the placeholder to the next sweep, which resolves it")
    void brokerFails() {
        String id = instancePlaceholder(stage, "small");
        stage.osb.failAllCalls(Failure.SERVER_ERROR);

        assertThat(sweep()).isZero();
        assertThat(instance(id).get("ready").asBoolean()).isFalse();

        stage.osb.reset();
        assertThat(sweep()).isEqualTo(1);
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a provision this process is still forwarding is left alone, and recorded when the broker answers")
    void createInFlight() throws Exception {
        String id = unique("i");
        stage.osb.slowness(Duration.ofMillis(800)).failNextCall(Failure.TIMEOUT);
        CompletableFuture<ApiResponse> provision = CompletableFuture.supplyAsync(
                () -> osbA.put(stage.instance(id), provisionBody("small")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (instanceRecord(id).status() != 200 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }

        assertThat(sweep()).isZero();

        assertThat(provision.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(stage.osbCalls()).extracting(RecordedRequest::method).containsExactly("PUT");
        assertThat(instance(id).get("ready").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("on a clustered store, a placeholder is resolved only once it is older than the broker read "
            + "timeout plus a minute (another node may still be forwarding it)")
    void clusteredWaitsForAge() {
        store.clustered.set(true);
        String id = instancePlaceholder(stage, "small");

        clock.advance(READ_TIMEOUT.plusSeconds(59));
        assertThat(sweep()).isZero();
        assertThat(stage.osbCalls()).isEmpty();

        clock.advance(Duration.ofSeconds(2));
        assertThat(sweep()).isEqualTo(1);
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("records that are not placeholders are left alone: ready ones, and async creates with an operation")
    void notPlaceholders() {
        provisioned(osbA, "small");
        stage.osb.asynchronous(5);
        assertThat(osbA.put(stage.instance(unique("i")) + "?accepts_incomplete=true", provisionBody("small"))
                .status()).isEqualTo(202);
        stage.broker.clearRequests();

        assertThat(sweep()).isZero();
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("the sweep runs on the Service Manager's own schedule, and no more after close()")
    void schedule() throws Exception {
        ServiceManager scheduled = ServiceManager.builder().store(store).encryptionKey(KEY).disableAuthentication()
                .placeholderSweepInterval(Duration.ofMillis(20)).build();
        String first = instancePlaceholder(stage, "small");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (instanceRecord(first).status() == 200 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(instanceRecord(first).status()).isEqualTo(404);
        } finally {
            scheduled.close();
        }
        String second = instancePlaceholder(stage, "small");
        Thread.sleep(200);
        assertThat(instanceRecord(second).status()).isEqualTo(200);
        repo(EntityTypes.SERVICE_INSTANCES).delete(second);
    }

    @Test
    @DisplayName("the sweep interval must be positive; the builder names the bad value")
    void intervalChecked() {
        assertThatThrownBy(() -> ServiceManager.builder().placeholderSweepInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("placeholderSweepInterval must be positive, "
                        + "was PT0S");
    }

    // ---- the records' operations ---------------------------------------------------------------

    /** The stored operations of a resource, oldest first. */
    private java.util.List<Operation> operations(String resourceId) {
        return repo(EntityTypes.OPERATIONS).list(Query.fieldEquals("resource_id", resourceId),
                PageRequest.unbounded()).items();
    }

    @Test
    @DisplayName("a placeholder a provision answered 500 left: its failed operation succeeds when the sweep finds "
            + "the broker holds the instance")
    void sweepEndsTheCallsOperation() {
        String id = unique("i");
        stage.osb.failNextCall(Failure.SERVER_ERROR);
        assertThat(osbA.put(stage.instance(id), provisionBody("small")).status()).isEqualTo(500);
        Operation failed = operations(id).get(0);
        assertThat(failed.state()).isEqualTo(OperationState.FAILED);
        assertThat(brokerDirect(stage).put("/v2/service_instances/" + id, provisionBody("small")).status())
                .isEqualTo(201);

        assertThat(sweep()).isEqualTo(1);

        assertThat(operations(id)).singleElement().satisfies(op -> {
            assertThat(op.id()).isEqualTo(failed.id());
            assertThat(op.state()).isEqualTo(OperationState.SUCCEEDED);
            assertThat(op.errors()).isEmpty();
            assertThat(op.description()).contains("the broker holds the instance");
            assertThat(op.platformId()).isEqualTo(platformId(platformA));
        });
        ServiceInstance resolved = repo(EntityTypes.SERVICE_INSTANCES).get(id).orElseThrow();
        assertThat(resolved.ready()).isTrue();
        assertThat(resolved.lastOperation().operationId()).isEqualTo(failed.id());
    }

    @Test
    @DisplayName("a provision the broker does not answer in time is a failed operation (BrokerTimeout); the sweep "
            + "later removes the placeholder the broker does not hold")
    void timedOutProvisionOperation() {
        String id = unique("i");
        stage.osb.slowness(READ_TIMEOUT.plusSeconds(1)).failNextCall(Failure.TIMEOUT);
        assertThat(osbA.put(stage.instance(id), provisionBody("small")).status()).isEqualTo(504);

        assertThat(operations(id)).singleElement().satisfies(op -> {
            assertThat(op.state()).isEqualTo(OperationState.FAILED);
            assertThat(op.errors()).extracting(e -> e.error()).containsExactly("BrokerTimeout");
        });
        assertThat(sweep()).isEqualTo(1);
        assertThat(instanceRecord(id).status()).isEqualTo(404);
        assertThat(operations(id)).singleElement().satisfies(op -> assertThat(op.description()).contains("410"));
    }

    @Test
    @DisplayName("a placeholder from before operations were stored gets one when the sweep resolves it")
    void sweepMakesAnOperationForOldRecords() {
        String id = instancePlaceholder(stage, "small");
        assertThat(brokerDirect(stage).put("/v2/service_instances/" + id, provisionBody("small")).status())
                .isEqualTo(201);

        assertThat(sweep()).isEqualTo(1);

        assertThat(operations(id)).singleElement().satisfies(op -> {
            assertThat(op.type()).isEqualTo(OperationType.CREATE);
            assertThat(op.state()).isEqualTo(OperationState.SUCCEEDED);
            assertThat(op.resourceType()).isEqualTo(Operation.SERVICE_INSTANCES);
            assertThat(op.platformId()).isEqualTo(platformId(platformA));
            assertThat(op.step()).isEqualTo(Operation.Step.DONE);
            assertThat(op.leaseUntil()).isEqualTo(Instant.EPOCH);
            assertThat(repo(EntityTypes.SERVICE_INSTANCES).get(id).orElseThrow().lastOperation().operationId())
                    .isEqualTo(op.id());
        });
    }

    @Test
    @DisplayName("a placeholder the broker does not hold (410): the record goes, its operation stays failed")
    void sweepFailsTheOperationOfAGonePlaceholder() {
        String id = unique("b");
        String instanceId = provisioned(osbA, "small");
        stage.osb.failNextCall(Failure.SERVER_ERROR);
        assertThat(osbA.put(stage.binding(instanceId, id), bindBody("db", "small")).status()).isEqualTo(500);

        assertThat(sweep()).isEqualTo(1);

        assertThat(bindingRecord(id).status()).isEqualTo(404);
        assertThat(operations(id)).singleElement().satisfies(op -> {
            assertThat(op.state()).isEqualTo(OperationState.FAILED);
            assertThat(op.resourceType()).isEqualTo(Operation.SERVICE_BINDINGS);
            assertThat(op.errors()).singleElement().satisfies(e -> assertThat(e.description()).contains("410"));
        });
    }

    @Test
    @DisplayName("orphan mitigation by the sweep: the create's operation fails with deletion scheduled; an async "
            + "delete is an operation of its own that succeeds when the broker confirms it")
    void sweepMitigationOperations() {
        Stage s = newStage(defaultCatalog());
        s.broker.route("GET", FakeOsbService.INSTANCE_PATH + "/last_operation",
                r -> Reply.error(404, "NotFound", "no operation known"));
        String id = unique("i");
        s.osb.failNextCall(Failure.SERVER_ERROR);
        assertThat(osbA.put(s.instance(id), provisionBody("cache", "basic", "org-1")).status()).isEqualTo(500);
        String create = operations(id).get(0).id();
        assertThat(brokerDirect(s).put("/v2/service_instances/" + id, provisionBody("cache", "basic", "org-1"))
                .status()).isEqualTo(201);
        s.osb.asynchronous(0);

        assertThat(sweep()).isEqualTo(1);

        // Same clock instant: listed by id, so told apart by id here.
        java.util.List<Operation> ops = operations(id);
        assertThat(ops).hasSize(2);
        Operation failed = repo(EntityTypes.OPERATIONS).get(create).orElseThrow();
        assertThat(failed.state()).isEqualTo(OperationState.FAILED);
        assertThat(failed.deletionScheduled()).isNotNull();
        Operation delete = ops.stream().filter(op -> !op.id().equals(create)).findFirst().orElseThrow();
        assertThat(delete.type()).isEqualTo(OperationType.DELETE);
        assertThat(delete.state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(delete.brokerOperation()).isNotNull();
        assertThat(repo(EntityTypes.SERVICE_INSTANCES).get(id).orElseThrow().lastOperation().operationId())
                .isEqualTo(delete.id());

        s.broker.route("GET", FakeOsbService.INSTANCE_PATH + "/last_operation",
                r -> Reply.json(200, "{\"state\": \"succeeded\"}"));
        assertThat(sweep()).isEqualTo(1);

        assertThat(instanceRecord(id).status()).isEqualTo(404);
        assertThat(repo(EntityTypes.OPERATIONS).get(delete.id()).orElseThrow().state())
                .isEqualTo(OperationState.SUCCEEDED);
    }

    /** A store that says it is clustered when told to, as a PostgreSQL store shared by several nodes does. */
    static final class SwitchableStore extends ForwardingStore {
        final AtomicBoolean clustered = new AtomicBoolean();

        SwitchableStore(Store delegate) {
            super(delegate);
        }

        @Override
        public boolean isClustered() {
            return clustered.get();
        }
    }
}
