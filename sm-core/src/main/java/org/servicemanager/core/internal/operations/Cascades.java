package org.servicemanager.core.internal.operations;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.Operation.Step;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.registry.PlatformOperations.Caller;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;
import org.servicemanager.core.internal.sharing.References;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cascade deletes (PLATFORM.md, "Cascade delete") as trees of operations in the store, worked by
 * the engine's scheduler like any other operation, on any node. Thread-safe: it keeps no state of
 * its own, only the store's.
 *
 * <p>The tree: a root (type delete, step {@link Step#CASCADE}, its own id as {@code cascadeRootId})
 * on the instance or the platform; under a platform's root one instance cascade per instance of
 * the platform (whichever way it was made); under an instance cascade one unbind per binding.
 * Unbinds (and the deprovision of an instance without bindings) are stored at step {@link Step#CALL}
 * unleased and due at once: any node's scheduler takes them and makes the call, as it would after a
 * node died during a first call. An operation at step {@code CASCADE} waits for its
 * children unleased (any node may re-check it): it is due again when a child finishes (the child's
 * node sets it due at once) and otherwise after the retry interval. When no child is in progress any
 * more: if one failed, the parent fails with all their errors and its resource stays; else an
 * instance cascade deprovisions the instance (the node that found the bindings gone makes the call,
 * holding the lease as for a first call), and a platform's root deletes the platform record.
 *
 * <p>Each change (a tree started, a re-check with the children it adds, a parent finished) is one
 * transaction, so a node that dies leaves a tree that another node carries on.
 */
final class Cascades {
    private static final Logger LOG = LoggerFactory.getLogger(Cascades.class);
    private static final String IDENTITY = "originating_identity";
    /** Attempts of a start that lost a race with another writer of the same records. */
    private static final int START_ATTEMPTS = 3;

    private final Context ctx;
    private final EngineOptions options;
    private final String node;
    private final Repository<Operation> operations;
    /** Has an operation that is due now worked soon by this node's scheduler (if it works in the background). */
    private final Consumer<String> kick;
    /** Works an operation this node holds (recorded at step {@code CALL}) at once, on the calling thread. */
    private final Consumer<Operation> workNow;

    Cascades(Context ctx, EngineOptions options, String node, Consumer<String> kick, Consumer<Operation> workNow) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.options = Objects.requireNonNull(options, "options");
        this.node = Objects.requireNonNull(node, "node");
        this.operations = ctx.store().repository(EntityTypes.OPERATIONS);
        this.kick = Objects.requireNonNull(kick, "kick");
        this.workNow = Objects.requireNonNull(workNow, "workNow");
    }

    /** The originating identity a cascade's broker calls send (kept in the operation's details), or {@code null}. */
    static String originatingIdentity(Operation op) {
        JsonNode details = Json.readTrustedOrNull(op.details());
        JsonNode identity = details == null ? null : details.get(IDENTITY);
        return identity != null && identity.isTextual() ? identity.asText() : null;
    }

    /** Whether {@code op} is the root of a cascade tree. */
    static boolean isRoot(Operation op) {
        return op.id().equals(op.cascadeRootId());
    }

    // ---- starting ------------------------------------------------------------------------------

    /** The root and the operations due at once that the start stored. */
    private record Tree(Operation root, List<String> due) {
    }

    Started start(ServiceInstance instance, Caller caller) {
        Tree tree = startWithRetry(() -> ctx.store().inTransaction(s -> {
            Instant now = ctx.now();
            ServiceInstance fresh = s.repository(EntityTypes.SERVICE_INSTANCES).get(instance.id())
                    .orElseThrow(() -> new NotFoundException("service instance '" + instance.id() + "' not found"));
            LastOperation last = fresh.lastOperation();
            if (last.inProgress() && last.operationId() != null) {
                Optional<Operation> running = s.repository(EntityTypes.OPERATIONS).get(last.operationId());
                if (running.isPresent() && isRoot(running.get())) {
                    return new Tree(running.get(), List.of());
                }
            }
            if (last.inProgress() && last.type() == OperationType.DELETE) {
                throw new ConcurrentModificationException("service instance '" + instance.id()
                        + "' is being deleted already");
            }
            List<String> due = new ArrayList<>();
            String rootId = ctx.newId();
            Operation root = spawnInstance(s, fresh, rootId, null, rootId, caller.correlationId(),
                    details(caller), now, due);
            return new Tree(root, due);
        }));
        return started(tree);
    }

    Started start(Platform platform, Caller caller) {
        Tree tree = startWithRetry(() -> ctx.store().inTransaction(s -> {
            Instant now = ctx.now();
            s.repository(EntityTypes.PLATFORMS).get(platform.id())
                    .orElseThrow(() -> new NotFoundException("platform '" + platform.id() + "' not found"));
            Query running = Query.fieldEquals("resource_id", platform.id())
                    .and(Query.fieldEquals("resource_type", Operation.PLATFORMS))
                    .and(Query.fieldEquals("state", Operation.wire(OperationState.IN_PROGRESS)));
            List<Operation> existing = s.repository(EntityTypes.OPERATIONS).list(running, PageRequest.first(1))
                    .items();
            if (!existing.isEmpty()) {
                return new Tree(existing.get(0), List.of());
            }
            List<String> due = new ArrayList<>();
            String rootId = ctx.newId();
            String details = details(caller);
            int instances = spawnInstances(s, platform.id(), rootId, rootId, caller.correlationId(), details, now,
                    due);
            Instant rootDue = instances == 0 ? now : now.plus(options.retryInterval());
            if (instances == 0) {
                due.add(rootId);
            }
            Operation root = s.repository(EntityTypes.OPERATIONS).create(newOperation(rootId, platform.id(),
                    Operation.PLATFORMS, null, rootId, caller.correlationId(), details, Step.CASCADE, rootDue, now));
            return new Tree(root, due);
        }));
        return started(tree);
    }

    private Started started(Tree tree) {
        // Stored: now the scheduler may take them (this node's at once, if it works in the background).
        tree.due().forEach(kick);
        return new Started(tree.root(), CompletableFuture.completedFuture(tree.root()));
    }

    /** A start that lost a race (a concurrent change of the same records) is tried again: it then sees the winner. */
    private static Tree startWithRetry(Supplier<Tree> start) {
        ConcurrentModificationException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            try {
                return start.get();
            } catch (ConcurrentModificationException e) {
                last = e;
            }
        }
        throw last;
    }

    private static String details(Caller caller) {
        return caller.originatingIdentity() == null ? null
                : Json.text(Json.object().put(IDENTITY, caller.originatingIdentity()));
    }

    private static Operation newOperation(String id, String resourceId, String resourceType, String parentId,
            String rootId, String correlationId, String details, Step step, Instant due, Instant now) {
        // Unleased: whichever node's scheduler comes first takes it.
        return Operation.start(id, OperationType.DELETE, resourceId, resourceType, Platform.SERVICE_MANAGER_ID,
                correlationId, null, Instant.EPOCH, now).withStep(step, due, 0, now).withCascade(parentId, rootId)
                .withDetails(details);
    }

    /**
     * Stores the delete of {@code instance} as part of a tree (with one unbind per binding, or at
     * step {@code CALL} at once if it has none) and points the instance at it. Adds what is due now to
     * {@code due}.
     *
     * @throws ExistingReferenceException if the instance is shared and reference instances use it
     */
    private Operation spawnInstance(Store s, ServiceInstance instance, String id, String parentId, String rootId,
            String correlationId, String details, Instant now, List<String> due) {
        if (instance.shared()) {
            // The caller checked for references before this transaction; one may have been stored
            // since. Checked again here, where the instance row is written (a new reference writes it
            // too, References.holdShared): of the two, one fails and, retried, sees the other.
            new References(s, ctx.tenancy()).requireUnreferencedByOwner(instance, "deleted",
                    ExistingReferenceException::new);
        }
        int bindings = spawnBindings(s, instance.id(), id, rootId, correlationId, details, now, due);
        Step step = bindings == 0 ? Step.CALL : Step.CASCADE;
        Instant at = bindings == 0 ? now : now.plus(options.retryInterval());
        if (bindings == 0) {
            due.add(id);
        }
        // Like a plain delete, it remembers the create or update it interrupts: if the broker refuses
        // it (422 while that one runs), the record goes back to that one rather than keeping the failure.
        Operation op = s.repository(EntityTypes.OPERATIONS).create(OperationEngine.interrupting(newOperation(id,
                instance.id(), Operation.SERVICE_INSTANCES, parentId, rootId, correlationId, details, step, at, now),
                instance.lastOperation()));
        s.repository(EntityTypes.SERVICE_INSTANCES).update(instance.withOperation(lastOperation(op), now));
        return op;
    }

    /**
     * One unbind under {@code parentId} per binding of the instance that no other delete is working
     * on; returns how many bindings the instance has (those others delete too: they are waited for).
     */
    private int spawnBindings(Store s, String instanceId, String parentId, String rootId, String correlationId,
            String details, Instant now, List<String> due) {
        Repository<ServiceBinding> bindings = s.repository(EntityTypes.SERVICE_BINDINGS);
        List<ServiceBinding> found = bindings.list(Query.fieldEquals("service_instance_id", instanceId),
                PageRequest.unbounded()).items();
        for (ServiceBinding binding : found) {
            if (beingDeleted(s, binding.lastOperation())) {
                continue;
            }
            Operation op = s.repository(EntityTypes.OPERATIONS).create(OperationEngine.interrupting(
                    newOperation(ctx.newId(), binding.id(), Operation.SERVICE_BINDINGS, parentId, rootId,
                            correlationId, details, Step.CALL, now, now), binding.lastOperation()));
            bindings.update(binding.withOperation(lastOperation(op), now));
            due.add(op.id());
        }
        return found.size();
    }

    /**
     * One instance cascade under {@code parentId} per instance of the platform that no other delete is
     * working on; returns how many instances the platform has.
     */
    private int spawnInstances(Store s, String platformId, String parentId, String rootId, String correlationId,
            String details, Instant now, List<String> due) {
        List<ServiceInstance> found = s.repository(EntityTypes.SERVICE_INSTANCES)
                .list(Query.fieldEquals("platform_id", platformId), PageRequest.unbounded()).items();
        for (ServiceInstance instance : found) {
            if (!beingDeleted(s, instance.lastOperation())) {
                spawnInstance(s, instance, ctx.newId(), parentId, rootId, correlationId, details, now, due);
            }
        }
        return found.size();
    }

    /**
     * Whether a delete that the scheduler works is running on the resource: the cascade waits for it
     * rather than sending a second one. A platform's own delete through the OSB face is not one (the
     * platform, being deleted, may never poll it again): the cascade sends its own.
     */
    private static boolean beingDeleted(Store s, LastOperation last) {
        if (!last.inProgress() || last.type() != OperationType.DELETE || last.operationId() == null) {
            return false;
        }
        return s.repository(EntityTypes.OPERATIONS).get(last.operationId()).map(op -> !op.workDone()).orElse(false);
    }

    // ---- working -------------------------------------------------------------------------------

    /**
     * Re-checks an operation at step {@code CASCADE} that this node just claimed.
     *
     * @throws ConcurrentModificationException if another node changed it meanwhile (it is re-checked again)
     */
    void work(Operation op) {
        Instant now = ctx.now();
        boolean platform = Operation.PLATFORMS.equals(op.resourceType());
        boolean present = platform ? ctx.store().repository(EntityTypes.PLATFORMS).get(op.resourceId()).isPresent()
                : ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(op.resourceId()).isPresent();
        if (!present) {
            finish(op.withState(OperationState.SUCCEEDED, "the " + what(op) + " was removed meanwhile", List.of(),
                    now), now);
            return;
        }
        Query children = Query.fieldEquals("parent_id", op.id());
        long running = operations.count(children.and(Query.fieldEquals("state",
                Operation.wire(OperationState.IN_PROGRESS))));
        if (running > 0) {
            waitForChildren(op, now, null);
            return;
        }
        List<Operation> failed = operations.list(children.and(Query.fieldEquals("state",
                Operation.wire(OperationState.FAILED))), PageRequest.unbounded()).items();
        if (!failed.isEmpty()) {
            finish(failedWith(op, failed, now), now);
            return;
        }
        if (platform) {
            workPlatform(op, now);
        } else {
            workInstance(op, now);
        }
    }

    /** Every binding gone: the instance's own deprovision, made now by this node; else unbinds for those left. */
    private void workInstance(Operation op, Instant now) {
        long bindings = ctx.store().repository(EntityTypes.SERVICE_BINDINGS)
                .count(Query.fieldEquals("service_instance_id", op.resourceId()));
        if (bindings > 0) {
            waitForChildren(op, now, (s, due) -> spawnBindings(s, op.resourceId(), op.id(), op.cascadeRootId(),
                    op.correlationId(), op.details(), now, due));
            return;
        }
        // Held by this node from here on, as a first call is: if it dies during the call, another node sends it again.
        Operation call = operations.update(op.withStep(Step.CALL, now, 0, now)
                .withLease(node, now.plus(options.lease())));
        workNow.accept(call);
    }

    /** Every instance gone: the platform record goes (its visibilities with it); else cascades for those left. */
    private void workPlatform(Operation op, Instant now) {
        long instances = ctx.store().repository(EntityTypes.SERVICE_INSTANCES)
                .count(Query.fieldEquals("platform_id", op.resourceId()));
        if (instances > 0) {
            try {
                waitForChildren(op, now, (s, due) -> spawnInstances(s, op.resourceId(), op.id(), op.cascadeRootId(),
                        op.correlationId(), op.details(), now, due));
            } catch (ExistingReferenceException e) {
                // An instance of the platform was shared and referenced since the cascade started: it
                // is not deleted under its references, so the cascade fails and the platform stays.
                OperationError error = new OperationError("ExistingReference", e.getMessage());
                finish(op.withState(OperationState.FAILED, "the cascade delete of the platform failed: "
                        + e.getMessage(), List.of(error), now), now);
            }
            return;
        }
        Operation done = finished(op.withState(OperationState.SUCCEEDED, null, List.of(), now), now);
        try {
            ctx.store().inTransaction(s -> {
                s.repository(EntityTypes.OPERATIONS).update(done);
                s.repository(EntityTypes.PLATFORMS).delete(op.resourceId());
                return null;
            });
        } catch (ConcurrentModificationException e) {
            throw e;
        } catch (RuntimeException e) {
            // Something else still refers to the platform: the cascade fails, the platform stays.
            LOG.warn("cascade delete {}: platform '{}' could not be deleted: {}", op.id(), op.resourceId(),
                    e.toString());
            OperationError error = new OperationError("BrokerError", "platform '" + op.resourceId()
                    + "' could not be deleted: " + e.getMessage());
            finish(op.withState(OperationState.FAILED, error.description(), List.of(error), now), now);
            return;
        }
        LOG.info("cascade delete {}: platform '{}' deleted", op.id(), op.resourceId());
        // As a plain delete does: the platform's notification streams close.
        ctx.platformChanges().changed(op.resourceId());
    }

    /** Adds children in the same transaction as the parent's wait; returns how many. */
    private interface Spawn {
        int spawn(Store s, List<String> due);
    }

    /** The parent waits, unleased, due again after the retry interval (sooner when a child finishes). */
    private void waitForChildren(Operation op, Instant now, Spawn spawn) {
        List<String> due = new ArrayList<>();
        Operation waiting = op.withStep(Step.CASCADE, now.plus(options.retryInterval()), op.attempts() + 1, now)
                .withLease(null, Instant.EPOCH);
        ctx.store().inTransaction(s -> {
            s.repository(EntityTypes.OPERATIONS).update(waiting);
            if (spawn != null) {
                spawn.spawn(s, due);
            }
            return null;
        });
        due.forEach(kick);
    }

    /** The parent failed with every failed child's errors, each naming the child's resource. */
    private static Operation failedWith(Operation op, List<Operation> failed, Instant now) {
        List<OperationError> errors = new ArrayList<>();
        for (Operation child : failed) {
            String what = what(child) + " '" + child.resourceId() + "'";
            if (child.errors().isEmpty()) {
                errors.add(new OperationError("BrokerError", what + ": " + (child.description() != null
                        ? child.description() : "the delete failed")));
            }
            for (OperationError error : child.errors()) {
                String text = error.description() == null ? "the delete failed" : error.description();
                // A nested cascade's errors (and most broker messages) name their resource already.
                errors.add(new OperationError(error.error(), text.contains("'" + child.resourceId() + "'") ? text
                        : what + ": " + text));
            }
        }
        String description = "the cascade delete of the " + what(op) + " failed: " + errors.get(0).description()
                + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more errors)" : "");
        return op.withState(OperationState.FAILED, description, errors, now);
    }

    /** Records a finished cascade operation (its instance pointing at it) and tells its parent. */
    private void finish(Operation ended, Instant now) {
        Operation done = finished(ended, now);
        Operation stored = ctx.store().inTransaction(s -> {
            Operation saved = s.repository(EntityTypes.OPERATIONS).update(done);
            if (Operation.SERVICE_INSTANCES.equals(done.resourceType())) {
                Repository<ServiceInstance> instances = s.repository(EntityTypes.SERVICE_INSTANCES);
                instances.get(done.resourceId()).filter(i -> done.id().equals(i.lastOperation().operationId()))
                        .ifPresent(i -> instances.update(i.withOperation(lastOperation(done), now)));
            }
            return saved;
        });
        childFinished(stored);
    }

    /**
     * A child of a cascade finished: its parent is due at once (if it still waits), and this node is
     * asked to re-check it soon. Best effort: a parent that misses it is re-checked after the retry
     * interval anyway.
     */
    void childFinished(Operation child) {
        if (child.parentId() == null) {
            return;
        }
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            Optional<Operation> parent = operations.get(child.parentId());
            Instant now = ctx.now();
            if (parent.isEmpty() || !parent.get().inProgress() || parent.get().step() != Step.CASCADE) {
                return;
            }
            Operation p = parent.get();
            try {
                // Written even when it is due already: a re-check under way on another thread, which may
                // have seen this child still running, then fails its version check instead of putting
                // the parent to sleep for a retry interval. The lease goes too: that node's write fails
                // and it forgets the parent, which any node (this one's kick, a scan) then takes at once
                // rather than after the lease ran out.
                operations.update(p.withStep(Step.CASCADE, now, p.attempts(), now).withLease(null, Instant.EPOCH));
                kick.accept(p.id());
                return;
            } catch (ConcurrentModificationException e) {
                // The parent changed meanwhile (a node re-checks it): look again.
            } catch (NotFoundException e) {
                return;
            }
        }
    }

    private static Operation finished(Operation op, Instant now) {
        return op.withStep(Step.DONE, null, op.attempts(), now).withLease(null, Instant.EPOCH);
    }

    private static String what(Operation op) {
        return switch (op.resourceType()) {
            case Operation.PLATFORMS -> "platform";
            case Operation.SERVICE_BINDINGS -> "service binding";
            default -> "service instance";
        };
    }

    /** A cascade's records never name a broker operation: the steps that poll keep their own. */
    private static LastOperation lastOperation(Operation op) {
        return OperationEngine.lastOperation(op, null);
    }
}
