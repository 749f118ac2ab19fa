package org.servicemanager.api.model;

import java.util.Objects;

/**
 * The latest operation on an instance or binding, as far as the Service Manager followed it.
 *
 * @param brokerOperation the broker's {@code operation} value of an asynchronous operation, or {@code null}
 * @param description     the broker's description of the outcome, or {@code null}
 * @param operationId     the id of the stored {@link Operation}, or {@code null} (records from before operations were stored)
 */
public record LastOperation(OperationType type, OperationState state, String brokerOperation, String description,
        String operationId) {
    public LastOperation {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(state, "state");
    }

    /** The same operation, as the stored {@link Operation} {@code id}. */
    public LastOperation withOperationId(String id) {
        return new LastOperation(type, state, brokerOperation, description, id);
    }

    public boolean inProgress() {
        return state == OperationState.IN_PROGRESS;
    }

    public static LastOperation succeeded(OperationType type) {
        return new LastOperation(type, OperationState.SUCCEEDED, null, null, null);
    }

    public static LastOperation inProgress(OperationType type, String brokerOperation) {
        return new LastOperation(type, OperationState.IN_PROGRESS, brokerOperation, null, null);
    }
}
