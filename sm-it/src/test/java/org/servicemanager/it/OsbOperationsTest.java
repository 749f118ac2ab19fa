package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.FakeOsbService.Failure;
import org.servicemanager.test.broker.FakeOsbService.Outcome;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * The stored operations of the OSB face: every provision, update, deprovision, bind and unbind a
 * platform sends is one, read here through the store (the platform drives them by polling
 * {@code last_operation}; the scheduler never works them).
 */
@DisplayName("/v1/osb calls are stored operations")
class OsbOperationsTest extends OsbTestBase {
    private static final String ASYNC = "?accepts_incomplete=true";

    /** Platform A, sending its own correlation id. */
    private ApiClient osb(String correlationId) {
        return osbA.withHeader("X-Correlation-ID", correlationId);
    }

    /** The operations of a resource, oldest first. */
    private List<Operation> operations(String resourceId) {
        return server.sm().store().repository(EntityTypes.OPERATIONS)
                .list(Query.fieldEquals("resource_id", resourceId), PageRequest.unbounded()).items();
    }

    private Operation only(String resourceId) {
        List<Operation> ops = operations(resourceId);
        assertThat(ops).hasSize(1);
        return ops.get(0);
    }

    private Operation last(String resourceId) {
        List<Operation> ops = operations(resourceId);
        assertThat(ops).isNotEmpty();
        return ops.get(ops.size() - 1);
    }

    private ServiceInstance instance(String id) {
        return server.sm().store().repository(EntityTypes.SERVICE_INSTANCES).get(id).orElseThrow();
    }

    private ServiceBinding binding(String id) {
        return server.sm().store().repository(EntityTypes.SERVICE_BINDINGS).get(id).orElseThrow();
    }

    private String poll(String path) {
        ApiResponse response = osbA.get(path + "/last_operation");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.text("state");
    }

    /** An operation of platform A's, as the OSB face stores them: nothing for the scheduler, no lease. */
    private void assertOsbOperation(Operation op, OperationType type, OperationState state, String resourceType,
            String correlationId) {
        assertThat(op.type()).isEqualTo(type);
        assertThat(op.state()).isEqualTo(state);
        assertThat(op.resourceType()).isEqualTo(resourceType);
        assertThat(op.platformId()).isEqualTo(platformId(platformA));
        assertThat(op.correlationId()).isEqualTo(correlationId);
        assertThat(op.step()).isEqualTo(Operation.Step.DONE);
        assertThat(op.nextAttemptAt()).isNull();
        assertThat(op.leaseUntil()).isEqualTo(Instant.EPOCH);
    }

    private String provisionedAsync(String correlationId) {
        String id = unique("i");
        ApiResponse response = osb(correlationId).put(stage.instance(id) + ASYNC, provisionBody("small"));
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        return id;
    }

    // ---- provision -----------------------------------------------------------------------------

    @Test
    @DisplayName("a synchronous provision is a create operation that succeeded, of the calling platform, with the "
            + "call's correlation id, and the record points at it")
    void syncProvision() {
        String id = unique("i");

        assertThat(osb("corr-p1").put(stage.instance(id), provisionBody("small")).status()).isEqualTo(201);

        Operation op = only(id);
        assertOsbOperation(op, OperationType.CREATE, OperationState.SUCCEEDED, Operation.SERVICE_INSTANCES,
                "corr-p1");
        assertThat(op.errors()).isEmpty();
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(op.id());
    }

    @Test
    @DisplayName("an async provision is in progress with the broker's operation until last_operation says "
            + "succeeded")
    void asyncProvisionSucceeds() {
        stage.osb.asynchronous(1);
        String id = provisionedAsync("corr-p2");

        Operation started = only(id);
        assertOsbOperation(started, OperationType.CREATE, OperationState.IN_PROGRESS, Operation.SERVICE_INSTANCES,
                "corr-p2");
        assertThat(started.brokerOperation()).isEqualTo(instance(id).lastOperation().brokerOperation()).isNotNull();
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(started.id());
        assertThat(poll(stage.instance(id))).isEqualTo("in progress");
        assertThat(only(id).state()).isEqualTo(OperationState.IN_PROGRESS);

        assertThat(poll(stage.instance(id))).isEqualTo("succeeded");

        Operation done = only(id);
        assertThat(done.state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(done.description()).isEqualTo(started.brokerOperation() + " succeeded");
        assertThat(done.brokerOperation()).isEqualTo(started.brokerOperation());
    }

    @Test
    @DisplayName("an async provision that last_operation says failed is a failed operation with the broker's "
            + "description")
    void asyncProvisionFails() {
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, false);
        String id = provisionedAsync("corr-p3");

        assertThat(poll(stage.instance(id))).isEqualTo("failed");

        Operation op = only(id);
        assertThat(op.state()).isEqualTo(OperationState.FAILED);
        assertThat(op.errors()).containsExactly(new OperationError("BrokerError", op.brokerOperation() + " failed"));
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(op.id());
    }

