package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.osb.OsbChecks.Bind;
import org.servicemanager.core.internal.osb.OsbChecks.Provision;
import org.servicemanager.core.internal.osb.OsbChecks.Update;
import org.servicemanager.core.internal.osb.OsbForwarder.Answer;
import org.servicemanager.core.internal.registry.Context;

/**
 * The instance and binding records the OSB face keeps from the brokers' answers (OSB.md, "What we
 * record"): reserved before a create is forwarded, so two concurrent creates of one id can never
 * make two records; moved along with the broker's answers and {@code last_operation}; dropped when
 * the broker confirms a delete or refuses a create. Writes happen after the broker call and outside
 * any transaction, with optimistic retries. Thread-safe.
 */
final class OsbRecords {
    private static final int MAX_ATTEMPTS = 5;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OsbRecords.class);

    private final Context ctx;
    /**
     * The creates this process is forwarding right now, by record key and count: their placeholders
     * are not left over from a crash, whatever their age. {@link #SWEEPING} instead of a count marks a
     * placeholder the sweep is resolving.
     */
    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();
    private static final int SWEEPING = -1;
    /**
     * The description a placeholder carries while a sweep (of any node) asks the broker about it.
     * Together with the record's {@code updatedAt} it is a lease: creates of the id are refused
     * until it is older than {@link #sweepLease}, so a sweep that died holds nothing for long.
     */
    static final String RESOLVING = "the Service Manager is asking the broker about this create";
    private final java.time.Duration sweepLease;

    OsbRecords(Context ctx) {
        this.ctx = ctx;
        this.sweepLease = ctx.brokers().readTimeout().plus(PlaceholderSweep.MARGIN);
    }

    /** Whether a sweep holds the record: it marked it less than a lease ago. */
    boolean heldBySweep(Entity record) {
        LastOperation op = operationOf(record);
        return op.type() == OperationType.CREATE && op.inProgress() && RESOLVING.equals(op.description())
                && record.updatedAt().isAfter(ctx.clock().instant().minus(sweepLease));
    }

    /** Thrown when a create finds its record held by a sweep; the platform is to retry later. */
    static final class HeldBySweep extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HeldBySweep() {
            super(null, null, false, false);
        }
    }

    Repository<ServiceInstance> instances() {
        return ctx.store().repository(EntityTypes.SERVICE_INSTANCES);
    }

    Repository<ServiceBinding> bindings() {
        return ctx.store().repository(EntityTypes.SERVICE_BINDINGS);
    }

    // ---- creates in flight ---------------------------------------------------------------------

    static String instanceKey(String id) {
        return "instance:" + id;
    }

    static String bindingKey(String id) {
        return "binding:" + id;
    }

    /**
     * Marks a create as forwarded by this process, until {@link #settled}.
     *
     * @return {@code false}, marking nothing, while the sweep is resolving the record: the sweep may be
     *     deleting the resource at the broker (orphan mitigation), which would delete what this create
     *     makes there while our record says it exists
     */
    boolean forwarding(String key) {
        return inFlight.compute(key, (k, n) -> n == null ? 1 : n == SWEEPING ? SWEEPING : n + 1) != SWEEPING;
    }

    /** Claims a record for the sweep, unless a create of it is being forwarded; until {@link #released}. */
    boolean claimForSweep(String key) {
        return inFlight.putIfAbsent(key, SWEEPING) == null;
    }

    void released(String key) {
        inFlight.remove(key, SWEEPING);
    }

    void settled(String key) {
        inFlight.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }

    // ---- reserve and drop ----------------------------------------------------------------------

    /** The placeholder of a provision: not ready, a create in progress without a broker operation yet. */
    ServiceInstance placeholder(Provision p) {
        Instant now = ctx.now();
        return new ServiceInstance(p.osb().instanceId(), OsbChecks.text(p.context(), "instance_name"),
                p.plan().plan().id(), p.osb().platform().id(), jsonText(p.context()), null, null, false,
                LastOperation.inProgress(OperationType.CREATE, null), null, null, Labels.empty(), now, now, false, 0);
    }

    /** The placeholder of a bind, like {@link #placeholder(Provision)}. */
    ServiceBinding placeholder(Bind b) {
        Instant now = ctx.now();
        return new ServiceBinding(b.osb().bindingId(), OsbChecks.text(b.context(), "binding_name"),
                b.instance().id(), b.osb().platform().id(), jsonText(b.context()), jsonText(b.bindResource()), null,
                LastOperation.inProgress(OperationType.CREATE, null), Labels.empty(), now, now, false, 0);
    }

    /**
     * Stores a placeholder. An existing record is handed to {@code onExisting}, which throws if the
     * call may not go on (a record of another platform that a concurrent request made meanwhile);
     * else the broker judges the repeated create (it answers 200, 202 or 409/422).
     *
     * @return the record if this request created it (and so removes it if the broker refuses), else
     *     {@code null}
     */
    <T extends Entity> T reserve(Repository<T> repo, T placeholder, Consumer<T> onExisting) {
        try {
            return repo.create(placeholder);
        } catch (UniqueViolationException e) {
            repo.get(placeholder.id()).ifPresent(onExisting);
            return null;
        }
    }

    /**
     * Removes a placeholder the broker refused, unless a concurrent request for the same id has
     * meanwhile recorded the broker's confirmation (the version moved on): the broker has that
     * resource, so the record must stay.
     *
     * @return whether the placeholder was removed
     */
    <T extends Entity> boolean drop(Repository<T> repo, T reserved) {
        return ctx.store().inTransaction(tx -> {
            Repository<T> inTx = tx.repository(repo.type());
            Optional<T> current = inTx.get(reserved.id()).filter(c -> c.version() == reserved.version());
            current.ifPresent(c -> inTx.delete(c.id()));
            return current.isPresent();
        });
    }

    /**
     * The broker's answer to a deprovision or unbind: gone (200, 410) removes the record if it is
     * still the caller's; a delete in progress (202) is noted on it; a failure leaves it as it was.
     */
    private <T extends Entity> void deleted(Repository<T> repo, String id, String platformId, Answer answer) {
        if (answer.status() == 200 || answer.status() == 410) {
            deleteIfStillOwned(repo, id, platformId);
        } else if (answer.status() == 202) {
            LastOperation deleting = LastOperation.inProgress(OperationType.DELETE, answer.text("operation"));
            update(repo, id, r -> withOperation(r, deleting, ctx.now()));
        }
    }

    private static <T extends Entity> void deleteIfStillOwned(Repository<T> repo, String id, String platformId) {
        repo.get(id).filter(e -> ownerOf(e).equals(platformId)).ifPresent(e -> repo.delete(id));
    }

    /**
     * A create forwarded again for a record still waiting for the answer of an earlier one: the
     * record is touched, so that other nodes' sweeps see a call that may still be running. The
     * touch is conditional on the version read, like the sweep's mark, so of a sweep and a create
     * only one goes on.
     *
     * @throws HeldBySweep if a sweep is asking the broker about the record: its orphan mitigation
     *     could delete at the broker what this create makes there
     */
    <T extends Entity> void touchIfUnanswered(Repository<T> repo, String id) {
        update(repo, id, r -> {
            LastOperation op = operationOf(r);
            if (op.type() != OperationType.CREATE || !op.inProgress() || op.brokerOperation() != null) {
                throw new Unchanged();
            }
            if (heldBySweep(r)) {
                throw new HeldBySweep();
            }
            return withOperation(r, LastOperation.inProgress(OperationType.CREATE, null), ctx.now());
        });
    }

    /** Thrown by a change that finds nothing to change. */
    private static final class Unchanged extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unchanged() {
            super(null, null, false, false);
        }
    }

    static LastOperation operationOf(Entity entity) {
        return entity instanceof ServiceInstance i ? i.lastOperation() : ((ServiceBinding) entity).lastOperation();
    }

    /** An instance or binding record with another last operation, changed at {@code now}. */
    @SuppressWarnings("unchecked")
    static <T extends Entity> T withOperation(T record, LastOperation op, Instant now) {
        return record instanceof ServiceInstance i ? (T) i.withOperation(op, now)
                : (T) ((ServiceBinding) record).withOperation(op, now);
    }

    private static String ownerOf(Entity entity) {
        return entity instanceof ServiceInstance i ? i.platformId() : ((ServiceBinding) entity).platformId();
    }

    // ---- instances -----------------------------------------------------------------------------

    /** The broker created the instance (200, 201) or started to (202). */
    void provisioned(Provision p, ServiceInstance placeholder, ServiceInstance reserved, Answer answer) {
        boolean async = answer.status() == 202;
        String context = jsonText(p.context());
        LastOperation operation = async ? LastOperation.inProgress(OperationType.CREATE, answer.text("operation"))
                : LastOperation.succeeded(OperationType.CREATE);
        upsert(instances(), placeholder, reserved, i -> {
            ServiceInstance created = i.withPlan(p.plan().plan().id(), context)
                    .withDashboardUrl(answer.text("dashboard_url")).withUsable(true).withoutPending()
                    .withOperation(operation, ctx.now());
            return async ? created : created.asReady();
        });
    }

    void updated(Update u, Answer answer) {
        if (answer.status() == 200) {
            update(instances(), u.instance().id(), i -> i.withPlan(u.target().plan().id(), u.newContext())
                    .withDashboardUrl(answer.text("dashboard_url")).withUsable(true).withoutPending()
                    .withOperation(LastOperation.succeeded(OperationType.UPDATE), ctx.now()));
        } else if (answer.status() == 202) {
            update(instances(), u.instance().id(), i -> i.withPending(u.target().plan().id(), u.newContext())
                    .withOperation(LastOperation.inProgress(OperationType.UPDATE, answer.text("operation")),
                            ctx.now()));
        }
    }

    void deprovisioned(ServiceInstance instance, Answer answer) {
        deleted(instances(), instance.id(), instance.platformId(), answer);
    }

    /** Moves an instance record along with a {@code last_operation} answer. */
    void followInstance(String instanceId, Answer answer) {
        OperationState state = answer.status() == 200 ? state(answer.text("state")) : null;
        if (answer.status() != 410 && !finished(state)) {
            return; // most polls: nothing to record, so no store read
        }
        Optional<ServiceInstance> found = instances().get(instanceId);
        if (found.isEmpty() || !found.get().lastOperation().inProgress()) {
            return;
        }
        OperationType type = found.get().lastOperation().type();
        if (answer.status() == 410) {
            if (type != OperationType.UPDATE) {
                instances().delete(instanceId);
            }
            return;
        }
        boolean succeeded = state == OperationState.SUCCEEDED;
        JsonNode usableField = answer.json().path("instance_usable");
        boolean usable = !usableField.isBoolean() || usableField.booleanValue();
        LastOperation done = new LastOperation(type, state, found.get().lastOperation().brokerOperation(),
                answer.text("description"), found.get().lastOperation().operationId());
        switch (type) {
            // A failed create keeps its record (not ready): the broker may still hold the instance,
            // and only a confirmed deprovision may remove it.
            case CREATE -> update(instances(), instanceId, i -> (succeeded
                    ? i.withUsable(true).withoutPending().asReady() : i).withOperation(done, ctx.now()));
            case UPDATE -> update(instances(), instanceId, i -> (succeeded
                    ? i.withPendingApplied().withUsable(true) : i.withoutPending().withUsable(usable))
                    .withOperation(done, ctx.now()));
            case DELETE -> {
                if (succeeded) {
                    instances().delete(instanceId);
                } else {
                    update(instances(), instanceId, i -> i.withUsable(usable).withOperation(done, ctx.now()));
                }
            }
            default -> throw new IllegalStateException("unknown operation type " + type);
        }
    }

    // ---- bindings ------------------------------------------------------------------------------

    /** The broker created the binding (200, 201) or started to (202). */
    void bound(ServiceBinding placeholder, ServiceBinding reserved, Answer answer) {
        boolean async = answer.status() == 202;
        LastOperation operation = async ? LastOperation.inProgress(OperationType.CREATE, answer.text("operation"))
                : LastOperation.succeeded(OperationType.CREATE);
        upsert(bindings(), placeholder, reserved, b -> {
            ServiceBinding created = b.withOperation(operation, ctx.now());
            return async ? created : created.asReady();
        });
    }

    void unbound(ServiceBinding binding, Answer answer) {
        deleted(bindings(), binding.id(), binding.platformId(), answer);
    }

    /** Moves a binding record along with a {@code last_operation} answer. */
    void followBinding(String bindingId, Answer answer) {
        OperationState state = answer.status() == 200 ? state(answer.text("state")) : null;
        if (answer.status() != 410 && !finished(state)) {
            return; // most polls: nothing to record, so no store read
        }
        Optional<ServiceBinding> found = bindings().get(bindingId);
        if (found.isEmpty() || !found.get().lastOperation().inProgress()) {
            return;
        }
        OperationType type = found.get().lastOperation().type();
        if (answer.status() == 410) {
            bindings().delete(bindingId);
            return;
        }
        boolean succeeded = state == OperationState.SUCCEEDED;
        // A failed create keeps its record (not ready) until an unbind is confirmed, like an instance.
        if (type == OperationType.DELETE && succeeded) {
            bindings().delete(bindingId);
            return;
        }
        LastOperation done = new LastOperation(type, state, found.get().lastOperation().brokerOperation(),
                answer.text("description"), found.get().lastOperation().operationId());
        update(bindings(), bindingId, b -> {
            ServiceBinding moved = b.withOperation(done, ctx.now());
            return succeeded && type == OperationType.CREATE ? moved.asReady() : moved;
        });
    }

    // ---- writes --------------------------------------------------------------------------------

    /** Applies a change with optimistic retries; a record that vanished meanwhile stays gone. */
    private static <T extends Entity> void update(Repository<T> repo, String id, UnaryOperator<T> change) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<T> current = repo.get(id);
            if (current.isEmpty()) {
                return;
            }
            try {
                repo.update(change.apply(current.get()));
                return;
            } catch (Unchanged e) {
                return;
            } catch (ConcurrentModificationException | NotFoundException e) {
                // Someone else moved the record on; read it again.
            }
        }
        // The broker has acted; its answer still goes to the platform, and the next poll or call
        // brings the record up to date.
        LOG.warn("could not record the broker's answer for '{}' after {} attempts (concurrent changes)", id,
                MAX_ATTEMPTS);
    }

    /**
     * Like {@link #update}, but a record the broker confirmed is recreated if a concurrent refused
     * request removed the placeholder meanwhile: the broker has the resource, so must we.
     * {@code reserved} is the record as this request stored it ({@code null} if it did not): in the
     * usual case nothing touched it since, and it needs no read first.
     */
    private static <T extends Entity> void upsert(Repository<T> repo, T placeholder, T reserved,
            UnaryOperator<T> change) {
        if (reserved != null) {
            try {
                repo.update(change.apply(reserved));
                return;
            } catch (ConcurrentModificationException | NotFoundException e) {
                // Someone else moved the record on or removed it; read it below.
            }
        }
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<T> current = repo.get(placeholder.id());
            try {
                if (current.isEmpty()) {
                    repo.create(change.apply(placeholder));
                } else {
                    repo.update(change.apply(current.get()));
                }
                return;
            } catch (ConcurrentModificationException | NotFoundException | UniqueViolationException e) {
                // Raced with another request on the same id; read it again.
            }
        }
        LOG.warn("could not record the broker's answer for '{}' after {} attempts (concurrent changes)",
                placeholder.id(), MAX_ATTEMPTS);
    }

    // ---- small helpers -------------------------------------------------------------------------

    private static String jsonText(JsonNode node) {
        return node == null || node.isNull() ? null : Json.text(node);
    }

    /** Whether a {@code last_operation} state ends the operation (succeeded or failed). */
    private static boolean finished(OperationState state) {
        return state != null && state != OperationState.IN_PROGRESS;
    }

    static OperationState state(String value) {
        if (value == null) {
            return null;
        }
        return switch (value) {
            case "in progress" -> OperationState.IN_PROGRESS;
            case "succeeded" -> OperationState.SUCCEEDED;
            case "failed" -> OperationState.FAILED;
            default -> null;
        };
    }
}
