package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Optional;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.sharing.ReferencePlans;
import org.servicemanager.core.internal.sharing.References;

/**
 * What instance sharing adds to {@code /v1/service_instances} (README, "Sharing instances"): the
 * {@code {"shared": bool}} PATCH, the checks of a reference's create, update and delete, and of a
 * shared instance's plan change and delete. {@link InstancesApi} calls in here, so that its own
 * flow stays as it was. Stateless apart from its collaborators; thread-safe.
 */
final class InstanceSharing {
    static final String SHARED = "shared";

    private final Context ctx;
    private final References references;

    InstanceSharing(Context ctx) {
        this.ctx = ctx;
        this.references = new References(ctx.store(), ctx.tenancy());
    }

    /**
     * Whether a PATCH body asks to share or unshare: it has {@code shared}, unless that is an old
     * smctl's {@code "shared": false} sent with other fields to an instance that is not shared
     * (which asks for nothing, and is dropped).
     */
    boolean isSharePatch(ObjectNode body, ServiceInstance current) {
        if (!body.has(SHARED)) {
            return false;
        }
        if (hasOtherFields(body) && body.get(SHARED).isBoolean() && !body.get(SHARED).asBoolean()
                && !current.shared()) {
            body.remove(SHARED);
            return false;
        }
        return true;
    }

    /** The value a share PATCH asks for, after the checks every share PATCH must pass (400 otherwise). */
    boolean wanted(ObjectNode body) {
        if (hasOtherFields(body)) {
            throw new BadRequestException("field 'shared' must be the only field of its PATCH: sharing is changed "
                    + "on its own, without a broker call; send the other fields in another PATCH");
        }
        JsonNode value = body.get(SHARED);
        if (!value.isBoolean()) {
            throw new BadRequestException("field 'shared' must be true or false");
        }
        return value.asBoolean();
    }

    private static boolean hasOtherFields(ObjectNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals(SHARED) && !name.equals("id")) {
                return true;
            }
        }
        return false;
    }

    /** 400 unless {@code instance} may be shared ({@code wanted}) or unshared now. */
    void checkShare(ServiceInstance instance, boolean wanted, Optional<String> callerTenant) {
        String what = "service instance '" + instance.id() + "'";
        if (instance.isReference()) {
            throw new BadRequestException(what + " is a reference instance; only the instance it references can be "
                    + "shared");
        }
        ServicePlan plan = plan(instance.servicePlanId());
        if (!ReferencePlans.isShareable(plan)) {
            throw new BadRequestException("the plan '" + plan.name() + "' of " + what + " does not support instance "
                    + "sharing (catalog metadata '" + ReferencePlans.SHAREABLE + "')");
        }
        if (!instance.ready()) {
            throw new BadRequestException(what + " is not ready (" + InstancesApi.notReadyReason(instance)
                    + "); it can be " + (wanted ? "shared" : "unshared") + " once it is");
        }
        if (!wanted) {
            references.requireUnreferenced(instance, "unshared", BadRequestException::new, callerTenant);
        }
    }

    /**
     * The shared instance a new instance of {@code plan} references, or {@code null} when {@code plan}
     * is no reference plan; its parameters are the reference's, checked here and sent nowhere. Only a
     * shared instance of the tenant of {@code labels} (the new instance's) can be referenced.
     */
    String referenceFor(Plans.PlanOf plan, JsonNode parameters, Labels labels) {
        if (!ReferencePlans.isReferencePlan(plan.plan())) {
            return null;
        }
        return references.resolve(plan.offering().id(), parameters, labels).id();
    }

    /** 400 for a PATCH of a reference instance that changes more than its name and labels. */
    void checkUpdate(ServiceInstance current, ObjectNode body) {
        if (!current.isReference()) {
            return;
        }
        for (String field : new String[] {"service_plan_id", "parameters", "maintenance_info"}) {
            if (body.has(field)) {
                throw new BadRequestException("service instance '" + current.id() + "' is a reference instance, "
                        + "which is not updateable: field '" + field + "' cannot be given (only its name and "
                        + "labels can change)");
            }
        }
    }

    /** 400 when an instance is to move to the reference plan, or a shared one to a plan without sharing. */
    void checkPlanChange(ServiceInstance current, ServicePlan newPlan) {
        if (ReferencePlans.isReferencePlan(newPlan)) {
            throw new BadRequestException("an instance cannot move to plan '" + ReferencePlans.NAME + "'; create a "
                    + "reference instance instead");
        }
        if (current.shared() && !ReferencePlans.isShareable(newPlan)) {
            throw new BadRequestException("service instance '" + current.id() + "' is shared, and plan '"
                    + newPlan.name() + "' does not support instance sharing; unshare it first");
        }
    }

    /** 409 naming the references while a shared instance has any. */
    void checkDeletable(ServiceInstance instance, Optional<String> callerTenant) {
        if (instance.shared()) {
            references.requireUnreferenced(instance, "deleted", ExistingReferenceException::new, callerTenant);
        }
    }

    /**
     * 409 naming them when shared instances of the platform {@code platformId} have references: a
     * cascade delete of the platform would deprovision them at the broker under their references.
     */
    static void checkPlatformDeletable(Context ctx, String platformId, Optional<String> callerTenant) {
        References references = new References(ctx.store(), ctx.tenancy());
        for (ServiceInstance shared : ctx.store().repository(EntityTypes.SERVICE_INSTANCES).list(
                Query.fieldEquals("platform_id", platformId).and(Query.fieldEquals(SHARED, true)),
                PageRequest.unbounded()).items()) {
            references.requireUnreferenced(shared, "deleted with its platform '" + platformId + "'",
                    ExistingReferenceException::new, callerTenant);
        }
    }

    /** 400 for the parameters of a reference: it has none at any broker. */
    static void checkParameters(ServiceInstance instance) {
        if (instance.isReference()) {
            throw new BadRequestException("service instance '" + instance.id() + "' is a reference instance; it has "
                    + "no parameters at the broker (see the instance it references, '"
                    + instance.referencedInstanceId() + "')");
        }
    }

    /**
     * The plan a new binding of {@code instance} is made on at the broker: its own, or for a reference
     * the shared instance's (whose bindable counts; the reference plan says bindable for any), which
     * must still be shared, ready and of a shareable plan of the same offering (400 otherwise).
     */
    static Plans.PlanOf planAtBroker(Context ctx, ServiceInstance instance) {
        if (!instance.isReference()) {
            return Plans.ofInstance(ctx, instance);
        }
        // Checked again, not assumed: its plan may have lost sharing in a catalog change since.
        return Plans.ofInstance(ctx, new References(ctx.store(), ctx.tenancy()).sharedForBind(instance));
    }

    private ServicePlan plan(String planId) {
        return ctx.store().repository(EntityTypes.SERVICE_PLANS).getWithoutLabels(planId).orElseThrow(
                () -> new BadRequestException("service plan '" + planId + "' no longer exists"));
    }
}