    @Test
    @DisplayName("a provision the broker refuses (422) is a failed operation with the broker's error; the record "
            + "goes, the operation stays")
    void refusedProvision() {
        String id = unique("i");
        stage.osb.failNextCall(Failure.CONCURRENCY_ERROR);

        assertThat(osb("corr-p4").put(stage.instance(id), provisionBody("small")).status()).isEqualTo(422);

        Operation op = only(id);
        assertOsbOperation(op, OperationType.CREATE, OperationState.FAILED, Operation.SERVICE_INSTANCES, "corr-p4");
        assertThat(op.errors()).containsExactly(
                new OperationError("ConcurrencyError", "another operation for this resource is in progress"));
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a provision the broker fails (500) is a failed operation with the broker's error; the "
            + "placeholder stays, pointing at it")
    void provisionServerError() {
        String id = unique("i");
        stage.osb.failNextCall(Failure.SERVER_ERROR);

        assertThat(osb("corr-p5").put(stage.instance(id), provisionBody("small")).status()).isEqualTo(500);

        Operation op = only(id);
        assertOsbOperation(op, OperationType.CREATE, OperationState.FAILED, Operation.SERVICE_INSTANCES, "corr-p5");
        assertThat(op.errors()).containsExactly(
                new OperationError("InternalServerError", "the fake broker failed on purpose"));
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(op.id());
        assertThat(instance(id).ready()).isFalse();
    }

    @Test
    @DisplayName("a provision answered with garbage is a failed operation (BrokerError naming the broker)")
    void provisionGarbage() {
        String id = unique("i");
        stage.osb.failNextCall(Failure.INVALID_JSON);

        assertThat(osbA.put(stage.instance(id), provisionBody("small")).status()).isEqualTo(502);

        Operation op = only(id);
        assertThat(op.state()).isEqualTo(OperationState.FAILED);
        assertThat(op.errors()).singleElement().satisfies(e -> {
            assertThat(e.error()).isEqualTo("BrokerError");
            assertThat(e.description()).contains(stage.brokerName);
        });
    }

    @Test
    @DisplayName("a repeated provision of the same id is an operation of its own; the record points at the latest")
    void repeatedProvision() {
        String id = unique("i");
        assertThat(osb("corr-first").put(stage.instance(id), provisionBody("small")).status()).isEqualTo(201);

        assertThat(osb("corr-again").put(stage.instance(id), provisionBody("small")).status()).isEqualTo(200);

        List<Operation> ops = operations(id);
        assertThat(ops).extracting(Operation::correlationId).containsExactly("corr-first", "corr-again");
        assertThat(ops).extracting(Operation::state)
                .containsExactly(OperationState.SUCCEEDED, OperationState.SUCCEEDED);
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(ops.get(1).id());
    }

    @Test
    @DisplayName("a repeated provision the broker refuses (409) is a failed operation; the record keeps its own")
    void repeatedProvisionRefused() {
        String id = unique("i");
        assertThat(osbA.put(stage.instance(id), provisionBody("small")).status()).isEqualTo(201);
        String first = instance(id).lastOperation().operationId();

        assertThat(osb("corr-409").put(stage.instance(id), provisionBody("large")).status()).isEqualTo(409);

        Operation refused = last(id);
        assertThat(refused.correlationId()).isEqualTo("corr-409");
        assertThat(refused.state()).isEqualTo(OperationState.FAILED);
        assertThat(refused.errors()).extracting(OperationError::error).containsExactly("Conflict");
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(first);
        assertThat(instance(id).ready()).isTrue();
    }

