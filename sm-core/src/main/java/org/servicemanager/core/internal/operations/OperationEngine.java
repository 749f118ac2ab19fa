package org.servicemanager.core.internal.operations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerRejectedException;
import org.servicemanager.api.BrokerTimeoutException;
import org.servicemanager.api.BrokerUnreachableException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.Operation.Step;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Cursor;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.Text;
import org.servicemanager.core.internal.operations.BrokerCalls.Answer;
import org.servicemanager.core.internal.operations.BrokerCalls.Target;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.sharing.References;
import org.servicemanager.core.internal.registry.PlatformOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations engine: starts the operations of the REST API on instances and bindings and works
 * them to the end, on this node or (after a crash) on another. Thread-safe. See
 * {@link PlatformOperations} for the contract of each method.
 *
 * <p>Every {@code start} method stores the operation (and the resource it creates or changes) in one
 * transaction before any broker call, so a crash never loses one. It throws, storing nothing, when
 * the resource has an operation in progress (422 {@code ConcurrentOperation}, through
 * {@link org.servicemanager.api.ConcurrentModificationException}), except a delete during a
 * create or update. The returned {@link Started#settled()} completes when the synchronous part is
 * over: normally with the operation {@code succeeded} or still {@code in progress} (the broker
 * answered 202; the scheduler goes on), exceptionally with the failure mapped as PLATFORM.md says
 * ({@link org.servicemanager.api.BrokerRejectedException} 400, {@link org.servicemanager.api.BrokerException}
 * 502, {@link org.servicemanager.api.BrokerTimeoutException} 504).
 *
 * <p>The work left is a step machine kept in the operation row ({@link Operation#step()}, due at
 * {@link Operation#nextAttemptAt()}): {@link #work} dispatches on the step, and every step handler
 * ends by {@link #next recording the next step} (or none) together with the resource change, in one
 * transaction. The cascade step ({@link Cascades}) waits for child operations and then deletes the
 * resource itself.
 *
 * <p>Leases: the node that starts an operation holds it from the insert on and keeps it while it
 * has further attempts planned; other nodes take an operation only once its lease ran out (a
 * version-checked update, so one node wins). A closing node releases its leases.
 */
public final class OperationEngine implements PlatformOperations, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OperationEngine.class);
    /** How many due operations a scan takes at once. */
    private static final int SCAN_PAGE = 50;
    /** The longest a failing orphan mitigation or fetch waits between attempts (unless the retry interval is longer). */
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);
    private static final Duration CLEANUP_EVERY = Duration.ofMinutes(5);
    /** The shortest wait between two polls of one operation, whatever the broker's {@code Retry-After} says. */
    private static final Duration MIN_POLL_DELAY = Duration.ofSeconds(1);
    /** Threads that claim operations and record broker answers (store writes only; broker calls are asynchronous). */
    private static final int WORKERS = 2;
    /** How long {@link #close()} waits for work under way before giving up on it. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    /** The field of a delete's details naming the create or update it interrupted. */
    private static final String INTERRUPTED = "interrupted_operation_id";
    /** How often a credential fetch is tried after the polling time ran out (it was due at the last poll). */
    private static final int FETCH_ATTEMPTS_AFTER_DEADLINE = 3;
    /** Removes the record whatever operation it shows: an orphan mitigation the broker confirmed. */
    private static final UnaryOperator<Object> REMOVE_ANYWAY = r -> null;
    /** Leaves the record as it is: not even read. */
    private static final UnaryOperator<Object> IDENTITY = r -> r;
    /** How long the first of records with one name waits for later ones to remove themselves. */
    private static final Duration NAME_RACE_WAIT = Duration.ofSeconds(2);
    private static final Duration NAME_RACE_POLL = Duration.ofMillis(5);
    /** How many old operations retention reads at once. */
    static final int CLEANUP_PAGE = 100;

    private final Context ctx;
    private final EngineOptions options;
    /** How often a bind re-reads its instance when concurrent binds or updates wrote the row first. */
    private static final int BIND_TOUCH_ATTEMPTS = 10;
    private final String node;
    private final BrokerCalls calls;
    private final Repository<Operation> operations;
    private final Cascades cascades;
    /** Operations this node is working on right now: neither its timers nor its scans take them again. */
    private final Set<String> working = ConcurrentHashMap.newKeySet();
    /** The work a cascade step started on this thread (its deprovision), which that step's future waits for. */
    private final ThreadLocal<List<CompletableFuture<Void>>> cascadeWork = new ThreadLocal<>();
    /** Set when work became free and due at once (a cascade's children, a parent to re-check): {@link #runDue} scans again. */
    private final java.util.concurrent.atomic.AtomicBoolean rescan = new java.util.concurrent.atomic.AtomicBoolean();
    /** Operations of this node with a local timer pending: the scan leaves them to it. */
    private final Set<String> timed = ConcurrentHashMap.newKeySet();
    /** Work under way (a claim, a broker call, its recording), by operation: what {@link #close()} waits for. */
    private final java.util.Map<String, CompletableFuture<?>> inFlight = new ConcurrentHashMap<>();
    /**
     * The operations this node holds, as it last left them (possibly ahead of the stored row: a poll
     * answered "in progress" is not written while the lease lasts), so that working them needs no
     * read; the stored version is the one held, so a write after someone else's fails as it should.
     */
    private final java.util.Map<String, Operation> held = new ConcurrentHashMap<>();
    /** What the operations this node holds call (broker, catalog ids, record ids), resolved once. */
    private final java.util.Map<String, Target> targets = new ConcurrentHashMap<>();
    /** The periodic scan, the clean-up and this node's timers; {@code null} without background work. */
    private final ScheduledThreadPoolExecutor timers;
    /**
     * Claims and records (store writes), off the timers and the HTTP client's threads: a broker that
     * does not answer holds neither, only its own pending future.
     */
    private final ThreadPoolExecutor workers;
    private volatile boolean closed;

    public OperationEngine(Context ctx, EngineOptions options, String node) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.options = Objects.requireNonNull(options, "options");
        this.node = Objects.requireNonNull(node, "node");
        this.calls = new BrokerCalls(ctx);
        this.operations = ctx.store().repository(EntityTypes.OPERATIONS);
        this.cascades = new Cascades(ctx, options, node, this::kick, this::workNow);
        if (!ctx.store().isClustered()) {
            // Nobody else can use this store: leases in it were left by a process that is gone.
            releaseLeases(Query.of(new Criterion.FieldCriterion("lease_until", Operator.GT, List.of(Instant.EPOCH))));
        }
        workers = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "sm-operations-worker");
                    thread.setDaemon(true);
                    return thread;
                });
        workers.allowCoreThreadTimeOut(true);
        if (options.background()) {
            timers = new ScheduledThreadPoolExecutor(2, runnable -> {
                Thread thread = new Thread(runnable, "sm-operations");
                thread.setDaemon(true);
                return thread;
            });
            // Closing waits for work under way, not for timers due in an hour.
            timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            timers.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
            long scan = options.pollInterval().toMillis();
            timers.scheduleWithFixedDelay(this::scanQuietly, scan, scan, TimeUnit.MILLISECONDS);
            long clean = CLEANUP_EVERY.toMillis();
            timers.scheduleWithFixedDelay(this::cleanUpQuietly, clean, clean, TimeUnit.MILLISECONDS);
        } else {
            timers = null;
        }
    }

    /** This node's id, as operations it holds name it. */
    public String node() {
        return node;
    }

    // ---- starting operations -------------------------------------------------------------------

    @Override
    public Started provision(ServiceInstance instance, JsonNode parameters, Caller caller) {
        return provision(instance, target(instance, null, instance.servicePlanId()), parameters, caller);
    }

    @Override
    public Started provision(ServiceInstance instance, ServicePlan plan, ServiceOffering offering,
            JsonNode parameters, Caller caller) {
        if (!plan.id().equals(instance.servicePlanId()) || !offering.id().equals(plan.serviceOfferingId())) {
            return provision(instance, parameters, caller);
        }
        return provision(instance, new Target(broker(offering), offering, plan, instance, null), parameters, caller);
    }

    private Started provision(ServiceInstance instance, Target t, JsonNode parameters, Caller caller) {
        ObjectNode context = BrokerCalls.context(instance.name());
        Instant now = ctx.now();
        Operation op = newOperation(OperationType.CREATE, instance.id(), Operation.SERVICE_INSTANCES, caller, now);
        ServiceInstance record = new ServiceInstance(instance.id(), instance.name(), instance.servicePlanId(),
                Platform.SERVICE_MANAGER_ID, Json.text(context), instance.dashboardUrl(),
                instance.maintenanceInfo() != null ? instance.maintenanceInfo() : t.plan().maintenanceInfo(),
                instance.usable(), lastOperation(op), null, null, instance.labels(), now, now, false, 0)
                .withReferencedInstanceId(instance.referencedInstanceId());
        Operation stored = insert(op, s -> {
            if (record.isReference()) {
                References.holdShared(s, record, ctx.tenancy());
            }
            s.repository(EntityTypes.SERVICE_INSTANCES).create(record);
            return s.repository(EntityTypes.OPERATIONS).create(op);
        });
        keepNameOrYield(EntityTypes.SERVICE_INSTANCES, Query.fieldEquals("name", record.name())
                .and(Query.fieldEquals("platform_id", Platform.SERVICE_MANAGER_ID)), record.id(), stored,
                "a service instance with name '" + record.name() + "' already exists");
        Target created = new Target(t.broker(), t.offering(), t.plan(), record, null);
        return firstCall(stored, created,
                () -> calls.provision(created, context, parameters, caller.correlationId(), caller.originatingIdentity()));
    }

    @Override
    public Started update(ServiceInstance current, ServiceInstance target, JsonNode parameters, Caller caller) {
        boolean brokerCall = PlatformOperations.needsBroker(current, target, parameters);
        Instant now = ctx.now();
        Operation op = newOperation(OperationType.UPDATE, current.id(), Operation.SERVICE_INSTANCES, caller, now);
        if (!brokerCall) {
            // Only what the broker never sees: done in one write.
            Operation done = finished(op.withState(OperationState.SUCCEEDED, null, List.of(), now), now);
            Operation stored = ctx.store().inTransaction(s -> {
                ServiceInstance fresh = checkIdle(s.repository(EntityTypes.SERVICE_INSTANCES), current.id(), false);
                // The name the broker knows from the context follows it (sent with the next update).
                s.repository(EntityTypes.SERVICE_INSTANCES).update(fresh.withName(target.name())
                        .withPlan(fresh.servicePlanId(), renamed(fresh.context(), target.name()))
                        .withLabels(target.labels(), now).withOperation(lastOperation(done), now));
                return s.repository(EntityTypes.OPERATIONS).create(done);
            });
            return new Started(stored, CompletableFuture.completedFuture(stored));
        }
        ObjectNode details = Json.object().put("name", target.name()).put("plan_id", target.servicePlanId());
        if (target.maintenanceInfo() != null) {
            details.put("maintenance_info", target.maintenanceInfo());
        }
        ObjectNode context = BrokerCalls.context(target.name());
        Operation withDetails = op.withDetails(Json.text(details));
        Target t = target(current, null, target.servicePlanId());
        ServicePlan currentPlan = plan(current.servicePlanId());
        Operation stored = insert(withDetails, s -> {
            ServiceInstance fresh = checkIdle(s.repository(EntityTypes.SERVICE_INSTANCES), current.id(), false);
            // Labels are the Service Manager's own: they change at once; the rest when the broker confirms.
            s.repository(EntityTypes.SERVICE_INSTANCES).update(fresh.withLabels(target.labels(), now)
                    .withPending(target.servicePlanId(), Json.text(context))
                    .withOperation(lastOperation(withDetails), now));
            return s.repository(EntityTypes.OPERATIONS).create(withDetails);
        });
        return firstCall(stored, t, () -> calls.update(t, currentPlan, current.maintenanceInfo(),
                target.maintenanceInfo(), context, parameters, caller.correlationId(), caller.originatingIdentity()));
    }

    @Override
    public Started deprovision(ServiceInstance instance, Caller caller) {
        Instant now = ctx.now();
        Operation op = newOperation(OperationType.DELETE, instance.id(), Operation.SERVICE_INSTANCES, caller, now);
        Target t = target(instance, null, instance.servicePlanId());
        Operation stored = insert(op, s -> {
            Repository<ServiceInstance> repo = s.repository(EntityTypes.SERVICE_INSTANCES);
            ServiceInstance fresh = checkIdle(repo, instance.id(), true);
            // The caller's check for bindings ran before this transaction; a bind may have committed
            // since. Re-checked here, where the instance is marked as being deleted (a bind running
            // concurrently writes the instance row too, see bind(), so one of the two fails).
            long bindings = s.repository(EntityTypes.SERVICE_BINDINGS)
                    .count(Query.fieldEquals("service_instance_id", instance.id()));
            if (bindings > 0) {
                throw new ExistingReferenceException("service instance '" + instance.id() + "' has " + bindings
                        + " service binding(s); delete them first, or delete with cascade=true");
            }
            if (fresh.shared()) {
                // Likewise for references: one stored since the caller's check wrote this row (References.holdShared).
                new References(s, ctx.tenancy()).requireUnreferencedByOwner(fresh, "deleted",
                        ExistingReferenceException::new);
            }
            Operation delete = interrupting(op, fresh.lastOperation());
            repo.update(fresh.withOperation(lastOperation(delete), now));
            return s.repository(EntityTypes.OPERATIONS).create(delete);
        });
        return firstCall(stored, t, () -> calls.delete(t, caller.correlationId(), caller.originatingIdentity()));
    }

    @Override
    public Started bind(ServiceBinding binding, JsonNode parameters, Caller caller) {
        Instant now = ctx.now();
        Operation op = newOperation(OperationType.CREATE, binding.id(), Operation.SERVICE_BINDINGS, caller, now);
        ServiceBinding record = new ServiceBinding(binding.id(), binding.name(), binding.serviceInstanceId(),
                Platform.SERVICE_MANAGER_ID, binding.context(), binding.bindResource(), null, lastOperation(op),
                binding.labels(), now, now, false, 0);
        ServiceInstance[] instance = new ServiceInstance[1];
        Target t = ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(binding.serviceInstanceId())
                .map(i -> target(i, record, i.servicePlanId()))
                .orElseThrow(() -> new NotFoundException("service instance '" + binding.serviceInstanceId()
                        + "' not found"));
        Operation stored = insert(op, s -> {
            // A version-checked write of the instance row, unchanged: a deprovision committing at the
            // same time writes it too, so it and this bind do not both pass their checks (a binding
            // left on a deleted instance). Another bind or update that wrote the row meanwhile only
            // makes this read it again; a deprovision shows then as "being deleted".
            for (int attempt = 1; instance[0] == null; attempt++) {
                ServiceInstance owner = s.repository(EntityTypes.SERVICE_INSTANCES).get(binding.serviceInstanceId())
                        .orElseThrow(() -> new NotFoundException("service instance '" + binding.serviceInstanceId()
                                + "' not found"));
                if (owner.lastOperation().inProgress() && owner.lastOperation().type() == OperationType.DELETE) {
                    throw new ConcurrentModificationException("service instance '" + owner.id()
                            + "' is being deleted");
                }
                try {
                    instance[0] = s.repository(EntityTypes.SERVICE_INSTANCES).update(owner);
                } catch (ConcurrentModificationException e) {
                    if (attempt == BIND_TOUCH_ATTEMPTS) {
                        throw e;
                    }
                }
            }
            s.repository(EntityTypes.SERVICE_BINDINGS).create(record);
            return s.repository(EntityTypes.OPERATIONS).create(op);
        });
        keepNameOrYield(EntityTypes.SERVICE_BINDINGS, Query.fieldEquals("name", record.name())
                .and(Query.fieldEquals("service_instance_id", record.serviceInstanceId())), record.id(), stored,
                "service instance '" + record.serviceInstanceId() + "' already has a service binding named '"
                        + record.name() + "'");
        // A reference's binding is the shared instance's at the broker (t names that one already).
        ServiceInstance atBroker = instance[0].isReference() ? t.instance() : instance[0];
        return firstCall(stored, new Target(t.broker(), t.offering(), t.plan(), atBroker, record),
                () -> calls.bind(t, parameters, caller.correlationId(), caller.originatingIdentity()));
    }

    @Override
    public Started unbind(ServiceBinding binding, Caller caller) {
        Instant now = ctx.now();
        Operation op = newOperation(OperationType.DELETE, binding.id(), Operation.SERVICE_BINDINGS, caller, now);
        ServiceInstance instance = ctx.store().repository(EntityTypes.SERVICE_INSTANCES)
                .get(binding.serviceInstanceId()).orElseThrow(() -> new NotFoundException("service instance '"
                        + binding.serviceInstanceId() + "' not found"));
        Target t = target(instance, binding, instance.servicePlanId());
        Operation stored = insert(op, s -> {
            Repository<ServiceBinding> repo = s.repository(EntityTypes.SERVICE_BINDINGS);
            ServiceBinding fresh = repo.get(binding.id())
                    .orElseThrow(() -> new NotFoundException("service binding '" + binding.id() + "' not found"));
            checkIdle(fresh.lastOperation(), "service binding '" + fresh.id() + "'", true);
            Operation delete = interrupting(op, fresh.lastOperation());
            repo.update(fresh.withOperation(lastOperation(delete), now));
            return s.repository(EntityTypes.OPERATIONS).create(delete);
        });
        return firstCall(stored, t, () -> calls.delete(t, caller.correlationId(), caller.originatingIdentity()));
    }

    @Override
    public Started cascadeDelete(ServiceInstance instance, Caller caller) {
        return cascades.start(instance, caller);
    }

    @Override
    public Started cascadeDelete(Platform platform, Caller caller) {
        return cascades.start(platform, caller);
    }

    @Override
    public CompletableFuture<JsonNode> parameters(ServiceInstance instance, Caller caller) {
        return parameters(target(instance, null, instance.servicePlanId()), caller);
    }

    @Override
    public CompletableFuture<JsonNode> parameters(ServiceBinding binding, Caller caller) {
        ServiceInstance instance = ctx.store().repository(EntityTypes.SERVICE_INSTANCES)
                .get(binding.serviceInstanceId()).orElseThrow(() -> new NotFoundException("service instance '"
                        + binding.serviceInstanceId() + "' not found"));
        return parameters(target(instance, binding, instance.servicePlanId()), caller);
    }

    private CompletableFuture<JsonNode> parameters(Target t, Caller caller) {
        return calls.fetch(t, caller.correlationId(), caller.originatingIdentity()).thenApply(answer -> {
            if (answer.status() != 200) {
                throw failure(t, "GET", answer).exception();
            }
            if (!answer.isObject()) {
                throw new BrokerException("service broker '" + t.broker().name() + "' answered GET of " + t.what()
                        + " with a body that is not a JSON object");
            }
            JsonNode parameters = answer.json().get("parameters");
            return parameters != null && parameters.isObject() ? parameters : Json.object();
        });
    }

    /**
     * Stores a new operation (with its resource change) as this node's work in progress: marked
     * before the insert commits, so that no scan of this node takes it for an interrupted call.
     */
    private Operation insert(Operation op, java.util.function.Function<Store, Operation> work) {
        working.add(op.id());
        try {
            return ctx.store().inTransaction(work);
        } catch (RuntimeException e) {
            working.remove(op.id());
            throw e;
        }
    }

    /**
     * Makes a name unique without a unique key in the store (names are unique only among some
     * records: instances of {@code service-manager}, bindings of one instance), race-safely on every
     * store: called after the new record {@code id} committed and before any broker call. Of records
     * with the same name, the first by (created_at, id) keeps it; a later one removes itself with
     * its operation in one transaction and fails 409. The first waits (briefly) until the later ones
     * it sees are gone, because one of them may have checked before this record committed, seen
     * nothing and gone on to the broker: if they do not go, this one yields too. So at most one
     * record with the name ever reaches the broker; in the rare worst case both answer 409.
     */
    private <R extends org.servicemanager.api.model.Entity> void keepNameOrYield(
            org.servicemanager.api.store.EntityType<R> type, Query sameName, String id, Operation op,
            String conflict) {
        Repository<R> repo = ctx.store().repository(type);
        // The usual case, the name taken by this record alone (just committed, its id known to nobody
        // else yet), costs one count instead of reading a page.
        if (repo.count(sameName) == 1) {
            return;
        }
        long deadline = System.nanoTime() + NAME_RACE_WAIT.toNanos();
        while (true) {
            List<R> same = repo.list(sameName, PageRequest.first(SCAN_PAGE)).items();
            R mine = same.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
            boolean yield = mine == null || same.stream().anyMatch(r -> !r.id().equals(id) && before(r, mine));
            if (!yield && same.size() == 1) {
                return;
            }
            if (!yield && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(NAME_RACE_POLL.toMillis());
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                ctx.store().inTransaction(s -> {
                    s.repository(type).delete(id);
                    return s.repository(EntityTypes.OPERATIONS).delete(op.id());
                });
            } finally {
                working.remove(op.id());
            }
            throw new ConflictException(conflict);
        }
    }

    private static boolean before(org.servicemanager.api.model.Entity a, org.servicemanager.api.model.Entity b) {
        int byTime = a.createdAt().compareTo(b.createdAt());
        return byTime != 0 ? byTime < 0 : a.id().compareTo(b.id()) < 0;
    }

    private Operation newOperation(OperationType type, String resourceId, String resourceType, Caller caller,
            Instant now) {
        // Due at once, so that a node taking over after this one died finds it once the lease ran out.
        return Operation.start(ctx.newId(), type, resourceId, resourceType, Platform.SERVICE_MANAGER_ID,
                caller.correlationId(), node, now.plus(options.lease()), now).withStep(Step.CALL, now, 0, now);
    }

    /** {@code context} (an instance's, JSON) with {@code instance_name} set to {@code name}. */
    private static String renamed(String context, String name) {
        JsonNode parsed = Json.readTrustedOrNull(context);
        ObjectNode changed = parsed instanceof ObjectNode object ? object.deepCopy() : BrokerCalls.context(null);
        return Json.text(changed.put("instance_name", name));
    }

    /** The resource, refused (422) while an operation runs on it, except a delete during a create or update. */
    private ServiceInstance checkIdle(Repository<ServiceInstance> repo, String id, boolean delete) {
        ServiceInstance fresh = repo.get(id)
                .orElseThrow(() -> new NotFoundException("service instance '" + id + "' not found"));
        checkIdle(fresh.lastOperation(), "service instance '" + id + "'", delete);
        return fresh;
    }

    /**
     * A delete that takes the record over from a create or update still running: it remembers that
     * operation, so that the record goes back to it if the delete fails (the broker refused it while
     * the create or update goes on, e.g. 422 {@code ConcurrencyError}).
     */
    static Operation interrupting(Operation delete, LastOperation last) {
        if (!last.inProgress() || last.operationId() == null || last.type() == OperationType.DELETE) {
            return delete;
        }
        // Merged: a cascade's delete keeps the originating identity in its details too.
        JsonNode existing = Json.readTrustedOrNull(delete.details());
        ObjectNode details = existing instanceof ObjectNode o ? o.deepCopy() : Json.object();
        return delete.withDetails(Json.text(details.put(INTERRUPTED, last.operationId())));
    }

    private static void checkIdle(LastOperation last, String what, boolean delete) {
        if (last.inProgress() && !(delete && last.type() != OperationType.DELETE)) {
            throw new ConcurrentModificationException(what + " has an operation in progress ("
                    + Operation.wire(last.type()) + ")");
        }
    }

    /**
     * Makes the first broker call of a started operation on this node: its answer is recorded (on a
     * worker), and {@code settled} completes then (exceptionally for a failure). Building the call
     * may fail too: that goes the same way, as a call that never reached the broker.
     */
    private Started firstCall(Operation stored, Target t, Supplier<CompletableFuture<Answer>> makeCall) {
        CompletableFuture<Operation> settled = new CompletableFuture<>();
        targets.put(stored.id(), t);
        CompletableFuture<Answer> call;
        try {
            call = makeCall.get();
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(BrokerCalls.notSent(t, Operation.wire(stored.type()), e));
        }
        CompletableFuture<Void> recorded;
        try {
            recorded = call.handle((answer, failure) -> new Result(answer, unwrap(failure)))
                    .thenAcceptAsync(result -> {
                        Outcome outcome;
                        try {
                            outcome = afterCall(stored, t, result.answer(), result.failure());
                        } catch (RuntimeException e) {
                            LOG.warn("recording the broker's answer to operation {} failed: {}", stored.id(),
                                    e.toString());
                            outcome = new Outcome(null, e);
                        } finally {
                            // Before the caller hears of it: what it does next (a scan) may take the operation.
                            working.remove(stored.id());
                        }
                        if (outcome.failure() != null) {
                            settled.completeExceptionally(outcome.failure());
                        } else {
                            settled.complete(outcome.operation());
                        }
                    }, workers);
        } catch (RejectedExecutionException e) {
            recorded = CompletableFuture.failedFuture(e);
        }
        track(stored.id(), recorded.whenComplete((v, failure) -> {
            if (failure != null) {
                // Closing: the operation stays at its first call; its lease is released, another node goes on.
                working.remove(stored.id());
                settled.completeExceptionally(new BrokerException("the Service Manager is closing; operation "
                        + stored.id() + " goes on later"));
            }
        }));
        return new Started(stored, settled);
    }

    /** The operation as recorded after a step, and the failure a synchronous caller gets ({@code null}: none). */
    private record Outcome(Operation operation, RuntimeException failure) {
    }

    /** A broker failure: what the operation records and what a synchronous caller gets. */
    private record Failure(OperationError error, RuntimeException exception, boolean mitigate) {
    }

    // ---- the answer to the first call ----------------------------------------------------------

    private Outcome afterCall(Operation op, Target t, Answer answer, Throwable failure) {
        String method = op.type() == OperationType.DELETE ? "DELETE" : op.type() == OperationType.UPDATE ? "PATCH"
                : "PUT";
        if (failure != null) {
            Failure f = failure(t, method, failure);
            return failed(op, f);
        }
        int status = answer.status();
        if (op.type() == OperationType.DELETE) {
            if (status == 200 || status == 410) {
                return new Outcome(succeeded(op, null), null);
            }
        } else if (status == 200 || status == 201) {
            if (!answer.isObject()) {
                return failed(op, malformed(t, method, status, "a body that is not a JSON object"));
            }
            return new Outcome(succeeded(op, answer), null);
        }
        if (status == 202) {
            JsonNode operation = answer.isObject() ? answer.json().get("operation") : null;
            if ((answer.json() != null && !answer.isObject()) || (operation != null && !operation.isTextual())) {
                return failed(op, malformed(t, method, status, answer.isObject()
                        ? "an operation that is not a string" : "a body that is not a JSON object"));
            }
            return new Outcome(polling(op, t, answer), null);
        }
        if (status >= 200 && status < 300) {
            return failed(op, malformed(t, method, status, "a status the OSB API does not allow here"));
        }
        return failed(op, failure(t, method, answer));
    }

    /** Starts polling after a 202: due after {@code Retry-After} or the poll interval. */
    private Operation polling(Operation op, Target t, Answer answer) {
        Instant now = ctx.now();
        Duration limit = options.maxPollingDuration();
        Integer planLimit = t.plan().maximumPollingDuration();
        if (planLimit != null && planLimit > 0 && Duration.ofSeconds(planLimit).compareTo(limit) < 0) {
            limit = Duration.ofSeconds(planLimit);
        }
        Instant pollUntil = now.plus(limit);
        String brokerOperation = answer.text("operation");
        Instant due = min(now.plus(pollDelay(0, answer)), pollUntil);
        String dashboard = answer.text("dashboard_url");
        // The record already shows this operation in progress; only a dashboard URL is worth writing it for.
        UnaryOperator<Object> change = dashboard == null || op.type() != OperationType.CREATE
                || !Operation.SERVICE_INSTANCES.equals(op.resourceType()) ? IDENTITY
                : resource -> resource instanceof ServiceInstance i
                        ? i.withDashboardUrl(dashboard).withOperation(lastOperation(op, brokerOperation), now) : resource;
        return next(op.withPolling(brokerOperation, pollUntil), Step.POLL, due, 0, change);
    }

    // ---- outcomes ------------------------------------------------------------------------------

    /** The operation succeeded: the resource takes its final form (or goes, for a delete). */
    private Operation succeeded(Operation op, Answer answer) {
        Instant now = ctx.now();
        Operation done = op.withState(OperationState.SUCCEEDED, null, List.of(), now);
        if (op.type() == OperationType.DELETE) {
            // A create or update it interrupted is not forgotten here: its row stays leased to this
            // node, so it would linger until the lease ran out. Its next poll ends it instead (no
            // record to change; a failure finds no record to mitigate, see mitigation()).
            return next(done, Step.DONE, null, 0, resource -> null);
        }
        if (op.type() == OperationType.CREATE && Operation.SERVICE_BINDINGS.equals(op.resourceType())
                && answer == null) {
            // An asynchronous bind: the credentials come with a fetch of the binding, due at once.
            return next(op, Step.FETCH, now, 0, resource -> resource);
        }
        JsonNode details = Json.readTrustedOrNull(op.details());
        return next(done, Step.DONE, null, 0, resource -> {
            if (resource instanceof ServiceInstance i) {
                ServiceInstance changed = i;
                if (answer != null) {
                    changed = changed.withDashboardUrl(answer.text("dashboard_url"));
                }
                if (op.type() == OperationType.UPDATE) {
                    changed = changed.withPendingApplied();
                    if (details != null) {
                        changed = changed.withName(details.path("name").asText(i.name()))
                                .withMaintenanceInfo(details.has("maintenance_info")
                                        ? details.get("maintenance_info").asText() : i.maintenanceInfo());
                    }
                } else {
                    changed = changed.withUsable(true).asReady();
                }
                return changed.withOperation(lastOperation(done), now);
            }
            ServiceBinding b = (ServiceBinding) resource;
            return b.withCredentials(sealCredentials(answer)).asReady().withOperation(lastOperation(done), now);
        });
    }

    /** What the broker returned of a binding, sealed; {@code null} if it returned none of it. */
    private String sealCredentials(Answer answer) {
        if (answer == null || !answer.isObject()) {
            return null;
        }
        ObjectNode kept = Json.object();
        for (String field : new String[] {"credentials", "syslog_drain_url", "route_service_url", "volume_mounts",
                "endpoints"}) {
            JsonNode value = answer.json().get(field);
            if (value != null && !value.isNull()) {
                kept.set(field, value);
            }
        }
        return kept.isEmpty() ? null : ctx.secrets().sealText(Json.text(kept));
    }

    /**
     * The operation failed: a create with orphan mitigation keeps its record and schedules the delete
     * at once; one without loses its record; an update keeps the old values; a delete keeps the record.
     */
    private Outcome failed(Operation op, Failure f) {
        Instant now = ctx.now();
        Operation failedOp = op.withState(OperationState.FAILED, f.error().description(), List.of(f.error()), now);
        if (op.type() == OperationType.CREATE) {
            if (f.mitigate()) {
                return new Outcome(mitigation(failedOp, now), f.exception());
            }
            return new Outcome(next(failedOp, Step.DONE, null, 0, resource -> null), f.exception());
        }
        try {
            return failed(op, failedOp, f, now);
        } catch (ConcurrentModificationException e) {
            if (interruptedId(op) == null) {
                throw e;
            }
            // The interrupted create or update changed between its read and this commit (it ended,
            // most likely, and could not record its outcome, the delete holding the record): read
            // again, so that the record gets its final state rather than a pointer to a finished one.
            return failed(op, failedOp, f, ctx.now());
        }
    }

    private Outcome failed(Operation op, Operation failedOp, Failure f, Instant now) {
        LastOperation last = lastOperation(failedOp);
        Operation interrupted = interruptedBy(op);
        // Still working: written back unchanged in the same transaction, so that it ending meanwhile
        // (its write version-checked against the same row) makes one of the two fail.
        Operation recheck = interrupted == null || interrupted.workDone() ? null : interrupted;
        return new Outcome(next(failedOp, Step.DONE, null, 0, resource -> {
            if (interrupted != null) {
                return givenBack(resource, interrupted, now);
            }
            if (resource instanceof ServiceInstance i && op.type() == OperationType.UPDATE) {
                return i.withoutPending().withOperation(last, now);
            }
            return withLastOperation(resource, last, now);
        }, recheck), f.exception());
    }

    /** The create or update a failed delete interrupted, as it is now; {@code null} if none. */
    private Operation interruptedBy(Operation delete) {
        String id = interruptedId(delete);
        return id == null ? null : operations.get(id).orElse(null);
    }

    /** The id of the create or update a delete interrupted; {@code null} if none. */
    private static String interruptedId(Operation delete) {
        if (delete.type() != OperationType.DELETE || delete.details() == null) {
            return null;
        }
        JsonNode details = Json.readTrustedOrNull(delete.details());
        return details == null ? null : details.path(INTERRUPTED).asText(null);
    }

    /**
     * The record handed back to the create or update a failed delete interrupted. If it still runs
     * (or mitigates), it goes on as if never interrupted; if it ended meanwhile, its outcome (which
     * it could not record, the delete holding the record) is applied now.
     */
    private Object givenBack(Object resource, Operation interrupted, Instant now) {
        LastOperation back = lastOperation(interrupted);
        if (interrupted.inProgress() || interrupted.deletionScheduled() != null) {
            return withLastOperation(resource, back, now);
        }
        boolean succeeded = interrupted.state() == OperationState.SUCCEEDED;
        if (interrupted.type() == OperationType.CREATE) {
            if (!succeeded) {
                return null;
            }
            if (resource instanceof ServiceInstance i) {
                return i.withUsable(true).asReady().withOperation(back, now);
            }
            return ((ServiceBinding) resource).asReady().withOperation(back, now);
        }
        if (resource instanceof ServiceInstance i && interrupted.type() == OperationType.UPDATE) {
            if (!succeeded) {
                return i.withoutPending().withOperation(back, now);
            }
            JsonNode details = Json.readTrustedOrNull(interrupted.details());
            ServiceInstance changed = i.withPendingApplied();
            if (details != null) {
                changed = changed.withName(details.path("name").asText(i.name())).withMaintenanceInfo(
                        details.has("maintenance_info") ? details.get("maintenance_info").asText() : i.maintenanceInfo());
            }
            return changed.withOperation(back, now);
        }
        return withLastOperation(resource, back, now);
    }

    /** Orphan mitigation: failed, {@code deletion_scheduled} now, the delete due at once. */
    private Operation mitigation(Operation failedOp, Instant now) {
        if (!recordExists(failedOp)) {
            // A delete that interrupted this create removed the record (the broker confirmed it):
            // there is nothing left to mitigate, and a delete of a gone resource would only fail.
            return next(failedOp, Step.DONE, null, 0, IDENTITY);
        }
        LastOperation last = lastOperation(failedOp);
        return next(failedOp.withDeletionScheduled(now).withPolling(null, null), Step.MITIGATE, now, 0,
                resource -> withLastOperation(resource, last, now));
    }

    private Failure failure(Target t, String method, Throwable failure) {
        String broker = t.broker().name();
        if (failure instanceof BrokerTimeoutException timeout) {
            return new Failure(new OperationError("BrokerTimeout", timeout.getMessage()), timeout, true);
        }
        if (failure instanceof BrokerUnreachableException unreachable) {
            return new Failure(new OperationError("BrokerError", unreachable.getMessage()), unreachable,
                    unreachable.requestMayHaveArrived());
        }
        String message = Text.sanitized(failure.getMessage() != null ? failure.getMessage()
                : "service broker '" + broker + "' could not be called (" + method + " " + t.what() + ")",
                Text.MAX_DESCRIPTION_LENGTH);
        BrokerException exception = failure instanceof BrokerException be ? be : new BrokerException(message, failure);
        return new Failure(new OperationError("BrokerError", message), exception, true);
    }

    private boolean recordExists(Operation op) {
        if (Operation.SERVICE_INSTANCES.equals(op.resourceType())) {
            return ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(op.resourceId()).isPresent();
        }
        if (Operation.SERVICE_BINDINGS.equals(op.resourceType())) {
            return ctx.store().repository(EntityTypes.SERVICE_BINDINGS).get(op.resourceId()).isPresent();
        }
        return true;
    }

    /** A 4xx (refused: no mitigation) or any other error status (mitigation) of the broker's. */
    private Failure failure(Target t, String method, Answer answer) {
        int status = answer.status();
        String broker = t.broker().name();
        if (status >= 400 && status < 500) {
            String code = answer.text("error");
            String description = answer.text("description");
            String text = description != null ? description
                    : "service broker '" + broker + "' answered HTTP " + status;
            return new Failure(new OperationError(code != null ? code : "BrokerError", text),
                    new BrokerRejectedException(status, text), false);
        }
        String description = answer.text("description");
        String text = "service broker '" + broker + "' answered " + method + " of " + t.what() + " with HTTP "
                + status + (description != null ? ": " + description : "");
        text = Text.sanitized(text, Text.MAX_DESCRIPTION_LENGTH);
        return new Failure(new OperationError("BrokerError", text), new BrokerException(text), true);
    }

    private static Failure malformed(Target t, String method, int status, String what) {
        String text = "service broker '" + t.broker().name() + "' answered " + method + " of " + t.what()
                + " with HTTP " + status + " and " + what;
        return new Failure(new OperationError("BrokerError", text), new BrokerException(text), true);
    }

    // ---- recording -----------------------------------------------------------------------------

    /**
     * Records {@code op} at {@code step}, due at {@code due} ({@code null}: nothing left, the lease
     * goes), and the change of its resource, in one transaction. The resource changes only while this
     * operation is its latest (a delete started during a create takes over the record); a change
     * to {@code null} removes it. The lease is renewed when it would run out before the next
     * attempt could end.
     *
     * @throws ConcurrentModificationException if another node took the operation over meanwhile
     */
    private Operation next(Operation op, Step step, Instant due, int attempts, UnaryOperator<Object> change) {
        return next(op, step, due, attempts, change, null);
    }

    /**
     * As {@link #next(Operation, Step, Instant, int, UnaryOperator)}, writing {@code recheck} (another
     * operation, as read before) back unchanged in the same transaction: it fails if that one changed.
     */
    private Operation next(Operation op, Step step, Instant due, int attempts, UnaryOperator<Object> change,
            Operation recheck) {
        Instant now = ctx.now();
        Operation scheduled = op.withStep(step, due, attempts, now);
        if (due == null || closed) {
            // Nothing left, or this node is closing: the lease goes (another node takes what is left).
            scheduled = scheduled.withLease(null, Instant.EPOCH);
        } else if (scheduled.leaseUntil().isBefore(due.plus(ctx.brokers().readTimeout()))
                || !node.equals(scheduled.leaseOwner())) {
            scheduled = scheduled.withLease(node, due.plus(options.lease()));
        }
        Operation toStore = scheduled;
        Operation stored;
        Operation[] rechecked = new Operation[1];
        try {
            stored = change == IDENTITY && recheck == null ? operations.update(toStore)
                    : ctx.store().inTransaction(s -> {
                        Operation saved = s.repository(EntityTypes.OPERATIONS).update(toStore);
                        if (recheck != null) {
                            rechecked[0] = s.repository(EntityTypes.OPERATIONS).update(recheck);
                        }
                        changeResource(s, op, change);
                        return saved;
                    });
        } catch (RuntimeException e) {
            forget(op.id());
            throw e;
        }
        if (rechecked[0] != null) {
            // This node's copy of it (if it holds it) stays writable: only the version moved.
            held.computeIfPresent(recheck.id(), (id, h) -> h.version() == recheck.version()
                    ? h.withVersion(rechecked[0].version()) : h);
        }
        hold(stored, due);
        if (due == null) {
            // A cascade's parent waits for this one: it is re-checked now rather than at its next period.
            if (stored.parentId() != null) {
                rescan.set(true);
            }
            cascades.childFinished(stored);
        }
        return stored;
    }

    /**
     * The next poll of an operation still in progress: written only when the lease must be renewed
     * for it; otherwise it lives in this node's memory (and timer) alone, and the stored row, leased
     * to this node, keeps other nodes away. After a crash the lease runs out and another node polls.
     */
    private void pollLater(Operation op, Step step, Instant due, int attempts) {
        Instant needed = due.plus(ctx.brokers().readTimeout());
        if (closed || !mine(op) || op.leaseUntil().isBefore(needed)) {
            next(op, step, due, attempts, IDENTITY);
            return;
        }
        hold(op.withStep(step, due, attempts, ctx.now()), due);
    }

    /** Remembers an operation this node goes on with at {@code due} ({@code null}: it is done here). */
    private void hold(Operation op, Instant due) {
        if (due == null || closed || !mine(op)) {
            forget(op.id());
            return;
        }
        held.put(op.id(), op);
        schedule(op.id(), due);
    }

    private void forget(String id) {
        held.remove(id);
        targets.remove(id);
    }

    private void changeResource(Store s, Operation op, UnaryOperator<Object> change) {
        if (Operation.SERVICE_INSTANCES.equals(op.resourceType())) {
            changeRecord(s.repository(EntityTypes.SERVICE_INSTANCES), op, change, ServiceInstance::lastOperation);
        } else if (Operation.SERVICE_BINDINGS.equals(op.resourceType())) {
            changeRecord(s.repository(EntityTypes.SERVICE_BINDINGS), op, change, ServiceBinding::lastOperation);
        }
    }

    /** Applies {@code change} to the record if it is still the operation's ({@code null}: removed). */
    private static <T extends Entity> void changeRecord(Repository<T> repo, Operation op,
            UnaryOperator<Object> change, Function<T, LastOperation> lastOf) {
        repo.get(op.resourceId()).filter(r -> change == REMOVE_ANYWAY
                || op.id().equals(lastOf.apply(r).operationId())).ifPresent(r -> {
                    Object changed = change.apply(r);
                    if (changed == null) {
                        repo.delete(r.id());
                    } else if (changed != r) {
                        repo.update(repo.type().javaType().cast(changed));
                    }
                });
    }

    private static Object withLastOperation(Object resource, LastOperation last, Instant now) {
        if (resource instanceof ServiceInstance i) {
            return i.withOperation(last, now);
        }
        return ((ServiceBinding) resource).withOperation(last, now);
    }

    private static LastOperation lastOperation(Operation op) {
        return lastOperation(op, op.brokerOperation());
    }

    /** The summary a record keeps of {@code op}, with {@code brokerOperation} (or none). */
    static LastOperation lastOperation(Operation op, String brokerOperation) {
        return new LastOperation(op.type(), op.state(), brokerOperation, op.description(), op.id());
    }

    private static Operation finished(Operation op, Instant now) {
        return op.withStep(Step.DONE, null, 0, now).withLease(null, Instant.EPOCH);
    }

    // ---- the scheduler -------------------------------------------------------------------------

    /** A local timer for an operation this node holds; without background work, {@link #runDue} finds it. */
    private void schedule(String id, Instant due) {
        if (timers == null || closed) {
            return;
        }
        // Rounded up: a timer that fires before the operation is due would find nothing to do and
        // leave it to the next scan, a whole poll interval later.
        long delay = Math.max(0, (Duration.between(ctx.clock().instant(), due).toNanos() + 999_999) / 1_000_000);
        try {
            timed.add(id);
            timers.schedule(() -> {
                timed.remove(id);
                try {
                    Operation own = held.get(id);
                    if (own != null && own.nextAttemptAt() != null && own.nextAttemptAt().isAfter(ctx.now())) {
                        schedule(id, own.nextAttemptAt()); // the clocks disagree by a hair: not due yet
                    } else if (own != null && working.contains(id)) {
                        // Due at once, scheduled by the work that is still finishing (it clears the
                        // mark last): look again in a moment rather than leave it to the next scan.
                        schedule(id, ctx.now().plusMillis(10));
                    } else if (own != null) {
                        claimAndWork(own);
                    } else {
                        operations.get(id).filter(this::mine).ifPresent(this::claimAndWork);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("working operation {} failed: {}", id, e.toString());
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closing: another node (or the next start) carries on.
            timed.remove(id);
        }
    }

    /** Works an operation a cascade step just took at step {@code CALL}, as part of that step's work. */
    private void workNow(Operation op) {
        CompletableFuture<Void> work = work(op, true);
        List<CompletableFuture<Void>> step = cascadeWork.get();
        if (step != null) {
            step.add(work);
        } else {
            track(op.id(), work);
        }
    }

    /** Has this node's scheduler take an unleased operation that is due now soon, without waiting for the scan. */
    private void kick(String id) {
        if (timers == null || closed) {
            return;
        }
        try {
            timers.execute(() -> {
                try {
                    operations.get(id).ifPresent(this::claimAndWork);
                } catch (RuntimeException e) {
                    LOG.warn("working operation {} failed: {}", id, e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            // Closing: another node (or the next start) carries on.
        }
    }

    private boolean mine(Operation op) {
        return node.equals(op.leaseOwner());
    }

    /** Works what is due and waits until every step it started is recorded. */
    @Override
    public int runDue() {
        int worked = 0;
        // Work done can make more work due at once (a fetch after a poll): a few rounds, not forever.
        // Other nodes' expired leases are looked for once: they do not become free within one run.
        for (int round = 0; round < 20; round++) {
            int before = worked;
            for (CompletableFuture<Boolean> step : startDue(round == 0 || rescan.getAndSet(false))) {
                if (Boolean.TRUE.equals(step.join())) {
                    worked++;
                }
            }
            if (worked == before) {
                break;
            }
        }
        return worked;
    }

    /**
     * Starts the due operations this node holds (from memory: no read) and, if {@code scan}, those
     * whose lease ran out (one query); the futures complete when their steps are recorded.
     */
    private List<CompletableFuture<Boolean>> startDue(boolean scan) {
        Instant now = ctx.now();
        List<CompletableFuture<Boolean>> started = new java.util.ArrayList<>();
        for (Operation op : held.values()) {
            // An operation whose local timer is pending is that timer's: the scan does not race it.
            if (!timed.contains(op.id()) && op.nextAttemptAt() != null && !op.nextAttemptAt().isAfter(now)) {
                started.add(claimAndWork(op));
            }
        }
        if (scan) {
            Criterion dueNow = new Criterion.FieldCriterion("next_attempt_at", Operator.LE, List.of(now));
            Page<Operation> free = operations.list(Query.of(dueNow,
                    new Criterion.FieldCriterion("lease_until", Operator.LT, List.of(now))),
                    PageRequest.first(SCAN_PAGE));
            for (Operation op : free.items()) {
                started.add(claimAndWork(op));
            }
        }
        return started;
    }

    private void scanQuietly() {
        try {
            // The scan does not wait for the broker calls it starts: a hung broker holds no timer thread.
            startDue(true);
        } catch (RuntimeException e) {
            // The next scan tries again; a failing store must not end the schedule.
            LOG.warn("operations scan failed: {}", e.toString());
        }
    }

    private void cleanUpQuietly() {
        try {
            cleanUp();
        } catch (RuntimeException e) {
            LOG.warn("operations clean-up failed: {}", e.toString());
        }
    }

    /**
     * Takes the lease of a due operation (unless another node holds it) and works its step, on the
     * workers. The future completes with whether it was worked; never exceptionally: a failure
     * working one operation is logged, the operation is tried again after a backoff, and the scan
     * goes on with the others.
     */
    private CompletableFuture<Boolean> claimAndWork(Operation listed) {
        Instant now = ctx.now();
        if (closed || listed.nextAttemptAt() == null || listed.nextAttemptAt().isAfter(now)) {
            return CompletableFuture.completedFuture(false);
        }
        // A first call is only ever taken over once its lease ran out: until then its node may still be making it.
        boolean leased = !listed.leaseUntil().isBefore(now);
        if (leased && (!mine(listed) || listed.step() == Step.CALL)) {
            return CompletableFuture.completedFuture(false);
        }
        if (!working.add(listed.id())) {
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Boolean> worked;
        try {
            // This node's own operation, its lease still running: it holds it already, no claim to write.
            boolean own = leased && mine(listed);
            worked = CompletableFuture.supplyAsync(() -> own ? listed : claim(listed, now), workers).thenCompose(claimed ->
                    claimed == null ? CompletableFuture.completedFuture(false)
                            : work(claimed, mine(listed)).thenApply(v -> true));
        } catch (RejectedExecutionException e) {
            working.remove(listed.id());
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Boolean> done = worked.handle((result, failure) -> {
            working.remove(listed.id());
            if (failure == null) {
                return result;
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof ConcurrentModificationException || cause instanceof NotFoundException) {
                forget(listed.id());
                LOG.debug("operation {} was taken over by another node", listed.id());
            } else if (!(cause instanceof RejectedExecutionException)) {
                deferAfterFailure(listed.id(), cause);
            }
            return true;
        });
        track(listed.id(), done);
        return done;
    }

    /** The operation with this node's lease, or {@code null} if another node (or a step) moved it meanwhile. */
    private Operation claim(Operation listed, Instant now) {
        try {
            return operations.update(listed.withLease(node, now.plus(options.lease())));
        } catch (ConcurrentModificationException | NotFoundException e) {
            return null;
        }
    }

    /**
     * After working an operation failed unexpectedly (a store error, a bug): logged once for this
     * failure, and due again after a backoff, so that it neither stops the scan nor is retried in a
     * tight loop. One small write of the operation's schedule.
     */
    private void deferAfterFailure(String id, Throwable cause) {
        try {
            Optional<Operation> current = operations.get(id);
            if (current.isEmpty() || current.get().nextAttemptAt() == null) {
                LOG.warn("working operation {} failed: {}", id, cause.toString());
                return;
            }
            Operation op = current.get();
            Instant now = ctx.now();
            int attempts = op.attempts() + 1;
            Instant due = now.plus(backoff(attempts));
            Operation deferred = op.withStep(op.step(), due, attempts, now);
            if (mine(op) && !closed) {
                deferred = deferred.withLease(node, due.plus(options.lease()));
            }
            LOG.warn("working operation {} failed ({}); trying again at {}", id, cause.toString(), due);
            forget(id);
            hold(operations.update(deferred), due);
        } catch (RuntimeException e) {
            LOG.warn("working operation {} failed ({}), and so did deferring it: {}", id, cause.toString(),
                    e.toString());
        }
    }

    /** Remembers work under way until it ends, so that {@link #close()} can wait for it. */
    private void track(String id, CompletableFuture<?> work) {
        inFlight.put(id, work);
        work.whenComplete((v, failure) -> inFlight.remove(id, work));
    }

    /**
     * Works the step an operation is at; {@code wasMine}: this node held it before (no takeover). The
     * broker call runs on its own; its answer is recorded on a worker.
     */
    private CompletableFuture<Void> work(Operation op, boolean wasMine) {
        if (op.step() == Step.CASCADE) {
            // Before the target: a platform's cascade has none, and an instance's may have lost its plan.
            // The deprovision it may start at once is part of this step's work.
            List<CompletableFuture<Void>> started = new java.util.ArrayList<>();
            // It may store children due at once, unleased: the run looks for free work again.
            rescan.set(true);
            cascadeWork.set(started);
            try {
                cascades.work(op);
            } finally {
                cascadeWork.remove();
            }
            return CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0]));
        }
        Target known = targets.get(op.id());
        Optional<Target> target = known != null ? Optional.of(known) : target(op);
        if (target.isEmpty()) {
            // The record went (a delete took it over, or it was removed): nothing left to do for it.
            Instant now = ctx.now();
            String what = Operation.SERVICE_BINDINGS.equals(op.resourceType()) ? "binding" : "instance";
            Operation ended = !op.inProgress() ? op
                    : op.type() == OperationType.DELETE
                    ? op.withState(OperationState.SUCCEEDED, "the " + what + " was removed meanwhile", List.of(), now)
                    : op.withState(OperationState.FAILED, "the " + what + " was removed meanwhile", op.errors(), now);
            next(ended, Step.DONE, null, op.attempts(), IDENTITY);
            return CompletableFuture.completedFuture(null);
        }
        Target t = target.get();
        targets.put(op.id(), t);
        CompletableFuture<Answer> call;
        java.util.function.BiConsumer<Operation, Result> handler;
        switch (op.step()) {
            case CALL -> {
                if (op.type() != OperationType.DELETE) {
                    interrupted(op);
                    return CompletableFuture.completedFuture(null);
                }
                // A delete whose node died during the call, or a cascade's, which no node made yet.
                call = calls.delete(t, op.correlationId(), Cascades.originatingIdentity(op));
                handler = (o, r) -> afterCall(o, t, r.answer(), r.failure());
            }
            case POLL -> {
                call = calls.lastOperation(t, op.brokerOperation(), op.correlationId());
                handler = (o, r) -> poll(o, t, r);
            }
            case FETCH -> {
                call = calls.fetch(t, op.correlationId(), null);
                handler = (o, r) -> fetch(o, t, r);
            }
            case MITIGATE -> {
                call = calls.delete(t, op.correlationId(), null);
                handler = (o, r) -> mitigate(o, t, r);
            }
            case MITIGATE_POLL -> {
                call = calls.lastOperation(t, op.brokerOperation(), op.correlationId());
                handler = (o, r) -> mitigatePoll(o, t, r);
            }
            case CASCADE -> throw new IllegalStateException("a cascade is worked above");
            default -> {
                next(op, Step.DONE, null, op.attempts(), IDENTITY);
                return CompletableFuture.completedFuture(null);
            }
        }
        return call.handle((answer, failure) -> new Result(answer, unwrap(failure))).thenAcceptAsync(result -> {
            if (result.failure() != null || result.answer().status() >= 300) {
                // Perhaps the broker moved or its credentials changed: the next attempt reads them again.
                targets.remove(op.id());
            }
            if (closed && result.failure() instanceof BrokerCalls.NotSent) {
                // The client closed under us: not the broker's failure. The lease goes; another node retries.
                return;
            }
            handler.accept(op, result);
        }, workers);
    }

    /** A first call whose node died before recording the answer (its lease ran out): a create or update. */
    private void interrupted(Operation op) {
        Instant now = ctx.now();
        if (op.type() == OperationType.CREATE) {
            OperationError error = new OperationError("Interrupted", "the Service Manager stopped while "
                    + "waiting for the broker's answer; what the broker did is unknown, so it is deleted there");
            mitigation(op.withState(OperationState.FAILED, error.description(), List.of(error), now), now);
        } else {
            OperationError error = new OperationError("Interrupted", "the Service Manager stopped while "
                    + "waiting for the broker's answer; the broker may have applied the update");
            failed(op, new Failure(error, null, false));
        }
    }

    /** The answer to a {@code last_operation} poll of the operation's own call. */
    private void poll(Operation op, Target t, Result result) {
        Instant now = ctx.now();
        Answer answer = result.answer();
        Throwable failure = result.failure();
        int polls = op.attempts() + 1;
        if (failure == null && answer.status() == 410) {
            if (op.type() == OperationType.DELETE) {
                succeeded(op, null);
            } else {
                OperationError error = new OperationError("BrokerError", "service broker '" + t.broker().name()
                        + "' answered the last_operation of " + t.what() + " with HTTP 410: it is gone");
                Operation failedOp = op.withState(OperationState.FAILED, error.description(), List.of(error), now);
                if (op.type() == OperationType.CREATE) {
                    next(failedOp, Step.DONE, null, polls, r -> null);
                } else {
                    failed(op, new Failure(error, null, false));
                }
            }
            return;
        }
        if (failure == null && (answer.status() == 400 || answer.status() == 404)) {
            // The broker does not know the operation (or the request): asking again would not change that.
            String description = answer.text("description");
            OperationError error = new OperationError("BrokerError", Text.sanitized("service broker '"
                    + t.broker().name() + "' answered the last_operation of " + t.what() + " with HTTP "
                    + answer.status() + (description != null ? ": " + description : ""), Text.MAX_DESCRIPTION_LENGTH));
            failed(op, new Failure(error, null, op.type() == OperationType.CREATE));
            return;
        }
        OperationState state = failure == null && answer.status() == 200 ? Operation.brokerState(answer.text("state")) : null;
        if (state == OperationState.SUCCEEDED) {
            succeeded(op, null);
            return;
        }
        if (state == OperationState.FAILED) {
            String description = answer.text("description");
            OperationError error = new OperationError("BrokerError", description != null ? description
                    : "service broker '" + t.broker().name() + "' says the operation on " + t.what() + " failed");
            if (op.type() == OperationType.UPDATE && answer.json().get("instance_usable") != null) {
                boolean usable = answer.json().get("instance_usable").asBoolean(true);
                Instant at = now;
                Operation failedOp = op.withState(OperationState.FAILED, error.description(), List.of(error), now);
                next(failedOp, Step.DONE, null, polls, r -> r instanceof ServiceInstance i
                        ? i.withoutPending().withUsable(usable).withOperation(lastOperation(failedOp), at) : r);
                return;
            }
            failed(op, new Failure(error, null, true));
            return;
        }
        // In progress, or no usable answer: again later, unless the time is up.
        if (op.pollUntil() != null && !now.isBefore(op.pollUntil())) {
            OperationError error = new OperationError("BrokerError", "service broker '" + t.broker().name()
                    + "' did not finish the operation on " + t.what() + " within the maximum polling duration "
                    + "(until " + Json.timestamp(op.pollUntil()) + ")");
            failed(op, new Failure(error, null, true));
            return;
        }
        // A broker that failed to answer is asked again later than one still working, never sooner.
        Duration delay = state == OperationState.IN_PROGRESS ? pollDelay(polls, answer)
                : pollDelay(polls, null).multipliedBy(2);
        Instant due = now.plus(delay);
        if (op.pollUntil() != null) {
            due = min(due, op.pollUntil());
        }
        pollLater(op, Step.POLL, due, polls);
    }

    /** After an asynchronous bind succeeded: the answer to the GET of the binding, with its credentials. */
    private void fetch(Operation op, Target t, Result result) {
        Instant now = ctx.now();
        Answer answer = result.answer();
        if (result.failure() == null && answer.status() == 200 && answer.isObject()) {
            succeeded(op, answer);
            return;
        }
        int attempts = op.attempts() + 1;
        // The fetch is due right after the last poll, which may be just before the deadline: a few tries still.
        if (op.pollUntil() != null && !now.isBefore(op.pollUntil()) && attempts >= FETCH_ATTEMPTS_AFTER_DEADLINE) {
            OperationError error = new OperationError("BrokerError", "the credentials of " + t.what()
                    + " could not be fetched from service broker '" + t.broker().name() + "'");
            failed(op, new Failure(error, null, true));
            return;
        }
        next(op, Step.FETCH, now.plus(backoff(attempts)), attempts, IDENTITY);
    }

    /**
     * Orphan mitigation: the answer to the delete, sent again until the broker confirms it. The
     * attempts count on through {@link Step#MITIGATE_POLL}, so the backoff keeps growing.
     */
    private void mitigate(Operation op, Target t, Result result) {
        Instant now = ctx.now();
        Answer answer = result.answer();
        Throwable lastFailure = result.failure();
        int attempts = op.attempts() + 1;
        if (lastFailure == null && (answer.status() == 200 || answer.status() == 410)) {
            LOG.info("orphan mitigation of {} done: service broker '{}' confirmed the delete", t.what(),
                    t.broker().name());
            next(op, Step.DONE, null, attempts, REMOVE_ANYWAY);
            return;
        }
        if (lastFailure == null && answer.status() == 202) {
            next(op.withPolling(answer.text("operation"), null), Step.MITIGATE_POLL,
                    now.plus(pollDelay(attempts, answer)), attempts, IDENTITY);
            return;
        }
        LOG.warn("orphan mitigation of {} at service broker '{}' failed ({}); trying again later", t.what(),
                t.broker().name(), lastFailure != null ? lastFailure.getMessage() : "HTTP " + answer.status());
        next(op, Step.MITIGATE, now.plus(backoff(attempts)), attempts, IDENTITY);
    }

    /** Orphan mitigation: the answer to a poll of the delete the broker runs asynchronously. */
    private void mitigatePoll(Operation op, Target t, Result result) {
        Instant now = ctx.now();
        Answer answer = result.answer();
        int attempts = op.attempts() + 1;
        Throwable failure = result.failure();
        OperationState state = failure == null && answer.status() == 200 ? Operation.brokerState(answer.text("state")) : null;
        if (failure == null && (answer.status() == 410 || state == OperationState.SUCCEEDED)) {
            next(op, Step.DONE, null, attempts, REMOVE_ANYWAY);
            return;
        }
        if (state == OperationState.FAILED || (failure == null && (answer.status() == 400 || answer.status() == 404))) {
            // The delete failed (or the broker lost it): sent again, later than last time.
            next(op.withPolling(null, null), Step.MITIGATE, now.plus(backoff(attempts)), attempts, IDENTITY);
            return;
        }
        Duration delay = state == OperationState.IN_PROGRESS ? pollDelay(attempts, answer)
                : pollDelay(attempts, null).multipliedBy(2);
        pollLater(op, Step.MITIGATE_POLL, now.plus(delay), attempts);
    }

    /** A broker call's answer, or its failure. */
    private record Result(Answer answer, Throwable failure) {
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The wait before the next poll: {@code Retry-After}, else the interval, longer after many polls.
     * Never under a second, whatever the broker says ({@code Retry-After: 0} is no licence to poll
     * in a loop).
     */
    private Duration pollDelay(int polls, Answer answer) {
        Duration retryAfter = answer == null ? null : answer.retryAfter(ctx.now());
        if (retryAfter != null) {
            return retryAfter.compareTo(MIN_POLL_DELAY) < 0 ? MIN_POLL_DELAY : retryAfter;
        }
        int doublings = Math.min(4, polls / 10);
        return options.pollInterval().multipliedBy(1L << doublings);
    }

    /** The wait before retry {@code attempt} (1, 2, ...) of a failing call: doubling, capped. */
    private Duration backoff(int attempt) {
        Duration cap = options.retryInterval().compareTo(MAX_BACKOFF) > 0 ? options.retryInterval() : MAX_BACKOFF;
        Duration delay = options.retryInterval();
        for (int i = 1; i < attempt && delay.compareTo(cap) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(cap) > 0 ? cap : delay;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    // ---- targets -------------------------------------------------------------------------------

    private ServicePlan plan(String planId) {
        // Labels of the catalog and the broker play no part in a broker call.
        return ctx.store().repository(EntityTypes.SERVICE_PLANS).getWithoutLabels(planId)
                .orElseThrow(() -> new NotFoundException("service plan '" + planId + "' not found"));
    }

    /**
     * What a call on {@code instance} (or its {@code binding}) addresses at the broker, on plan
     * {@code planId}. A reference instance's bindings are made on the shared instance it references
     * and that instance's plan: the broker knows no reference. (A reference itself is never sent:
     * {@link BrokerCalls} answers its provision and deprovision.)
     */
    private Target target(ServiceInstance instance, ServiceBinding binding, String planId) {
        if (binding != null && instance.isReference()) {
            ServiceInstance shared = ctx.store().repository(EntityTypes.SERVICE_INSTANCES)
                    .get(instance.referencedInstanceId()).orElseThrow(() -> new NotFoundException("service instance '"
                            + instance.referencedInstanceId() + "' referenced by service instance '" + instance.id()
                            + "' not found"));
            return target(shared, binding, shared.servicePlanId());
        }
        ServicePlan plan = plan(planId);
        ServiceOffering offering = ctx.store().repository(EntityTypes.SERVICE_OFFERINGS)
                .getWithoutLabels(plan.serviceOfferingId()).orElseThrow(() -> new NotFoundException("service offering '"
                        + plan.serviceOfferingId() + "' not found"));
        return new Target(broker(offering), offering, plan, instance, binding);
    }

    private ServiceBroker broker(ServiceOffering offering) {
        return ctx.store().repository(EntityTypes.SERVICE_BROKERS).getWithoutLabels(offering.brokerId())
                .orElseThrow(() -> new NotFoundException("service broker '" + offering.brokerId() + "' not found"));
    }

    /** The target of a stored operation; empty if its resource (or its plan) is gone. */
    private Optional<Target> target(Operation op) {
        try {
            if (Operation.SERVICE_INSTANCES.equals(op.resourceType())) {
                return ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(op.resourceId())
                        .map(i -> target(i, null, op.type() == OperationType.UPDATE && i.pendingPlanId() != null
                                ? i.pendingPlanId() : i.servicePlanId()));
            }
            if (Operation.SERVICE_BINDINGS.equals(op.resourceType())) {
                Optional<ServiceBinding> binding = ctx.store().repository(EntityTypes.SERVICE_BINDINGS)
                        .get(op.resourceId());
                return binding.flatMap(b -> ctx.store().repository(EntityTypes.SERVICE_INSTANCES)
                        .get(b.serviceInstanceId()).map(i -> target(i, b, i.servicePlanId())));
            }
            return Optional.empty();
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    // ---- retention and shutdown ----------------------------------------------------------------

    @Override
    public int cleanUp() {
        Instant cutoff = ctx.now().minus(options.retention());
        Query old = Query.of(new Criterion.FieldCriterion("updated_at", Operator.LT, List.of(cutoff)),
                new Criterion.FieldCriterion("state", Operator.NE, List.of(Operation.wire(OperationState.IN_PROGRESS))));
        int removed = 0;
        // In pages after a cursor: a week of operations may be far more than fits in memory at once,
        // and those kept (the last of a live resource) are stepped over rather than read again.
        Cursor after = null;
        while (true) {
            Page<Operation> page = operations.list(old, new PageRequest(CLEANUP_PAGE, after));
            for (Operation op : page.items()) {
                if (op.workDone() && !lastOfLiveResource(op) && operations.delete(op.id())) {
                    removed++;
                }
            }
            if (!page.hasMore() || page.items().isEmpty()) {
                break;
            }
            Operation last = page.items().get(page.items().size() - 1);
            after = new Cursor(last.createdAt(), last.id());
        }
        if (removed > 0) {
            LOG.info("removed {} finished operations older than {}", removed, options.retention());
        }
        return removed;
    }

    private boolean lastOfLiveResource(Operation op) {
        if (Operation.SERVICE_INSTANCES.equals(op.resourceType())) {
            return ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(op.resourceId())
                    .map(r -> op.id().equals(r.lastOperation().operationId())).orElse(false);
        }
        if (Operation.SERVICE_BINDINGS.equals(op.resourceType())) {
            return ctx.store().repository(EntityTypes.SERVICE_BINDINGS).get(op.resourceId())
                    .map(r -> op.id().equals(r.lastOperation().operationId())).orElse(false);
        }
        return false;
    }

    /** Releases the leases matching {@code query} that this node does not need (other nodes take them at once). */
    private void releaseLeases(Query query) {
        for (Operation op : operations.list(query, PageRequest.unbounded()).items()) {
            if (working.contains(op.id())) {
                continue;
            }
            try {
                operations.update(op.withLease(null, Instant.EPOCH));
            } catch (ConcurrentModificationException | NotFoundException e) {
                // Someone moved it on meanwhile: theirs now.
            }
        }
    }

    /**
     * Stops the scan and the timers, and releases this node's leases so that another node carries
     * on at once. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (timers != null) {
            timers.shutdown();
        }
        // Work under way ends (its broker calls are bounded by the read timeout) and is recorded, within
        // a bound: what does not end in time stays leased until the lease runs out, and is never
        // recorded as a broker failure because of the closing.
        long deadline = System.nanoTime() + CLOSE_WAIT.plus(ctx.brokers().readTimeout()).toNanos();
        try {
            CompletableFuture.allOf(inFlight.values().toArray(new CompletableFuture<?>[0]))
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("work of node {} still under way at close: {}", node, e.toString());
        }
        workers.shutdown();
        try {
            if (timers != null) {
                timers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            workers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        workers.shutdownNow();
        try {
            releaseLeases(Query.fieldEquals("lease_owner", node));
        } catch (RuntimeException e) {
            LOG.warn("releasing the leases of node {} failed: {}", node, e.toString());
        }
    }
}
