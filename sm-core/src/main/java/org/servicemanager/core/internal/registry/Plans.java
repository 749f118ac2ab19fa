package org.servicemanager.core.internal.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.json.Json;

/**
 * What the instance and binding API needs to know of plans and offerings: resolving a plan by
 * names, its offering, whether the Service Manager platform may use it, and the plan-level
 * settings that override the offering's. Stateless; thread-safe.
 */
final class Plans {
    /** Enough for any real catalog; a name shared by more plans than this is ambiguous anyway. */
    private static final int MAX_CANDIDATES = 100;

    private Plans() {
    }

    /** A plan and its offering as read for checks: their labels are not read (empty). */
    record PlanOf(ServicePlan plan, ServiceOffering offering) {
        boolean bindable() {
            return plan.bindable() != null ? plan.bindable() : offering.bindable();
        }

        boolean planUpdateable() {
            return plan.planUpdateable() != null ? plan.planUpdateable() : offering.planUpdateable();
        }
    }

    /** The plan {@code id} named by body field {@code field}, or 400 naming it. */
    static PlanOf byId(Context ctx, String id, String field) {
        // The checks made with a plan and its offering never look at their labels: not read.
        ServicePlan plan = ctx.store().repository(EntityTypes.SERVICE_PLANS).getWithoutLabels(id).orElseThrow(
                () -> new BadRequestException("service plan '" + id + "' (" + field + ") does not exist"));
        return new PlanOf(plan, offering(ctx, plan));
    }

    /** The plan of an existing instance. */
    static PlanOf ofInstance(Context ctx, ServiceInstance instance) {
        return byId(ctx, instance.servicePlanId(), "service_plan_id");
    }

    private static ServiceOffering offering(Context ctx, ServicePlan plan) {
        return ctx.store().repository(EntityTypes.SERVICE_OFFERINGS).getWithoutLabels(plan.serviceOfferingId())
                .orElseThrow(
                () -> new BadRequestException("service offering '" + plan.serviceOfferingId() + "' of service plan '"
                        + plan.id() + "' does not exist"));
    }

    /**
     * The one plan named {@code planName} of an offering named {@code offeringName} (of the broker
     * named {@code brokerName}, if given); 400 when none or several match, naming the candidates.
     * For a tenant's caller only the brokers it may use count (global ones and its own), so that
     * another tenant's broker of the same names neither makes the names ambiguous nor is named.
     */
    static PlanOf byNames(Context ctx, Optional<String> tenant, String offeringName, String planName,
            String brokerName) {
        Query offeringQuery = Query.fieldEquals("name", offeringName);
        String where = "service offering '" + offeringName + "'";
        Set<String> usable = tenant.map(t -> TenantPlans.brokerIds(ctx.store(), ctx.tenancy(), t)).orElse(null);
        if (usable != null && usable.isEmpty()) {
            throw new BadRequestException("there is no " + where + " (service_offering_name)");
        }
        if (usable != null) {
            offeringQuery = offeringQuery.and(Query.of(new Criterion.FieldCriterion("broker_id", Operator.IN,
                    new ArrayList<>(usable))));
        }
        if (brokerName != null) {
            List<ServiceBroker> brokers = ctx.store().repository(EntityTypes.SERVICE_BROKERS)
                    .list(Query.fieldEquals("name", brokerName), PageRequest.first(1)).items().stream()
                    .filter(broker -> usable == null || usable.contains(broker.id())).toList();
            if (brokers.isEmpty()) {
                throw new BadRequestException("service broker '" + brokerName + "' (broker_name) does not exist");
            }
            offeringQuery = offeringQuery.and(Query.fieldEquals("broker_id", brokers.get(0).id()));
            where += " of service broker '" + brokerName + "'";
        }
        List<ServiceOffering> offerings = ctx.store().repository(EntityTypes.SERVICE_OFFERINGS)
                .list(offeringQuery, PageRequest.first(MAX_CANDIDATES)).items();
        if (offerings.isEmpty()) {
            throw new BadRequestException("there is no " + where + " (service_offering_name)");
        }
        List<Object> offeringIds = new ArrayList<>(offerings.stream().map(ServiceOffering::id).toList());
        List<ServicePlan> plans = ctx.store().repository(EntityTypes.SERVICE_PLANS).list(Query.fieldEquals("name",
                planName).and(Query.of(new Criterion.FieldCriterion("service_offering_id", Operator.IN, offeringIds))),
                PageRequest.first(MAX_CANDIDATES)).items();
        if (plans.isEmpty()) {
            throw new BadRequestException("there is no service plan '" + planName + "' (service_plan_name) of "
                    + where);
        }
        if (plans.size() > 1) {
            List<String> candidates = new ArrayList<>();
            for (ServicePlan plan : plans) {
                ServiceOffering offering = offerings.stream().filter(o -> o.id().equals(plan.serviceOfferingId()))
                        .findFirst().orElseThrow();
                String broker = ctx.store().repository(EntityTypes.SERVICE_BROKERS).get(offering.brokerId())
                        .map(ServiceBroker::name).orElse(offering.brokerId());
                candidates.add("'" + plan.id() + "' of service broker '" + broker + "'");
            }
            throw new BadRequestException("service plan '" + planName + "' of " + where + " is ambiguous: "
                    + String.join(", ", candidates) + "; give broker_name or service_plan_id");
        }
        ServicePlan plan = plans.get(0);
        return new PlanOf(plan, offerings.stream().filter(o -> o.id().equals(plan.serviceOfferingId())).findFirst()
                .orElseThrow());
    }

    /** 400 unless a public visibility or one for the {@code service-manager} platform exists for the plan. */
    static void checkVisibleToServiceManager(Context ctx, ServicePlan plan) {
        // One query for exactly the visibilities that count ("en": equal, or null = public), so that a
        // plan with many visibilities for other platforms is judged by all of them, not by a first page.
        boolean visible = ctx.store().repository(EntityTypes.VISIBILITIES).count(Query.fieldEquals("service_plan_id",
                plan.id()).and(Query.of(new Criterion.FieldCriterion("platform_id", Operator.EN,
                        List.of(Platform.SERVICE_MANAGER_ID))))) > 0;
        if (!visible) {
            throw new BadRequestException("service plan '" + plan.id() + "' (" + plan.name()
                    + ") is not visible to the platform '" + Platform.SERVICE_MANAGER_ID
                    + "'; create a visibility for it (public, or with platform_id '" + Platform.SERVICE_MANAGER_ID
                    + "')");
        }
    }

    /** The OSB context of what the Service Manager creates as a platform, as JSON text. */
    static String context(String instanceName) {
        return Json.text(Json.object().put("platform", Platform.SERVICE_MANAGER_ID).put("instance_name",
                instanceName));
    }
}
