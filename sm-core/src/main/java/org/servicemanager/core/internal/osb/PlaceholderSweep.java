package org.servicemanager.core.internal.osb;

import static org.servicemanager.core.internal.http.UriCoding.encode;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.internal.broker.BrokerClient;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.osb.OsbForwarder.Answer;
import org.servicemanager.core.internal.osb.OsbRegistry.PlanRef;
import org.servicemanager.core.internal.registry.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the records a forwarded create left behind when its answer never got recorded (the
 * process stopped, the store failed): a placeholder says "create in progress" and blocks deleting
 * its plan, broker and platform forever. A record is looked at once its call cannot still be
 * running: this process is not forwarding it, and either it is older than the broker read timeout
 * plus a margin or the store is not shared with other nodes (so it was left by a previous process).
 *
 * <p>Our records must match the brokers', so none is dropped unless the broker confirms it does
 * not hold the resource. The broker is asked, in this order:
 * <ol>
 *   <li>{@code last_operation} (without {@code operation}, which was never recorded): {@code
 *       succeeded} makes the record ready, {@code failed} keeps it failed, {@code in progress}
 *       leaves it, 410 removes it;</li>
 *   <li>if that tells nothing (another 4xx) and the offering is retrievable, a fetch: 200 makes
 *       the record ready;</li>
 *   <li>else orphan mitigation, as a platform would do it: a delete; 200 or 410 removes the
 *       record, 202 keeps it as a delete in progress that later sweeps follow.</li>
 * </ol>
 * A failed or unreachable broker leaves the record to the next sweep. Every write is conditional on
 * the version the sweep read, so a record an OSB call moved on meanwhile is left alone.
 * Thread-safe; sweeps do not overlap.
 */
public final class PlaceholderSweep {
    private static final Logger LOG = LoggerFactory.getLogger(PlaceholderSweep.class);
    /** Beyond the read timeout: the write after the answer, and clock differences between nodes. */
    static final Duration MARGIN = Duration.ofMinutes(1);
    private static final Query NOT_READY = Query.fieldEquals("ready", false);
    private static final String BY_SWEEP = "resolved by the Service Manager: ";

    private final Context ctx;
    private final OsbRegistry registry;
    private final OsbRecords records;
    private final Duration staleAfter;

    PlaceholderSweep(Context ctx, OsbRegistry registry, OsbRecords records) {
        this.ctx = ctx;
        this.registry = registry;
        this.records = records;
        this.staleAfter = ctx.brokers().readTimeout().plus(MARGIN);
    }

    /** What a broker was asked about a record: the record's plan and broker, and its OSB path. */
    private record Target(ServiceBroker broker, PlanRef plan, String path) {
        String idsQuery() {
            return "service_id=" + encode(plan.offering().catalogId()) + "&plan_id=" + encode(plan.plan().catalogId());
        }
    }

    /**
     * Runs one sweep now and waits for it.
     *
     * @return how many records it changed or removed
     */
    public synchronized int sweep() {
        int changed = 0;
        Repository<ServiceInstance> instances = records.instances();
        for (ServiceInstance listed : instances.list(NOT_READY, PageRequest.unbounded()).items()) {
            if (claimed(instances, listed, OsbRecords.instanceKey(listed.id()), this::resolveInstance)) {
                changed++;
            }
        }
        Repository<ServiceBinding> bindings = records.bindings();
        for (ServiceBinding listed : bindings.list(NOT_READY, PageRequest.unbounded()).items()) {
            if (claimed(bindings, listed, OsbRecords.bindingKey(listed.id()), this::resolveBinding)) {
                changed++;
            }
        }
        if (changed > 0) {
            LOG.info("placeholder sweep changed or removed {} records", changed);
        }
        return changed;
    }

    /**
     * Resolves a record if it is due, holding it against creates of its id meanwhile: a create
     * forwarded while the sweep talks to the broker would race the sweep's orphan mitigation.
     *
     * @return whether the record was changed or removed
     */
    private <T extends Entity> boolean claimed(Repository<T> repo, T listed, String key, Predicate<T> resolve) {
        if (!pending(listed) || !records.claimForSweep(key)) {
            return false;
        }
        try {
            Optional<T> record = due(repo, listed).flatMap(r -> mark(repo, r));
            if (record.isEmpty()) {
                return false;
            }
            boolean changed = resolve.test(record.get());
            if (!changed) {
                unmark(repo, record.get());
            }
            return changed;
        } finally {
            records.released(key);
        }
    }

    /**
     * Marks a create's placeholder as held by this sweep (see {@link OsbRecords#RESOLVING}), on the
     * version read: a create of the id on another node touches that version first, or finds the
     * mark and is refused. A delete in progress is only followed, and needs no mark.
     *
     * @return the marked record, or empty if it moved on meanwhile
     */
    private <T extends Entity> Optional<T> mark(Repository<T> repo, T record) {
        if (OsbRecords.operationOf(record).type() != OperationType.CREATE) {
            return Optional.of(record);
        }
        try {
            return Optional.of(repo.update(withOperation(record, new LastOperation(OperationType.CREATE,
                    OperationState.IN_PROGRESS, null, OsbRecords.RESOLVING,
                    OsbRecords.operationOf(record).operationId()))));
        } catch (ConcurrentModificationException | NotFoundException e) {
            return Optional.empty();
        }
    }

