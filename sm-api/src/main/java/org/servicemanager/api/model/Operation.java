package org.servicemanager.api.model;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One create, update or delete of a service instance or binding (through the REST API or the OSB
 * face), or a cascade delete of a platform: its state for clients, and the work the scheduler
 * still has to do for it. Operations live in the store, so that any node can carry on the work of
 * a node that stopped.
 *
 * <p>The scheduling fields are not shown to clients:
 * <ul>
 *   <li>{@code step} says what work is left; {@code nextAttemptAt} says when it is due
 *       ({@code null}: nothing to do, the operation is finished and no orphan mitigation is left);</li>
 *   <li>{@code leaseOwner}/{@code leaseUntil} say which node works on it, and until when; a lease
 *       is taken and renewed by a version-checked update, so only one node can hold it.
 *       {@code leaseUntil} is {@link Instant#EPOCH} when no node holds it;</li>
 *   <li>{@code brokerOperation} is the broker's {@code operation} value to poll with,
 *       {@code pollUntil} the moment polling gives up ({@code null}: no limit),
 *       {@code attempts} counts the attempts of the current step (for backoff);</li>
 *   <li>{@code details} is JSON text of what the step needs and the records do not hold (an
 *       update's target plan, name and maintenance info); never parameters or credentials.</li>
 * </ul>
 *
 * @param resourceType      {@link #SERVICE_INSTANCES}, {@link #SERVICE_BINDINGS} or {@link #PLATFORMS}
 * @param platformId        the platform whose call this is ({@link Platform#SERVICE_MANAGER_ID} for the REST API)
 * @param deletionScheduled when orphan mitigation (a delete at the broker) was scheduled, or {@code null}
 * @param parentId          the operation of the cascade that made this one, or {@code null}
 * @param cascadeRootId     the root operation of its cascade tree, or {@code null}
 */
public record Operation(
        String id,
        OperationType type,
        OperationState state,
        String resourceId,
        String resourceType,
        String platformId,
        String correlationId,
        String description,
        List<OperationError> errors,
        Instant deletionScheduled,
        String parentId,
        String cascadeRootId,
        Step step,
        Instant nextAttemptAt,
        String leaseOwner,
        Instant leaseUntil,
        String brokerOperation,
        Instant pollUntil,
        int attempts,
        String details,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public static final String SERVICE_INSTANCES = "/v1/service_instances";
    public static final String SERVICE_BINDINGS = "/v1/service_bindings";
    public static final String PLATFORMS = "/v1/platforms";

    /** What work an operation has left. */
    public enum Step {
        /** The first broker call (provision, update, deprovision, bind, unbind) is being made. */
        CALL,
        /** Polling the broker's {@code last_operation}. */
        POLL,
        /** Fetching a binding's credentials after an asynchronous bind succeeded. */
        FETCH,
        /** Orphan mitigation: deleting at the broker what a failed create may have left there. */
        MITIGATE,
        /** Orphan mitigation: polling the {@code last_operation} of the delete it started. */
        MITIGATE_POLL,
        /** A cascade: waiting for the child operations before deleting the resource itself. */
        CASCADE,
        /** Nothing left. */
        DONE
    }

    public Operation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(platformId, "platformId");
        errors = List.copyOf(Objects.requireNonNull(errors, "errors"));
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(leaseUntil, "leaseUntil");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public Operation withVersion(long newVersion) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, deletionScheduled, parentId, cascadeRootId, step, nextAttemptAt, leaseOwner, leaseUntil,
                brokerOperation, pollUntil, attempts, details, labels, createdAt, updatedAt, ready, newVersion);
    }

    /** A copy with {@code newLabels}; {@code updatedAt} stays (labels are the Service Manager's own bookkeeping). */
    public Operation withLabels(Labels newLabels) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, deletionScheduled, parentId, cascadeRootId, step, nextAttemptAt, leaseOwner, leaseUntil,
                brokerOperation, pollUntil, attempts, details, newLabels, createdAt, updatedAt, ready, version);
    }

    /** A new operation in progress at step {@link Step#CALL}, leased to {@code node} until {@code leaseUntil}. */
    public static Operation start(String id, OperationType type, String resourceId, String resourceType,
            String platformId, String correlationId, String node, Instant leaseUntil, Instant now) {
        return new Operation(id, type, OperationState.IN_PROGRESS, resourceId, resourceType, platformId,
                correlationId, null, List.of(), null, null, null, Step.CALL, null, node, leaseUntil, null, null, 0,
                null, Labels.empty(), now, now, true, 0);
    }

    public boolean inProgress() {
        return state == OperationState.IN_PROGRESS;
    }

    /** Whether the scheduler has nothing left to do for it (it may still be in progress elsewhere: never here). */
    public boolean workDone() {
        return nextAttemptAt == null;
    }

    // Named changes; none moves updatedAt except withState and withStep, which take the moment.

    /** A copy in {@code newState} with {@code newDescription} and {@code newErrors}, updated at {@code now}. */
    public Operation withState(OperationState newState, String newDescription, List<OperationError> newErrors,
            Instant now) {
        return new Operation(id, type, newState, resourceId, resourceType, platformId, correlationId, newDescription,
                newErrors, deletionScheduled, parentId, cascadeRootId, step, nextAttemptAt, leaseOwner, leaseUntil,
                brokerOperation, pollUntil, attempts, details, labels, createdAt, now, ready, version);
    }

    /** A copy at {@code newStep}, due at {@code due} ({@code null}: nothing left), with {@code newAttempts}. */
    public Operation withStep(Step newStep, Instant due, int newAttempts, Instant now) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, deletionScheduled, parentId, cascadeRootId, newStep, due, leaseOwner, leaseUntil,
                brokerOperation, pollUntil, newAttempts, details, labels, createdAt, now, ready, version);
    }

    /** A copy held by {@code node} until {@code until}; {@code null} and {@link Instant#EPOCH} release it. */
    public Operation withLease(String node, Instant until) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, deletionScheduled, parentId, cascadeRootId, step, nextAttemptAt, node, until, brokerOperation,
                pollUntil, attempts, details, labels, createdAt, updatedAt, ready, version);
    }

    /** A copy polling with the broker's {@code operation} value until {@code until} ({@code null}: no limit). */
    public Operation withPolling(String newBrokerOperation, Instant until) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, deletionScheduled, parentId, cascadeRootId, step, nextAttemptAt, leaseOwner, leaseUntil,
                newBrokerOperation, until, attempts, details, labels, createdAt, updatedAt, ready, version);
    }

    /** A copy with orphan mitigation scheduled at {@code when}. */
    public Operation withDeletionScheduled(Instant when) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, when, parentId, cascadeRootId, step, nextAttemptAt, leaseOwner, leaseUntil, brokerOperation,
                pollUntil, attempts, details, labels, createdAt, updatedAt, ready, version);
    }

    /** A copy that is part of a cascade tree. */
    public Operation withCascade(String newParentId, String newCascadeRootId) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, deletionScheduled, newParentId, newCascadeRootId, step, nextAttemptAt, leaseOwner, leaseUntil,
                brokerOperation, pollUntil, attempts, details, labels, createdAt, updatedAt, ready, version);
    }

    /** A copy with other {@code details} (JSON text or {@code null}). */
    public Operation withDetails(String newDetails) {
        return new Operation(id, type, state, resourceId, resourceType, platformId, correlationId, description,
                errors, deletionScheduled, parentId, cascadeRootId, step, nextAttemptAt, leaseOwner, leaseUntil,
                brokerOperation, pollUntil, attempts, newDetails, labels, createdAt, updatedAt, ready, version);
    }

    /** The type as clients see it: {@code create}, {@code update}, {@code delete}. */
    public static String wire(OperationType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    /** The state as clients see it: {@code in progress}, {@code succeeded}, {@code failed}. */
    public static String wire(OperationState state) {
        return state.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** The type from its wire form. */
    public static OperationType typeOf(String wire) {
        return OperationType.valueOf(wire.toUpperCase(Locale.ROOT));
    }

    /** The state from its wire form. */
    public static OperationState stateOf(String wire) {
        return OperationState.valueOf(wire.toUpperCase(Locale.ROOT).replace(' ', '_'));
    }

    /**
     * The state a broker's {@code last_operation} answer names, exactly as OSB spells it, or
     * {@code null} when it names none ({@code null}, or any other text).
     */
    public static OperationState brokerState(String wire) {
        if (wire == null) {
            return null;
        }
        return switch (wire) {
            case "in progress" -> OperationState.IN_PROGRESS;
            case "succeeded" -> OperationState.SUCCEEDED;
            case "failed" -> OperationState.FAILED;
            default -> null;
        };
    }
}
