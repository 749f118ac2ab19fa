package org.servicemanager.core.internal.osb;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.servicemanager.api.BrokerTimeoutException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.osb.OsbForwarder.Answer;

/**
 * The stored {@link Operation}s of the OSB face: one per provision, update, deprovision, bind and
 * unbind a platform sends. The platform drives them by polling {@code last_operation}, so our
 * scheduler never works them: they are made at step {@link Operation.Step#DONE}, with nothing due
 * and no lease. Each is written in the transaction of the record change it goes with. Stateless
 * and thread-safe.
 */
final class OsbOperations {
    private OsbOperations() {
    }

    /** A new operation in progress (not stored yet: version 0). */
    static Operation start(String id, OperationType type, String resourceId, String resourceType, String platformId,
            String correlationId, Instant now) {
        return new Operation(id, type, OperationState.IN_PROGRESS, resourceId, resourceType, platformId,
                correlationId, null, List.of(), null, null, null, Operation.Step.DONE, null, null, Instant.EPOCH,
                null, null, 0, null, Labels.empty(), now, now, true, 0);
    }

    static Operation succeeded(Operation op, String description, Instant now) {
        return op.withState(OperationState.SUCCEEDED, description, List.of(), now);
    }

    static Operation failed(Operation op, String error, String description, Instant now) {
        return op.withState(OperationState.FAILED, description, List.of(new OperationError(error, description)), now);
    }

    /** The operation in progress at the broker, polled by the platform with the broker's {@code operation}. */
    static Operation polling(Operation op, String brokerOperation, Instant now) {
        return op.withPolling(brokerOperation, null).withState(OperationState.IN_PROGRESS, null, List.of(), now);
    }

    /**
     * The operation after the broker's answer to the platform's call: {@code done} statuses succeed,
     * 202 goes on at the broker, anything else fails with the broker's error.
     */
    static Operation answered(Operation op, Answer answer, boolean done, String brokerName, Instant now) {
        if (done) {
            return succeeded(op, null, now);
        }
        if (answer.status() == 202) {
            return polling(op, answer.text("operation"), now);
        }
        return brokerError(op, answer, brokerName, now);
    }

    /** Failed with the broker's OSB error (its code or {@code BrokerError}, its description or the status). */
    static Operation brokerError(Operation op, Answer answer, String brokerName, Instant now) {
        String code = answer.text("error");
        String description = answer.text("description");
        return failed(op, code == null || code.isBlank() ? "BrokerError" : code,
                description == null || description.isBlank()
                        ? "service broker '" + brokerName + "' answered HTTP " + answer.status() : description, now);
    }

    /** Failed because the broker call itself failed (unreachable, timeout, an answer that is not JSON...). */
    static Operation callFailed(Operation op, Throwable failure, Instant now) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        // Messages may quote what the broker sent: stored, so made storable.
        String description = org.servicemanager.core.internal.json.Text.sanitized(cause.getMessage() == null
                ? cause.getClass().getSimpleName() : cause.getMessage(),
                org.servicemanager.core.internal.json.Text.MAX_DESCRIPTION_LENGTH);
        return failed(op, cause instanceof BrokerTimeoutException ? "BrokerTimeout" : "BrokerError", description, now);
    }

    /** The operation with the outcome of a {@code last_operation} answer that ended it. */
    static Operation ended(Operation op, OperationState state, String description, Instant now) {
        if (state == OperationState.SUCCEEDED) {
            return succeeded(op, description, now);
        }
        return failed(op, "BrokerError", description == null || description.isBlank()
                ? "the broker's last_operation says failed" : description, now);
    }

    static Repository<Operation> repository(Store store) {
        return store.repository(EntityTypes.OPERATIONS);
    }

    /**
     * Stores {@code op} in {@code store} (a transaction's): inserted when new (version 0), else
     * written over the stored one. The usual case needs no read: the op is the one this call stored.
     * If something else changed it meanwhile (a sweep), the outcome is written over the current
     * version, since the outcome does not depend on what it says.
     *
     * @return the stored operation
     */
    static Operation put(Store store, Operation op) {
        Repository<Operation> repo = repository(store);
        if (op.version() == 0) {
            return repo.create(op);
        }
        try {
            return repo.update(op);
        } catch (ConcurrentModificationException | NotFoundException e) {
            return repo.get(op.id()).map(current -> repo.update(op.withVersion(current.version())))
                    .orElseGet(() -> repo.create(op.withVersion(0)));
        }
    }
}