    /** Takes the mark off a placeholder the sweep left as it was, so that creates need not wait out the lease. */
    private <T extends Entity> void unmark(Repository<T> repo, T marked) {
        if (OsbRecords.operationOf(marked).type() == OperationType.CREATE) {
            change(repo, marked, r -> withOperation(r, LastOperation.inProgress(OperationType.CREATE, null)
                    .withOperationId(OsbRecords.operationOf(r).operationId())));
        }
    }

    /**
     * The record again if it is one to resolve: a create still waiting for its answer, or a delete
     * of a record that never became ready (say, one this sweep started), that no call of this
     * process is working on and none can be. Read again after the claim: a call that ended
     * meanwhile has written its answer by then.
     */
    private <T extends Entity> Optional<T> due(Repository<T> repo, T listed) {
        Instant staleBefore = ctx.clock().instant().minus(staleAfter);
        return repo.get(listed.id()).filter(r -> r.version() == listed.version())
                .filter(r -> !ctx.store().isClustered() || r.updatedAt().isBefore(staleBefore));
    }

    private static boolean pending(Entity record) {
        LastOperation op = OsbRecords.operationOf(record);
        return op.inProgress() && (op.type() == OperationType.DELETE
                || (op.type() == OperationType.CREATE && op.brokerOperation() == null));
    }

    // ---- instances -----------------------------------------------------------------------------

    private boolean resolveInstance(ServiceInstance instance) {
        Optional<Target> target = target(instance.servicePlanId(), "/v2/service_instances/" + encode(instance.id()));
        if (target.isEmpty()) {
            return false;
        }
        Target t = target.get();
        Repository<ServiceInstance> repo = records.instances();
        if (instance.lastOperation().type() == OperationType.DELETE) {
            return follow(repo, instance, t, instance.lastOperation());
        }
        Answer last = call(t, "GET", t.path() + "/last_operation", t.idsQuery());
        if (last == null) {
            return false;
        }
        OperationState state = last.status() == 200 ? Operation.brokerState(last.text("state")) : null;
        if (state == OperationState.SUCCEEDED || (tellsNothing(last, state) && t.plan().offering().instancesRetrievable()
                && succeeds(call(t, "GET", t.path(), null)))) {
            String held = BY_SWEEP + "the broker holds the instance";
            return records.resolved(repo, instance, OperationState.SUCCEEDED, held, false,
                    opId -> i -> i.withUsable(true).asReady().withOperation(new LastOperation(OperationType.CREATE,
                            OperationState.SUCCEEDED, null, held, opId), ctx.now()), null);
        }
        return settle(repo, instance, t, last, state);
    }

    // ---- bindings ------------------------------------------------------------------------------

    private boolean resolveBinding(ServiceBinding binding) {
        Optional<ServiceInstance> instance = records.instances().get(binding.serviceInstanceId());
        if (instance.isEmpty()) {
            return false;
        }
        Optional<Target> target = target(instance.get().servicePlanId(), "/v2/service_instances/"
                + encode(instance.get().id()) + "/service_bindings/" + encode(binding.id()));
        if (target.isEmpty()) {
            return false;
        }
        Target t = target.get();
        Repository<ServiceBinding> repo = records.bindings();
        if (binding.lastOperation().type() == OperationType.DELETE) {
            return follow(repo, binding, t, binding.lastOperation());
        }
        Answer last = call(t, "GET", t.path() + "/last_operation", t.idsQuery());
        if (last == null) {
            return false;
        }
        OperationState state = last.status() == 200 ? Operation.brokerState(last.text("state")) : null;
        if (state == OperationState.SUCCEEDED || (tellsNothing(last, state) && t.plan().offering().bindingsRetrievable()
                && succeeds(call(t, "GET", t.path(), null)))) {
            String held = BY_SWEEP + "the broker holds the binding";
            return records.resolved(repo, binding, OperationState.SUCCEEDED, held, false,
                    opId -> b -> b.asReady().withOperation(new LastOperation(OperationType.CREATE,
                            OperationState.SUCCEEDED, null, held, opId), ctx.now()), null);
        }
        return settle(repo, binding, t, last, state);
    }

    // ---- both ----------------------------------------------------------------------------------

    /**
     * After {@code last_operation} did not say succeeded: failed is kept, in progress is left, 410 is
     * the broker's confirmation, anything else that is not an error of the broker's goes to orphan
     * mitigation.
     */
    private <T extends Entity> boolean settle(Repository<T> repo, T record, Target t, Answer last,
            OperationState state) {
        if (state == OperationState.FAILED) {
            String failed = BY_SWEEP + "last_operation says failed";
            return records.resolved(repo, record, OperationState.FAILED, failed, false,
                    opId -> r -> withOperation(r, new LastOperation(OperationType.CREATE, OperationState.FAILED, null,
                            failed, opId)), null);
        }
        if (state == OperationState.IN_PROGRESS || last.status() >= 500) {
            return false;
        }
        if (last.status() == 410) {
            return records.resolved(repo, record, OperationState.FAILED, BY_SWEEP + OsbRecords.GONE, false, null,
                    null);
        }
        return mitigate(repo, record, t);
    }