    @Test
    @DisplayName("a record from before operations were stored (no operation id) still follows last_operation")
    void recordWithoutOperationId() {
        stage.osb.asynchronous(0);
        String id = provisionedAsync("corr-old");
        ServiceInstance old = instance(id);
        server.sm().store().repository(EntityTypes.SERVICE_INSTANCES).update(old.withOperation(
                old.lastOperation().withOperationId(null), old.updatedAt()));

        assertThat(poll(stage.instance(id))).isEqualTo("succeeded");

        assertThat(instance(id).ready()).isTrue();
        assertThat(instance(id).lastOperation().state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(id).lastOperation().operationId()).isNull();
    }

    // ---- update --------------------------------------------------------------------------------

    @Test
    @DisplayName("a synchronous update is an update operation that succeeded, and the record points at it")
    void syncUpdate() {
        String id = provisioned(osbA, "small");

        assertThat(osb("corr-u1").patch(stage.instance(id), json("service_id", "db-id", "plan_id", "large-id"))
                .status()).isEqualTo(200);

        Operation op = last(id);
        assertOsbOperation(op, OperationType.UPDATE, OperationState.SUCCEEDED, Operation.SERVICE_INSTANCES,
                "corr-u1");
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(op.id());
    }

    @Test
    @DisplayName("an async update is in progress with the broker's operation until last_operation says succeeded")
    void asyncUpdate() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(0);

        assertThat(osb("corr-u2").patch(stage.instance(id) + ASYNC, json("service_id", "db-id", "plan_id", "large-id"))
                .status()).isEqualTo(202);
        Operation started = last(id);
        assertOsbOperation(started, OperationType.UPDATE, OperationState.IN_PROGRESS, Operation.SERVICE_INSTANCES,
                "corr-u2");
        assertThat(started.brokerOperation()).isNotNull();

        assertThat(poll(stage.instance(id))).isEqualTo("succeeded");

        assertThat(last(id).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(started.id());
    }

