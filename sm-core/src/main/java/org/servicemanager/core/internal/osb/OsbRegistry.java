package org.servicemanager.core.internal.osb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.registry.PlatformView;
import org.servicemanager.core.internal.revision.RevisionCache;

/**
 * The registry facts every OSB call is checked against (the broker, its services and plans, the
 * visibilities of the calling platform), read once per registry revision instead of several
 * store queries per call. Like the OSB catalog, it is kept in a {@link RevisionCache}, so a registry
 * change on this node is seen by the next call and one on another node within the revision's
 * polling interval. Bounded by rough bytes; an id that names nothing is not cached. Thread-safe.
 */
final class OsbRegistry {
    /** A plan of a broker, with its offering. */
    record PlanRef(ServiceOffering offering, ServicePlan plan) {
        boolean bindable() {
            return plan.bindable() != null ? plan.bindable() : offering.bindable();
        }

        boolean updateable() {
            return plan.planUpdateable() != null ? plan.planUpdateable() : offering.planUpdateable();
        }
    }

    /** A broker with its catalog, indexed the ways the checks look things up. */
    record BrokerView(ServiceBroker broker, Map<String, ServiceOffering> offeringsByCatalogId,
            Map<String, PlanRef> plansByCatalogIds, Map<String, PlanRef> plansById) {
        /** The plan with catalog id {@code planId} of the service with catalog id {@code serviceId}. */
        Optional<PlanRef> plan(String serviceId, String planId) {
            return Optional.ofNullable(plansByCatalogIds.get(catalogKey(serviceId, planId)));
        }
    }

    private static final Duration EXPIRY = Duration.ofMinutes(1);
    private static final long MAX_BYTES = 64L * 1024 * 1024;
    /** Rough bytes per entity beyond its JSON strings, for weighing entries. */
    private static final int ENTITY_OVERHEAD = 256;

    private final Context ctx;
    private final RevisionCache<String, BrokerView> brokers;
    /** Per platform: its visibilities and the public ones, by plan id. */
    private final RevisionCache<String, Map<String, List<Visibility>>> visibilities;

    OsbRegistry(Context ctx) {
        this.ctx = ctx;
        this.brokers = new RevisionCache<>("osb.brokers", ctx.revision(), MAX_BYTES, OsbRegistry::weight, EXPIRY);
        this.visibilities = new RevisionCache<>("osb.visibilities", ctx.revision(), MAX_BYTES, byPlan -> byPlan.values().stream()
                .mapToInt(list -> list.size() * ENTITY_OVERHEAD).sum() + ENTITY_OVERHEAD, EXPIRY);
    }

    Optional<BrokerView> broker(String brokerId) {
        return Optional.ofNullable(brokers.get(brokerId, () -> readBroker(brokerId)));
    }

    /** The visibilities that apply to a plan for a platform: its own and the public ones. */
    List<Visibility> visibilities(String platformId, String planId) {
        return visibilities.get(platformId, () -> readVisibilities(platformId)).getOrDefault(planId, List.of());
    }

    private static int weight(BrokerView view) {
        long bytes = ENTITY_OVERHEAD;
        for (ServiceOffering o : view.offeringsByCatalogId().values()) {
            bytes += ENTITY_OVERHEAD + length(o.catalogJson());
        }
        for (PlanRef ref : view.plansById().values()) {
            bytes += ENTITY_OVERHEAD + length(ref.plan().catalogJson()) + length(ref.plan().schemas())
                    + length(ref.plan().metadata());
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** The broker's view, or {@code null} if there is no such broker. */
    private BrokerView readBroker(String brokerId) {
        Optional<ServiceBroker> broker = ctx.store().repository(EntityTypes.SERVICE_BROKERS).get(brokerId);
        if (broker.isEmpty()) {
            return null;
        }
        Map<String, ServiceOffering> offeringsById = new HashMap<>();
        Map<String, ServiceOffering> offeringsByCatalogId = new HashMap<>();
        for (ServiceOffering o : ctx.store().repository(EntityTypes.SERVICE_OFFERINGS)
                .list(Query.fieldEquals("broker_id", brokerId), PageRequest.unbounded()).items()) {
            offeringsById.put(o.id(), o);
            offeringsByCatalogId.put(o.catalogId(), o);
        }
        Map<String, PlanRef> byCatalogIds = new HashMap<>();
        Map<String, PlanRef> byId = new HashMap<>();
        if (!offeringsById.isEmpty()) {
            Query plans = Query.of(new Criterion.FieldCriterion("service_offering_id", Operator.IN,
                    new ArrayList<Object>(offeringsById.keySet())));
            for (ServicePlan p : ctx.store().repository(EntityTypes.SERVICE_PLANS)
                    .list(plans, PageRequest.unbounded()).items()) {
                ServiceOffering offering = offeringsById.get(p.serviceOfferingId());
                PlanRef ref = new PlanRef(offering, p);
                byCatalogIds.put(catalogKey(offering.catalogId(), p.catalogId()), ref);
                byId.put(p.id(), ref);
            }
        }
        return new BrokerView(broker.get(), Map.copyOf(offeringsByCatalogId), Map.copyOf(byCatalogIds),
                Map.copyOf(byId));
    }

    private Map<String, List<Visibility>> readVisibilities(String platformId) {
        Map<String, List<Visibility>> byPlan = new HashMap<>();
        for (Visibility v : ctx.store().repository(EntityTypes.VISIBILITIES)
                .list(PlatformView.visibilitiesOf(platformId), PageRequest.unbounded()).items()) {
            byPlan.computeIfAbsent(v.servicePlanId(), k -> new ArrayList<>()).add(v);
        }
        return byPlan;
    }

    /** Catalog ids are the broker's strings: any character may appear, so the key carries a length. */
    private static String catalogKey(String serviceId, String planId) {
        return serviceId.length() + ":" + serviceId + planId;
    }
}
