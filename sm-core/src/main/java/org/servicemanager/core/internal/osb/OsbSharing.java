package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.internal.http.UriCoding;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.osb.OsbForwarder.Answer;
import org.servicemanager.core.internal.osb.OsbRegistry.PlanRef;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.sharing.ReferencePlans;
import org.servicemanager.core.internal.sharing.References;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instance sharing on the OSB face (README, "Sharing instances"). A platform provisions the
 * reference plan: the Service Manager answers itself (201, no broker call) and records a reference
 * instance; its deprovision likewise (200). Bindings of a reference, and their unbind, polling and
 * fetch, go to the broker addressed to the shared instance on the shared instance's plan, and are
 * recorded under the reference. A shared instance that references use cannot be deprovisioned
 * (400 saying how many, not which: they may be other platforms'; OSB has no 409 for a deprovision,
 * and 400 makes a platform neither retry nor start orphan mitigation). A provision of the reference
 * plan that names no instance the platform may reference is one uniform 400, whatever the reason,
 * so a platform learns nothing of other platforms' instances. A node that dies between marking a
 * shared instance as being deleted ({@link #markDeleting}) and recording the broker's answer leaves
 * its row "delete in progress" (closed to new references) until the platform retries the
 * deprovision: PlaceholderSweep only looks at rows that are not ready. Stateless apart from the
 * context; thread-safe.
 */
final class OsbSharing {
    /** Attempts of the mark before a shared instance's deprovision that lost a race with another writer. */
    private static final Logger LOG = LoggerFactory.getLogger(OsbSharing.class);
    private static final int MARK_ATTEMPTS = 3;
    private final Context ctx;
    private final References references;

    OsbSharing(Context ctx) {
        this.ctx = ctx;
        this.references = new References(ctx.store(), ctx.tenancy());
    }

    /** What the Service Manager answers for the broker when the broker must not be asked. */
    static CompletableFuture<Answer> answered(int status, ObjectNode json) {
        return CompletableFuture.completedFuture(new Answer(status, json, Json.bytes(json), Map.of()));
    }

    /**
     * The shared instance a provision of the reference plan references ({@code null} for any other
     * plan), resolved from the provision's {@code parameters} as the REST API does.
     */
    String referenceFor(OsbChecks.Provision p) {
        if (!ReferencePlans.isReferencePlan(p.plan().plan())) {
            return null;
        }
        // Only the tenant's own shared instances: the reference gets the labels an OSB instance gets.
        return references.resolveForPlatform(p.plan().offering().id(), p.osb().call().jsonBody().get("parameters"),
                ctx.tenancy().forOsbInstance(p.osb().platform(), p.context())).id();
    }

    /** A provision of an id that is already recorded must be the same reference (409 otherwise). */
    static void requireSameReference(ServiceInstance existing, String referenced) {
        if (!java.util.Objects.equals(existing.referencedInstanceId(), referenced)) {
            throw new ConflictException("service instance '" + existing.id() + "' already exists with other "
                    + "parameters");
        }
    }

    /** 400 for an update of a reference, a move to the reference plan, or a shared instance's move off sharing. */
    static void checkUpdate(OsbChecks.Update u) {
        if (u.instance().isReference()) {
            throw new BadRequestException("service instance '" + u.instance().id() + "' is a reference to a shared "
                    + "instance, which is not updateable");
        }
        if (!u.target().plan().id().equals(u.instance().servicePlanId())) {
            if (ReferencePlans.isReferencePlan(u.target().plan())) {
                throw new BadRequestException("an instance cannot move to plan '" + ReferencePlans.NAME + "'; "
                        + "provision a reference instance instead");
            }
            if (u.instance().shared() && !ReferencePlans.isShareable(u.target().plan())) {
                throw new BadRequestException("service instance '" + u.instance().id() + "' is shared, and plan '"
                        + u.target().plan().catalogName() + "' does not support instance sharing");
            }
        }
    }

    /**
     * 400 for a deprovision that would leave something behind: a shared instance that references
     * use, or a reference that still has bindings (those are the shared instance's at the broker, and
     * would be left there).
     */
    void checkDeprovision(Optional<ServiceInstance> instance) {
        if (instance.isEmpty()) {
            return;
        }
        ServiceInstance i = instance.get();
        if (i.shared()) {
            references.requireUnreferencedCounting(i, "deleted", BadRequestException::new);
        }
        if (i.isReference()) {
            List<ServiceBinding> bindings = ctx.store().repository(EntityTypes.SERVICE_BINDINGS)
                    .list(Query.fieldEquals("service_instance_id", i.id()), PageRequest.first(References.NAMED))
                    .items();
            if (!bindings.isEmpty()) {
                throw new BadRequestException("service instance '" + i.id() + "' still has service binding(s) "
                        + bindings.stream().map(b -> "'" + b.id() + "'").toList() + "; unbind them first");
            }
        }
    }

    /**
     * Before the deprovision of a shared instance goes to the broker: in one transaction, its
     * references are counted again (one may have been stored since {@link #checkDeprovision}) and its
     * row is marked as being deleted, as a 202 would mark it. A new reference writes that row too
     * (References.holdShared) and refuses an instance being deleted, so no reference is stored while
     * the broker deletes. Returns the last operation to put back if the broker does not delete it
     * ({@link #unmark}), or {@code null} when nothing was marked (not a shared instance).
     */
    LastOperation markDeleting(Optional<ServiceInstance> instance, Operation op) {
        if (instance.isEmpty() || !instance.get().shared()) {
            return null;
        }
        String id = instance.get().id();
        for (int attempt = 1; ; attempt++) {
            try {
                return ctx.store().inTransaction(tx -> {
                    Repository<ServiceInstance> repo = tx.repository(EntityTypes.SERVICE_INSTANCES);
                    ServiceInstance fresh = repo.get(id).orElse(null);
                    if (fresh == null || !fresh.shared()) {
                        return null;
                    }
                    new References(tx).requireUnreferencedCounting(fresh, "deleted", BadRequestException::new);
                    repo.update(fresh.withOperation(LastOperation.inProgress(OperationType.DELETE, null)
                            .withOperationId(op.id()), ctx.now()));
                    return fresh.lastOperation();
                });
            } catch (ConcurrentModificationException e) {
                if (attempt == MARK_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * The broker did not delete (or did not answer): the shared instance's row gets back the last
     * operation it had before {@link #markDeleting}, unless something else changed it meanwhile.
     */
    void unmark(String id, Operation op, LastOperation previous) {
        try {
            ctx.store().inTransaction(tx -> {
                Repository<ServiceInstance> repo = tx.repository(EntityTypes.SERVICE_INSTANCES);
                repo.get(id).filter(i -> op.id().equals(i.lastOperation().operationId()))
                        .ifPresent(i -> repo.update(i.withOperation(previous, ctx.now())));
                return null;
            });
        } catch (ConcurrentModificationException e) {
            // Changed meanwhile by another writer, whose change stands.
        } catch (RuntimeException e) {
            // The broker's answer is still recorded and passed on: the row stays marked until the
            // platform retries the deprovision (see the class comment).
            // Only the exception's type: a store's message may quote the row it failed to write.
            LOG.warn("deprovision {}: shared service instance '{}' stays marked as being deleted ({})", op.id(), id,
                    e.getClass().getName());
        }
    }

    /**
     * The shared instance a new binding of {@code reference} is made on: still shared, ready and of
     * a shareable plan of the reference's offering (400 otherwise, without a broker call).
     */
    ServiceInstance sharedForBind(ServiceInstance reference) {
        return references.sharedForBind(reference);
    }

    /** The shared instance behind a reference (it cannot go while referenced; 404 if it did). */
    ServiceInstance shared(ServiceInstance reference) {
        return references.sharedOf(reference).orElseThrow(() -> new NotFoundException("service instance '"
                + reference.referencedInstanceId() + "', which service instance '" + reference.id()
                + "' references, not found"));
    }

    /**
     * The call as the broker must see it when it addresses a binding of {@code reference}: the path
     * names the shared instance, and {@code plan_id} in the query the shared instance's plan.
     */
    OsbChecks.OsbCall towardsShared(OsbChecks.OsbCall osb, ServiceInstance reference, PlanRef referencePlan,
            PlanRef sharedPlan) {
        ServiceInstance shared = shared(reference);
        String prefix = "/v2/service_instances/" + UriCoding.encode(reference.id());
        String path = osb.target().path();
        if (!path.startsWith(prefix)) {
            throw new IllegalStateException("not a path of instance " + reference.id() + ": " + path);
        }
        path = "/v2/service_instances/" + UriCoding.encode(shared.id()) + path.substring(prefix.length());
        String query = osb.target().query();
        if (query != null) {
            query = query.replace("plan_id=" + UriCoding.encode(referencePlan.plan().catalogId()),
                    "plan_id=" + UriCoding.encode(sharedPlan.plan().catalogId()));
        }
        return new OsbChecks.OsbCall(osb.call(), osb.view(), osb.platform(), new OsbTarget(path, query));
    }

    /** A bind body for the broker: the platform's, on the shared instance's plan. */
    static byte[] bindBody(OsbChecks.OsbCall osb, PlanRef sharedPlan) {
        ObjectNode body = osb.call().jsonBody().deepCopy();
        body.put("plan_id", sharedPlan.plan().catalogId());
        return Json.bytes(body);
    }
}
