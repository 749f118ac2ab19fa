package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.osb.OsbChecks.Bind;
import org.servicemanager.core.internal.osb.OsbChecks.Provision;
import org.servicemanager.core.internal.osb.OsbChecks.Update;
import org.servicemanager.core.internal.osb.OsbForwarder.Answer;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.sharing.References;

/**
 * The instance and binding records the OSB face keeps from the brokers' answers (OSB.md, "What we
 * record"): reserved before a create is forwarded, so two concurrent creates of one id can never
 * make two records; moved along with the broker's answers and {@code last_operation}; dropped when
 * the broker confirms a delete or refuses a create. Writes happen after the broker call, with
 * optimistic retries; each call's stored {@link Operation} (see {@link OsbOperations}) is written in
 * the same transaction as the record change it goes with, so the forwarding pays one statement more
 * per write at most. Thread-safe.
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

    Instant now() {
        return ctx.now();
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

    /**
     * The placeholder of a provision: not ready, a create in progress without a broker operation yet.
     * With multitenancy on it carries the tenant label (the platform's tenant, else the context's).
     */
    ServiceInstance placeholder(Provision p, Operation op) {
        Instant now = op.createdAt();
        return new ServiceInstance(p.osb().instanceId(), OsbChecks.text(p.context(), "instance_name"),
                p.plan().plan().id(), p.osb().platform().id(), jsonText(p.context()), null, null, false,
                LastOperation.inProgress(OperationType.CREATE, null).withOperationId(op.id()), null, null,
                ctx.tenancy().forOsbInstance(p.osb().platform(), p.context()), now, now, false, 0);
    }

    /** The placeholder of a bind, like {@link #placeholder(Provision)}. */
    ServiceBinding placeholder(Bind b, Operation op) {
        Instant now = op.createdAt();
        return new ServiceBinding(b.osb().bindingId(), OsbChecks.text(b.context(), "binding_name"),
                b.instance().id(), b.osb().platform().id(), jsonText(b.context()), jsonText(b.bindResource()), null,
                LastOperation.inProgress(OperationType.CREATE, null).withOperationId(op.id()),
                ctx.tenancy().inherited(b.instance().labels()), now, now, false, 0);
    }

    /** The operation of a platform's call on an instance or binding, in progress, not stored yet. */
    Operation operation(OsbChecks.OsbCall osb, OperationType type) {
        boolean binding = osb.call().optionalPathParam("binding_id").isPresent();
        return OsbOperations.start(ctx.ids().get(), type, binding ? osb.bindingId() : osb.instanceId(),
                binding ? Operation.SERVICE_BINDINGS : Operation.SERVICE_INSTANCES, osb.platform().id(),
                osb.call().correlationId(), ctx.now());
    }

    /** A record reserved for a create, with the operation stored along with it. */
    record Reserved<T extends Entity>(T record, Operation operation) {
    }

    /**
     * Stores a placeholder and the call's operation in one transaction. An existing record is handed
     * to {@code onExisting}, which throws if the call may not go on (a record of another platform
     * that a concurrent request made meanwhile); else the broker judges the repeated create (it
     * answers 200, 202 or 409/422), and its operation is stored with the answer.
     *
     * @return the record and operation if this request created them (and so removes the record if
     *     the broker refuses), else {@code null}
     */
    <T extends Entity> Reserved<T> reserve(Repository<T> repo, T placeholder, Operation op, Consumer<T> onExisting) {
        try {
            return ctx.store().inTransaction(tx -> {
                if (placeholder instanceof ServiceInstance i && i.isReference()) {
                    try {
                        References.holdShared(tx, i, ctx.tenancy());
                    } catch (NotFoundException e) {
                        // Gone (or another tenant's) since it was resolved: the OSB face's one answer
                        // for no match, as if it had been so then (a 404 is no OSB provision answer).
                        throw new BadRequestException(References.NO_MATCH);
                    }
                }
                T record = tx.repository(repo.type()).create(placeholder);
                return new Reserved<>(record, OsbOperations.put(tx, op));
            });
        } catch (UniqueViolationException e) {
            repo.get(placeholder.id()).ifPresent(onExisting);
            return null;
        }
    }

    /** Stores an operation whose call changed no record (a failed call, or a delete of an unknown id). */
    void record(Operation op) {
        OsbOperations.put(ctx.store(), op);
    }

    /**
     * Removes a placeholder the broker refused, unless a concurrent request for the same id has
     * meanwhile recorded the broker's confirmation (the version moved on): the broker has that
     * resource, so the record must stay.
     *
     * @return whether the placeholder was removed
     */
    <T extends Entity> boolean drop(Repository<T> repo, T reserved, Operation failed) {
        return ctx.store().inTransaction(tx -> {
            Repository<T> inTx = tx.repository(repo.type());
            Optional<T> current = inTx.get(reserved.id()).filter(c -> c.version() == reserved.version());
            current.ifPresent(c -> inTx.delete(c.id()));
            OsbOperations.put(tx, failed);
            return current.isPresent();
        });
    }

    /**
     * The broker's answer to a deprovision or unbind: gone (200, 410) removes the record if it is
     * still the caller's; a delete in progress (202) is noted on it; a failure leaves it as it was.
     */
    private <T extends Entity> void deleted(Repository<T> repo, String id, String platformId, Answer answer,
            Throwable failure, Operation op, String brokerName) {
        if (failure != null) {
            record(OsbOperations.callFailed(op, failure, ctx.now()));
            return;
        }
        boolean gone = answer.status() == 200 || answer.status() == 410;
        Operation done = OsbOperations.answered(op, answer, gone, brokerName, ctx.now());
        if (gone) {
            ctx.store().inTransaction(tx -> {
                Repository<T> inTx = tx.repository(repo.type());
                inTx.get(id).filter(e -> ownerOf(e).equals(platformId)).ifPresent(e -> inTx.delete(id));
                return OsbOperations.put(tx, done);
            });
        } else if (answer.status() == 202) {
            LastOperation deleting = LastOperation.inProgress(OperationType.DELETE, answer.text("operation"))
                    .withOperationId(op.id());
            update(repo, id, r -> withOperation(r, deleting, ctx.now()), done);
        } else {
            record(done);
        }
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
            return withOperation(r, LastOperation.inProgress(OperationType.CREATE, null)
                    .withOperationId(op.operationId()), ctx.now());
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

    /**
     * The broker created the instance (200, 201) or started to (202). {@code op} is the call's
     * operation: stored with the reservation if {@code reserved} is not null, else stored now.
     */
    void provisioned(Provision p, ServiceInstance placeholder, Reserved<ServiceInstance> reserved, Operation op,
            Answer answer) {
        boolean async = answer.status() == 202;
        String context = jsonText(p.context());
        LastOperation operation = (async ? LastOperation.inProgress(OperationType.CREATE, answer.text("operation"))
                : LastOperation.succeeded(OperationType.CREATE)).withOperationId(op.id());
        Operation done = OsbOperations.answered(op, answer, !async, p.osb().broker().name(), ctx.now());
        upsert(instances(), placeholder, reserved == null ? null : reserved.record(), done, i -> {
            ServiceInstance created = i.withPlan(p.plan().plan().id(), context)
                    .withDashboardUrl(answer.text("dashboard_url")).withUsable(true).withoutPending()
                    .withOperation(operation, ctx.now());
            return async ? created : created.asReady();
        });
    }

    /**
     * The broker's answer to an update: 200 stores the new values, 202 keeps them pending; a failure
     * leaves the record as it was and only stores the failed operation.
     */
    void updated(Update u, Answer answer, Throwable failure, Operation op) {
        if (failure != null) {
            record(OsbOperations.callFailed(op, failure, ctx.now()));
            return;
        }
        Operation done = OsbOperations.answered(op, answer, answer.status() == 200, u.osb().broker().name(),
                ctx.now());
        if (answer.status() == 200) {
            LastOperation updated = LastOperation.succeeded(OperationType.UPDATE).withOperationId(op.id());
            update(instances(), u.instance().id(), i -> i.withPlan(u.target().plan().id(), u.newContext())
                    .withDashboardUrl(answer.text("dashboard_url")).withUsable(true).withoutPending()
                    .withOperation(updated, ctx.now()), done);
        } else if (answer.status() == 202) {
            LastOperation updating = LastOperation.inProgress(OperationType.UPDATE, answer.text("operation"))
                    .withOperationId(op.id());
            update(instances(), u.instance().id(), i -> i.withPending(u.target().plan().id(), u.newContext())
                    .withOperation(updating, ctx.now()), done);
        } else {
            record(done);
        }
    }

    /** The broker's answer to a deprovision of {@code instanceId}; {@code instance} is its record, if any. */
    void deprovisioned(OsbChecks.OsbCall osb, Optional<ServiceInstance> instance, Answer answer, Throwable failure,
            Operation op) {
        deleted(instances(), osb.instanceId(), instance.map(ServiceInstance::platformId).orElse(null), answer,
                failure, op, osb.broker().name());
    }

    /** Moves an instance record, and its operation, along with a {@code last_operation} answer. */
    void followInstance(String instanceId, Answer answer) {
        OperationState state = answer.status() == 200 ? Operation.brokerState(answer.text("state")) : null;
        if (answer.status() != 410 && !finished(state)) {
            return; // most polls: nothing to record, so no store read
        }
        retrying(instanceId, tx -> followInstance(tx, instanceId, answer, state));
    }

    private void followInstance(Store tx, String instanceId, Answer answer, OperationState state) {
        Repository<ServiceInstance> repo = tx.repository(EntityTypes.SERVICE_INSTANCES);
        Optional<ServiceInstance> found = repo.get(instanceId);
        if (found.isEmpty() || !found.get().lastOperation().inProgress()) {
            return;
        }
        LastOperation last = found.get().lastOperation();
        OperationType type = last.type();
        if (answer.status() == 410) {
            if (type == OperationType.UPDATE) {
                // The broker no longer knows the update: it ended, failed; the record keeps its old values.
                repo.update(found.get().withoutPending().withOperation(new LastOperation(type, OperationState.FAILED,
                        last.brokerOperation(), GONE, last.operationId()), ctx.now()));
                endOperation(tx, last, OperationState.FAILED, GONE);
                return;
            }
            repo.delete(instanceId);
            endOperation(tx, last, type == OperationType.DELETE ? OperationState.SUCCEEDED : OperationState.FAILED,
                    type == OperationType.DELETE ? null : GONE);
            return;
        }
        boolean succeeded = state == OperationState.SUCCEEDED;
        JsonNode usableField = answer.json().path("instance_usable");
        boolean usable = !usableField.isBoolean() || usableField.booleanValue();
        LastOperation done = new LastOperation(type, state, last.brokerOperation(), answer.text("description"),
                last.operationId());
        ServiceInstance i = found.get();
        switch (type) {
            // A failed create keeps its record (not ready): the broker may still hold the instance,
            // and only a confirmed deprovision may remove it.
            case CREATE -> repo.update((succeeded ? i.withUsable(true).withoutPending().asReady() : i)
                    .withOperation(done, ctx.now()));
            case UPDATE -> repo.update((succeeded ? i.withPendingApplied().withUsable(true)
                    : i.withoutPending().withUsable(usable)).withOperation(done, ctx.now()));
            case DELETE -> {
                if (succeeded) {
                    repo.delete(instanceId);
                } else {
                    repo.update(i.withUsable(usable).withOperation(done, ctx.now()));
                }
            }
            default -> throw new IllegalStateException("unknown operation type " + type);
        }
        endOperation(tx, last, state, answer.text("description"));
    }

    // ---- bindings ------------------------------------------------------------------------------

    /** The broker created the binding (200, 201) or started to (202); {@code op} as for {@link #provisioned}. */
    void bound(Bind b, ServiceBinding placeholder, Reserved<ServiceBinding> reserved, Operation op, Answer answer) {
        boolean async = answer.status() == 202;
        LastOperation operation = (async ? LastOperation.inProgress(OperationType.CREATE, answer.text("operation"))
                : LastOperation.succeeded(OperationType.CREATE)).withOperationId(op.id());
        Operation done = OsbOperations.answered(op, answer, !async, b.osb().broker().name(), ctx.now());
        upsert(bindings(), placeholder, reserved == null ? null : reserved.record(), done, r -> {
            ServiceBinding created = r.withOperation(operation, ctx.now());
            return async ? created : created.asReady();
        });
    }

    /** The broker's answer to an unbind of {@code bindingId}; {@code binding} is its record, if any. */
    void unbound(OsbChecks.OsbCall osb, Optional<ServiceBinding> binding, Answer answer, Throwable failure,
            Operation op) {
        deleted(bindings(), osb.bindingId(), binding.map(ServiceBinding::platformId).orElse(null), answer, failure,
                op, osb.broker().name());
    }

    /** Moves a binding record, and its operation, along with a {@code last_operation} answer. */
    void followBinding(String bindingId, Answer answer) {
        OperationState state = answer.status() == 200 ? Operation.brokerState(answer.text("state")) : null;
        if (answer.status() != 410 && !finished(state)) {
            return; // most polls: nothing to record, so no store read
        }
        retrying(bindingId, tx -> followBinding(tx, bindingId, answer, state));
    }

    private void followBinding(Store tx, String bindingId, Answer answer, OperationState state) {
        Repository<ServiceBinding> repo = tx.repository(EntityTypes.SERVICE_BINDINGS);
        Optional<ServiceBinding> found = repo.get(bindingId);
        if (found.isEmpty() || !found.get().lastOperation().inProgress()) {
            return;
        }
        LastOperation last = found.get().lastOperation();
        OperationType type = last.type();
        if (answer.status() == 410) {
            repo.delete(bindingId);
            endOperation(tx, last, type == OperationType.CREATE ? OperationState.FAILED : OperationState.SUCCEEDED,
                    type == OperationType.CREATE ? GONE : null);
            return;
        }
        boolean succeeded = state == OperationState.SUCCEEDED;
        // A failed create keeps its record (not ready) until an unbind is confirmed, like an instance.
        if (type == OperationType.DELETE && succeeded) {
            repo.delete(bindingId);
        } else {
            LastOperation done = new LastOperation(type, state, last.brokerOperation(), answer.text("description"),
                    last.operationId());
            ServiceBinding moved = found.get().withOperation(done, ctx.now());
            repo.update(succeeded && type == OperationType.CREATE ? moved.asReady() : moved);
        }
        endOperation(tx, last, state, answer.text("description"));
    }

    // ---- operations ----------------------------------------------------------------------------

    /**
     * A {@code last_operation} answer about an instance or binding we hold no record of: a
     * deprovision or unbind of such an id (say, the platform's orphan mitigation) answered 202 is
     * ended here, by finding the calling platform's delete operations in progress on it (those with
     * the polled broker {@code operation}, if the poll names one). Polls that end nothing read nothing.
     */
    void followUnrecorded(OsbChecks.OsbCall osb, Answer answer) {
        OperationState state = answer.status() == 200 ? Operation.brokerState(answer.text("state")) : null;
        boolean gone = answer.status() == 410;
        if (!gone && !finished(state)) {
            return;
        }
        boolean binding = osb.call().optionalPathParam("binding_id").isPresent();
        Query deletes = Query.fieldEquals("resource_id", binding ? osb.bindingId() : osb.instanceId())
                .and(Query.fieldEquals("platform_id", osb.platform().id()))
                .and(Query.fieldEquals("type", Operation.wire(OperationType.DELETE)))
                .and(Query.fieldEquals("state", Operation.wire(OperationState.IN_PROGRESS)));
        Optional<String> polled = osb.call().query("operation");
        for (Operation op : OsbOperations.repository(ctx.store()).list(deletes, PageRequest.unbounded()).items()) {
            if (polled.isEmpty() || polled.get().equals(op.brokerOperation())) {
                OsbOperations.put(ctx.store(), OsbOperations.ended(op, gone ? OperationState.SUCCEEDED : state,
                        answer.text("description"), ctx.now()));
            }
        }
    }

    /** What a create's operation says when {@code last_operation} answers 410 Gone. */
    static final String GONE = "the broker answered last_operation with 410 Gone: it does not hold the resource";

    /**
     * Ends the stored operation a record's last operation points at (none for records from before
     * operations were stored). Read in the transaction: only polls that end something get here.
     */
    private void endOperation(Store tx, LastOperation last, OperationState state, String description) {
        if (last.operationId() == null) {
            return;
        }
        OsbOperations.repository(tx).get(last.operationId())
                .ifPresent(op -> OsbOperations.put(tx, OsbOperations.ended(op, state, description, ctx.now())));
    }

    static String resourceTypeOf(Entity record) {
        return record instanceof ServiceInstance ? Operation.SERVICE_INSTANCES : Operation.SERVICE_BINDINGS;
    }

    /**
     * A sweep's outcome for a record as it read it, in one transaction: the record changed by
     * {@code change} (given the id of the operation its last operation is to carry) or, if {@code
     * change} is null, removed; the record's operation ended with {@code state} and {@code
     * description} (one is made for records from before operations were stored); and {@code next}
     * (an operation the sweep started, or null) stored.
     *
     * @param mitigated whether the sweep deleted (or started to delete) the resource at the broker
     * @return whether the record was still as the sweep read it (else nothing is written)
     */
    <T extends Entity> boolean resolved(Repository<T> repo, T record, OperationState state, String description,
            boolean mitigated, Function<String, UnaryOperator<T>> change, Operation next) {
        LastOperation last = operationOf(record);
        try {
            return ctx.store().inTransaction(tx -> {
                Repository<T> inTx = tx.repository(repo.type());
                String opId = last.operationId() != null ? last.operationId() : ctx.ids().get();
                if (change == null) {
                    Optional<T> current = inTx.get(record.id()).filter(c -> c.version() == record.version());
                    if (current.isEmpty()) {
                        return false;
                    }
                    inTx.delete(record.id());
                } else {
                    inTx.update(change.apply(opId).apply(record));
                }
                Operation op = (last.operationId() == null ? Optional.<Operation>empty()
                        : OsbOperations.repository(tx).get(opId)).orElseGet(() -> OsbOperations.start(opId,
                                last.type(), record.id(), resourceTypeOf(record), ownerOf(record), null,
                                record.createdAt()));
                Operation ended = OsbOperations.ended(op, state, description, ctx.now());
                OsbOperations.put(tx, mitigated ? ended.withDeletionScheduled(ctx.now()) : ended);
                if (next != null) {
                    OsbOperations.put(tx, next);
                }
                return true;
            });
        } catch (ConcurrentModificationException | NotFoundException e) {
            return false;
        }
    }

    /** A new operation of the Service Manager's own on a record of {@code owner}'s (say, the sweep's delete). */
    Operation operationOfSweep(Entity record, OperationType type) {
        return OsbOperations.start(ctx.ids().get(), type, record.id(), resourceTypeOf(record), ownerOf(record), null,
                ctx.now());
    }

    // ---- writes --------------------------------------------------------------------------------

    /** Runs {@code work} in a transaction, again if a concurrent change made it fail. */
    private void retrying(String id, Consumer<Store> work) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                ctx.store().inTransaction(tx -> {
                    work.accept(tx);
                    return null;
                });
                return;
            } catch (ConcurrentModificationException | NotFoundException e) {
                // Someone else moved the record on; read it again.
            }
        }
        LOG.warn("could not record the broker's answer for '{}' after {} attempts (concurrent changes)", id,
                MAX_ATTEMPTS);
    }

    /**
     * Applies a change with optimistic retries; a record that vanished meanwhile stays gone. Without
     * an operation to store with it, no transaction is needed (nor paid for).
     */
    private <T extends Entity> void update(Repository<T> repo, String id, UnaryOperator<T> change) {
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
        LOG.warn("could not record the broker's answer for '{}' after {} attempts (concurrent changes)", id,
                MAX_ATTEMPTS);
    }

    /**
     * Like {@link #update(Repository, String, UnaryOperator)}, storing {@code op} in the same
     * transaction, whether or not the record is still there.
     */
    private <T extends Entity> void update(Repository<T> repo, String id, UnaryOperator<T> change, Operation op) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                ctx.store().inTransaction(tx -> {
                    Repository<T> inTx = tx.repository(repo.type());
                    Optional<T> current = inTx.get(id);
                    if (current.isPresent()) {
                        try {
                            inTx.update(change.apply(current.get()));
                        } catch (Unchanged e) {
                            // Nothing to change in the record.
                        }
                    }
                    OsbOperations.put(tx, op);
                    return null;
                });
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
     * usual case nothing touched it since, and it needs no read first. {@code op} is stored in the
     * same transaction.
     */
    private <T extends Entity> void upsert(Repository<T> repo, T placeholder, T reserved, Operation op,
            UnaryOperator<T> change) {
        if (reserved != null) {
            try {
                ctx.store().inTransaction(tx -> {
                    tx.repository(repo.type()).update(change.apply(reserved));
                    return OsbOperations.put(tx, op);
                });
                return;
            } catch (ConcurrentModificationException | NotFoundException e) {
                // Someone else moved the record on or removed it; read it below.
            }
        }
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                ctx.store().inTransaction(tx -> {
                    Repository<T> inTx = tx.repository(repo.type());
                    Optional<T> current = inTx.get(placeholder.id());
                    if (current.isEmpty()) {
                        inTx.create(change.apply(placeholder));
                    } else {
                        inTx.update(change.apply(current.get()));
                    }
                    return OsbOperations.put(tx, op);
                });
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
}