    @Test
    @DisplayName("an async update that last_operation says failed is a failed operation; the old plan stays")
    void asyncUpdateFails() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, true);
        osbA.patch(stage.instance(id) + ASYNC, json("service_id", "db-id", "plan_id", "large-id"));

        assertThat(poll(stage.instance(id))).isEqualTo("failed");

        Operation op = last(id);
        assertThat(op.type()).isEqualTo(OperationType.UPDATE);
        assertThat(op.state()).isEqualTo(OperationState.FAILED);
        assertThat(op.errors()).extracting(OperationError::error).containsExactly("BrokerError");
        assertThat(instance(id).servicePlanId()).isEqualTo(stage.plan("small"));
    }

    @Test
    @DisplayName("an update the broker refuses is a failed operation; the record keeps its values and its "
            + "last operation")
    void refusedUpdate() {
        String id = provisioned(osbA, "small");
        String create = instance(id).lastOperation().operationId();
        stage.osb.failNextCall(Failure.CONCURRENCY_ERROR);

        assertThat(osb("corr-u3").patch(stage.instance(id), json("service_id", "db-id", "plan_id", "large-id"))
                .status()).isEqualTo(422);

        Operation op = last(id);
        assertOsbOperation(op, OperationType.UPDATE, OperationState.FAILED, Operation.SERVICE_INSTANCES, "corr-u3");
        assertThat(op.errors()).extracting(OperationError::error).containsExactly("ConcurrencyError");
        assertThat(instance(id).servicePlanId()).isEqualTo(stage.plan("small"));
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(create);
    }

    // ---- deprovision ---------------------------------------------------------------------------

    @Test
    @DisplayName("a deprovision answered 200 is a delete operation that succeeded; the record goes, the "
            + "operations stay")
    void syncDeprovision() {
        String id = provisioned(osbA, "small");

        assertThat(osb("corr-d1").delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(200);

        assertThat(operations(id)).hasSize(2);
        assertOsbOperation(last(id), OperationType.DELETE, OperationState.SUCCEEDED, Operation.SERVICE_INSTANCES,
                "corr-d1");
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a deprovision answered 410 Gone is a delete operation that succeeded")
    void deprovisionGone() {
        String id = provisioned(osbA, "small");
        stage.osb.failNextCall(Failure.GONE);

        assertThat(osbA.delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(410);

        assertThat(last(id).type()).isEqualTo(OperationType.DELETE);
        assertThat(last(id).state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("an async deprovision is in progress until last_operation says succeeded, then succeeded with "
            + "the record gone")
    void asyncDeprovision() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(0);

        assertThat(osb("corr-d2").delete(stage.instance(id) + idsQuery("db", "small") + "&accepts_incomplete=true")
                .status()).isEqualTo(202);
        Operation started = last(id);
        assertOsbOperation(started, OperationType.DELETE, OperationState.IN_PROGRESS, Operation.SERVICE_INSTANCES,
                "corr-d2");
        assertThat(started.brokerOperation()).isNotNull();
        assertThat(instance(id).lastOperation().operationId()).isEqualTo(started.id());

        assertThat(poll(stage.instance(id))).isEqualTo("succeeded");

        assertThat(last(id).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(instanceRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a deprovision the broker fails (500) is a failed operation; the record stays")
    void deprovisionFails() {
        String id = provisioned(osbA, "small");
        stage.osb.failNextCall(Failure.SERVER_ERROR);

        assertThat(osb("corr-d3").delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(500);

        assertOsbOperation(last(id), OperationType.DELETE, OperationState.FAILED, Operation.SERVICE_INSTANCES,
                "corr-d3");
        assertThat(last(id).errors()).extracting(OperationError::error).containsExactly("InternalServerError");
        assertThat(instance(id).ready()).isTrue();
    }

    @Test
    @DisplayName("a deprovision of an id without a record (the platform's orphan mitigation) is an operation too")
    void deprovisionWithoutRecord() {
        String id = unique("i");

        assertThat(osb("corr-d4").delete(stage.instance(id) + idsQuery("db", "small")).status()).isEqualTo(410);

        assertOsbOperation(only(id), OperationType.DELETE, OperationState.SUCCEEDED, Operation.SERVICE_INSTANCES,
                "corr-d4");
    }

    @Test
    @DisplayName("an async deprovision of an id without a record ends when the platform's last_operation poll "
            + "says succeeded")
    void asyncDeprovisionWithoutRecord() {
        Stage s = newStage(defaultCatalog());
        s.broker.route("DELETE", FakeOsbService.INSTANCE_PATH, r -> Reply.json(202, "{\"operation\": \"del-1\"}"));
        s.broker.route("GET", FakeOsbService.INSTANCE_PATH + "/last_operation",
                r -> Reply.json(200, "{\"state\": \"in progress\"}"));
        String id = unique("i");

        assertThat(osb("corr-d5").delete(s.instance(id) + idsQuery("db", "small") + "&accepts_incomplete=true")
                .status()).isEqualTo(202);
        assertThat(only(id).state()).isEqualTo(OperationState.IN_PROGRESS);
        assertThat(only(id).brokerOperation()).isEqualTo("del-1");
        assertThat(poll(s.instance(id))).isEqualTo("in progress");
        assertThat(only(id).state()).isEqualTo(OperationState.IN_PROGRESS);
        s.broker.route("GET", FakeOsbService.INSTANCE_PATH + "/last_operation",
                r -> Reply.json(200, "{\"state\": \"succeeded\"}"));

        assertThat(osbA.get(s.instance(id) + "/last_operation?operation=del-1").text("state")).isEqualTo("succeeded");

        assertOsbOperation(only(id), OperationType.DELETE, OperationState.SUCCEEDED, Operation.SERVICE_INSTANCES,
                "corr-d5");
    }

    // ---- bind and unbind -----------------------------------------------------------------------

    @Test
    @DisplayName("a synchronous bind is a create operation on the binding that succeeded, and the record points "
            + "at it")
    void syncBind() {
        String instanceId = provisioned(osbA, "small");
        String id = unique("b");

        assertThat(osb("corr-b1").put(stage.binding(instanceId, id), bindBody("db", "small")).status())
                .isEqualTo(201);

        Operation op = only(id);
        assertOsbOperation(op, OperationType.CREATE, OperationState.SUCCEEDED, Operation.SERVICE_BINDINGS, "corr-b1");
        assertThat(binding(id).lastOperation().operationId()).isEqualTo(op.id());
    }

    @Test
    @DisplayName("an async bind is in progress with the broker's operation until last_operation says succeeded")
    void asyncBind() {
        String instanceId = provisioned(osbA, "small");
        String id = unique("b");
        stage.osb.asynchronous(0);

        assertThat(osb("corr-b2").put(stage.binding(instanceId, id) + ASYNC, bindBody("db", "small")).status())
                .isEqualTo(202);
        Operation started = only(id);
        assertOsbOperation(started, OperationType.CREATE, OperationState.IN_PROGRESS, Operation.SERVICE_BINDINGS,
                "corr-b2");
        assertThat(started.brokerOperation()).isNotNull();

        assertThat(poll(stage.binding(instanceId, id))).isEqualTo("succeeded");

        assertThat(only(id).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(binding(id).ready()).isTrue();
    }

    @Test
    @DisplayName("an async bind that last_operation says failed is a failed operation")
    void asyncBindFails() {
        String instanceId = provisioned(osbA, "small");
        String id = unique("b");
        stage.osb.asynchronous(0).finishWith(Outcome.FAILED, true);
        osbA.put(stage.binding(instanceId, id) + ASYNC, bindBody("db", "small"));

        assertThat(poll(stage.binding(instanceId, id))).isEqualTo("failed");

        assertThat(only(id).state()).isEqualTo(OperationState.FAILED);
        assertThat(only(id).errors()).extracting(OperationError::error).containsExactly("BrokerError");
    }

    @Test
    @DisplayName("a bind the broker refuses is a failed operation with the broker's error; the record goes")
    void refusedBind() {
        String instanceId = provisioned(osbA, "small");
        String id = unique("b");
        stage.osb.failNextCall(Failure.CONCURRENCY_ERROR);

        assertThat(osb("corr-b3").put(stage.binding(instanceId, id), bindBody("db", "small")).status())
                .isEqualTo(422);

        assertOsbOperation(only(id), OperationType.CREATE, OperationState.FAILED, Operation.SERVICE_BINDINGS,
                "corr-b3");
        assertThat(only(id).errors()).extracting(OperationError::error).containsExactly("ConcurrencyError");
        assertThat(bindingRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a bind the broker fails (500) is a failed operation; the placeholder stays")
    void bindServerError() {
        String instanceId = provisioned(osbA, "small");
        String id = unique("b");
        stage.osb.failNextCall(Failure.SERVER_ERROR);

        assertThat(osbA.put(stage.binding(instanceId, id), bindBody("db", "small")).status()).isEqualTo(500);

        assertThat(only(id).state()).isEqualTo(OperationState.FAILED);
        assertThat(binding(id).lastOperation().operationId()).isEqualTo(only(id).id());
    }

    @Test
    @DisplayName("an unbind answered 200 is a delete operation that succeeded; the record goes")
    void syncUnbind() {
        String instanceId = provisioned(osbA, "small");
        String id = bound(osbA, instanceId, "small");

        assertThat(osb("corr-ub1").delete(stage.binding(instanceId, id) + idsQuery("db", "small")).status())
                .isEqualTo(200);

        assertOsbOperation(last(id), OperationType.DELETE, OperationState.SUCCEEDED, Operation.SERVICE_BINDINGS,
                "corr-ub1");
        assertThat(bindingRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("an async unbind is in progress until last_operation says succeeded")
    void asyncUnbind() {
        String instanceId = provisioned(osbA, "small");
        String id = bound(osbA, instanceId, "small");
        stage.osb.asynchronous(0);

        assertThat(osb("corr-ub2").delete(stage.binding(instanceId, id) + idsQuery("db", "small")
                + "&accepts_incomplete=true").status()).isEqualTo(202);
        Operation started = last(id);
        assertOsbOperation(started, OperationType.DELETE, OperationState.IN_PROGRESS, Operation.SERVICE_BINDINGS,
                "corr-ub2");
        assertThat(started.brokerOperation()).isNotNull();

        assertThat(poll(stage.binding(instanceId, id))).isEqualTo("succeeded");

        assertThat(last(id).state()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(bindingRecord(id).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("an unbind the broker fails (500) is a failed operation; the record stays")
    void unbindFails() {
        String instanceId = provisioned(osbA, "small");
        String id = bound(osbA, instanceId, "small");
        stage.osb.failNextCall(Failure.SERVER_ERROR);

        assertThat(osbA.delete(stage.binding(instanceId, id) + idsQuery("db", "small")).status()).isEqualTo(500);

        assertThat(last(id).type()).isEqualTo(OperationType.DELETE);
        assertThat(last(id).state()).isEqualTo(OperationState.FAILED);
        assertThat(binding(id).ready()).isTrue();
    }
}