    /** Orphan mitigation: the delete a platform sends after a create it cannot tell the end of. */
    private <T extends Entity> boolean mitigate(Repository<T> repo, T record, Target t) {
        Answer deleted = call(t, "DELETE", t.path(), "accepts_incomplete=true&" + t.idsQuery());
        if (deleted == null) {
            return false;
        }
        if (deleted.status() == 200 || deleted.status() == 410) {
            LOG.info("removed the record of '{}' after broker '{}' confirmed its delete (orphan mitigation)",
                    record.id(), t.broker().name());
            return records.resolved(repo, record, OperationState.FAILED, BY_SWEEP + "the create got no answer; "
                    + "the broker confirmed its delete (orphan mitigation)", true, null, null);
        }
        if (deleted.status() == 202) {
            // The delete is an operation of its own, followed like a platform's deprovision.
            Operation deleting = OsbOperations.polling(records.operationOfSweep(record, OperationType.DELETE),
                    deleted.text("operation"), ctx.now());
            return records.resolved(repo, record, OperationState.FAILED, BY_SWEEP + "the create got no answer; "
                    + "orphan mitigation is deleting it at the broker", true,
                    opId -> r -> withOperation(r, new LastOperation(OperationType.DELETE, OperationState.IN_PROGRESS,
                            deleted.text("operation"), BY_SWEEP + "orphan mitigation", deleting.id())), deleting);
        }
        LOG.warn("broker '{}' answered the orphan mitigation of '{}' with HTTP {}; trying again later",
                t.broker().name(), record.id(), deleted.status());
        return false;
    }

    /** Follows a delete in progress that nobody else may poll (say, one this sweep started). */
    private <T extends Entity> boolean follow(Repository<T> repo, T record, Target t, LastOperation op) {
        String query = t.idsQuery() + (op.brokerOperation() == null ? "" : "&operation=" + encode(op.brokerOperation()));
        Answer last = call(t, "GET", t.path() + "/last_operation", query);
        if (last == null) {
            return false;
        }
        long version = record.version();
        if (record instanceof ServiceInstance) {
            records.followInstance(record.id(), last);
        } else {
            records.followBinding(record.id(), last);
        }
        return repo.get(record.id()).map(r -> r.version() != version).orElse(true);
    }

    /** Writes a change if the record is still the one the sweep read. */
    private <T extends Entity> boolean change(Repository<T> repo, T record, UnaryOperator<T> change) {
        try {
            repo.update(change.apply(record));
            return true;
        } catch (ConcurrentModificationException | NotFoundException e) {
            return false;
        }
    }

    private <T extends Entity> T withOperation(T record, LastOperation op) {
        return OsbRecords.withOperation(record, op, ctx.now());
    }

    /** A {@code last_operation} answer that is neither a state, nor 410, nor an error of the broker's. */
    private static boolean tellsNothing(Answer last, OperationState state) {
        return state == null && last.status() != 410 && last.status() < 500;
    }

    private static boolean succeeds(Answer answer) {
        return answer != null && answer.status() == 200;
    }

    /** The broker and plan of a record, or empty if the plan is gone (then it cannot be asked). */
    private Optional<Target> target(String planId, String path) {
        return ctx.store().repository(EntityTypes.SERVICE_PLANS).get(planId)
                .map(ServicePlan::serviceOfferingId)
                .flatMap(ctx.store().repository(EntityTypes.SERVICE_OFFERINGS)::get)
                .map(ServiceOffering::brokerId)
                .flatMap(registry::broker)
                .flatMap(view -> Optional.ofNullable(view.plansById().get(planId))
                        .map(ref -> new Target(view.broker(), ref, path)));
    }

    /** Calls the broker and waits; {@code null} if it could not be asked (logged). */
    private Answer call(Target t, String method, String path, String query) {
        URI uri = BrokerClient.endpoint(t.broker().brokerUrl(), path, query);
        try {
            BrokerClient.BrokerResponse response = ctx.brokers().send(t.broker().name(),
                    ctx.secrets().open(t.broker().credentials()),
                    new BrokerClient.BrokerRequest(method, uri, Map.of(), null)).get();
            JsonNode json = response.body().length == 0 ? Json.object() : Json.tryParse(response.body());
            return new Answer(response.status(), json == null ? Json.object() : json, response.body(),
                    response.headers());
        } catch (ExecutionException e) {
            LOG.warn("placeholder sweep: {}; trying again later", e.getCause().getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (RuntimeException e) {
            LOG.warn("placeholder sweep: cannot call broker '{}': {}", t.broker().name(), e.toString());
            return null;
        }
    }
}
