package org.servicemanager.core.internal.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.sharing.ReferencePlans;

/**
 * Makes the stored offerings and plans of a broker match its catalog. The catalog id is the only
 * key: an offering or plan whose catalog id remains keeps its Service Manager id, labels and
 * visibilities, even when a plan moves to another offering; new ones are added; vanished ones are
 * deleted with their visibilities (a dependent that restricts deletion aborts the whole sync). An
 * offering with a shareable plan gets the {@link ReferencePlans reference plan} too.
 * Runs inside the caller's transaction.
 */
public final class CatalogSync {
    private CatalogSync() {
    }

    public static void apply(Store tx, String brokerId, Catalog catalog, Instant now) {
        Repository<ServiceOffering> offerings = tx.repository(EntityTypes.SERVICE_OFFERINGS);
        Repository<ServicePlan> plans = tx.repository(EntityTypes.SERVICE_PLANS);
        Map<String, ServiceOffering> oldOfferings = new HashMap<>();
        offerings.list(Query.fieldEquals("broker_id", brokerId), PageRequest.unbounded()).items()
                .forEach(o -> oldOfferings.put(o.catalogId(), o));
        Map<String, ServicePlan> oldPlans = new HashMap<>();
        if (!oldOfferings.isEmpty()) {
            List<Object> offeringIds = new ArrayList<>();
            oldOfferings.values().forEach(o -> offeringIds.add(o.id()));
            plans.list(Query.of(new Criterion.FieldCriterion("service_offering_id", Operator.IN, offeringIds)),
                    PageRequest.unbounded()).items().forEach(p -> oldPlans.put(p.catalogId(), p));
        }

        for (Catalog.Offering spec : catalog.offerings()) {
            ServiceOffering old = oldOfferings.remove(spec.catalogId());
            ServiceOffering offering = upsert(offerings, old, toOffering(spec, brokerId, old, now));
            boolean shareable = spec.plans().stream().anyMatch(p -> ReferencePlans.isShareable(p.metadata()));
            if (shareable) {
                ReferencePlans.checkNoClash(spec.name(), offering.id(), spec.plans().stream()
                        .map(Catalog.Plan::name).toList(), spec.plans().stream().map(Catalog.Plan::catalogId).toList());
            }
            for (Catalog.Plan planSpec : spec.plans()) {
                ServicePlan oldPlan = oldPlans.remove(planSpec.catalogId());
                upsert(plans, oldPlan, toPlan(planSpec, offering.id(), oldPlan, now));
            }
            if (shareable) {
                // Kept like a broker plan (id, labels, visibilities); left in oldPlans, it goes with the
                // last shareable plan, which the store refuses while reference instances use it.
                ServicePlan oldReference = oldPlans.remove(ReferencePlans.catalogId(offering.id()));
                upsert(plans, oldReference, ReferencePlans.plan(offering, oldReference, now));
            }
        }
        oldPlans.values().forEach(p -> plans.delete(p.id()));
        oldOfferings.values().forEach(o -> offerings.delete(o.id()));
    }

    /** Creates, or updates only when something but the timestamp changed. */
    private static <T extends org.servicemanager.api.model.Entity> T upsert(Repository<T> repo, T old, T fresh) {
        if (old == null) {
            return repo.create(fresh);
        }
        return sameContent(old, fresh) ? old : repo.update(fresh);
    }

    private static boolean sameContent(Object old, Object fresh) {
        if (old instanceof ServiceOffering o && fresh instanceof ServiceOffering f) {
            return o.equals(new ServiceOffering(f.id(), f.name(), f.description(), f.bindable(),
                    f.instancesRetrievable(), f.bindingsRetrievable(), f.planUpdateable(), f.allowContextUpdates(),
                    f.tags(), f.requires(), f.metadata(), f.catalogId(), f.catalogName(), f.brokerId(),
                    f.catalogJson(), f.labels(), f.createdAt(), o.updatedAt(), f.ready(), f.version()));
        }
        if (old instanceof ServicePlan o && fresh instanceof ServicePlan f) {
            return o.equals(new ServicePlan(f.id(), f.name(), f.description(), f.catalogId(), f.catalogName(),
                    f.free(), f.bindable(), f.planUpdateable(), f.maximumPollingDuration(), f.maintenanceInfo(),
                    f.metadata(), f.schemas(), f.serviceOfferingId(), f.catalogJson(), f.labels(), f.createdAt(),
                    o.updatedAt(), f.ready(), f.version()));
        }
        return false;
    }

    private static ServiceOffering toOffering(Catalog.Offering s, String brokerId, ServiceOffering old, Instant now) {
        return new ServiceOffering(old == null ? UUID.randomUUID().toString() : old.id(), s.name(), s.description(),
                s.bindable(), s.instancesRetrievable(), s.bindingsRetrievable(), s.planUpdateable(),
                s.allowContextUpdates(), s.tags(), s.requires(), s.metadata(), s.catalogId(), s.name(), brokerId,
                s.catalogJson(), old == null ? Labels.empty() : old.labels(), old == null ? now : old.createdAt(),
                now, true, old == null ? 0 : old.version());
    }

    private static ServicePlan toPlan(Catalog.Plan s, String offeringId, ServicePlan old, Instant now) {
        return new ServicePlan(old == null ? UUID.randomUUID().toString() : old.id(), s.name(), s.description(),
                s.catalogId(), s.name(), s.free(), s.bindable(), s.planUpdateable(), s.maximumPollingDuration(),
                s.maintenanceInfo(), s.metadata(), s.schemas(), offeringId, s.catalogJson(),
                old == null ? Labels.empty() : old.labels(), old == null ? now : old.createdAt(), now, true,
                old == null ? 0 : old.version());
    }
}
