package org.servicemanager.core.internal.registry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.tenancy.Tenancy;

/**
 * The catalog a tenant may use: the brokers that are global or its own, their offerings and plans.
 * Brokers are few (each is a registered service broker), so they are read whole and judged by
 * {@link Tenancy#mayUse}; offerings and plans then follow by indexed id lists. Stateless; thread-safe.
 */
final class TenantPlans {
    private TenantPlans() {
    }

    static Set<String> brokerIds(Store store, Tenancy tenancy, String tenant) {
        Set<String> ids = new HashSet<>();
        for (ServiceBroker broker : store.repository(EntityTypes.SERVICE_BROKERS).list(Query.all(),
                PageRequest.unbounded()).items()) {
            if (tenancy.mayUse(Optional.of(tenant), broker)) {
                ids.add(broker.id());
            }
        }
        return ids;
    }

    static Set<String> offeringIds(Store store, Tenancy tenancy, String tenant) {
        Set<String> brokers = brokerIds(store, tenancy, tenant);
        Set<String> ids = new HashSet<>();
        if (!brokers.isEmpty()) {
            for (ServiceOffering o : store.repository(EntityTypes.SERVICE_OFFERINGS).list(Query.of(
                    new Criterion.FieldCriterion("broker_id", Operator.IN, new ArrayList<>(brokers))),
                    PageRequest.unbounded()).items()) {
                ids.add(o.id());
            }
        }
        return ids;
    }

    /**
     * The broker of plan {@code planId}, read by primary keys (plan, offering, broker): what a
     * check of one plan needs, instead of every usable plan. Empty when any of them is gone.
     */
    static Optional<ServiceBroker> brokerOfPlan(Store store, String planId) {
        return store.repository(EntityTypes.SERVICE_PLANS).getWithoutLabels(planId)
                .flatMap(plan -> store.repository(EntityTypes.SERVICE_OFFERINGS)
                        .getWithoutLabels(plan.serviceOfferingId()))
                .flatMap(offering -> store.repository(EntityTypes.SERVICE_BROKERS).get(offering.brokerId()));
    }

    /** Whether {@code tenant} may use plan {@code planId}: it exists and its broker is global or the tenant's. */
    static boolean mayUsePlan(Store store, Tenancy tenancy, String tenant, String planId) {
        return brokerOfPlan(store, planId).filter(broker -> tenancy.mayUse(Optional.of(tenant), broker)).isPresent();
    }

    static Set<String> planIds(Store store, Tenancy tenancy, String tenant) {
        Set<String> offerings = offeringIds(store, tenancy, tenant);
        Set<String> ids = new HashSet<>();
        if (!offerings.isEmpty()) {
            List<Object> list = new ArrayList<>(offerings);
            for (ServicePlan p : store.repository(EntityTypes.SERVICE_PLANS).list(Query.of(
                    new Criterion.FieldCriterion("service_offering_id", Operator.IN, list)),
                    PageRequest.unbounded()).items()) {
                ids.add(p.id());
            }
        }
        return ids;
    }
}
