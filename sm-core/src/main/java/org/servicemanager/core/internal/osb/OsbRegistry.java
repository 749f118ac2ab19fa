package org.servicemanager.core.internal.osb;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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

/**
 * The registry facts every OSB call is checked against (the broker, its services and plans, the
 * visibilities of the calling platform), read once per registry revision instead of several
 * store queries per call. Like the OSB catalog, what is read is tagged with the registry revision
 * and read again once that has moved on, so a registry change on this node is seen by the next
 * call and one on another node within the revision's polling interval; entries also expire a
 * minute after they were read, for writes made around the Service Manager. Thread-safe.
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

    /** What was read at a registry revision. */
    private record Entry<T>(long revision, T value) {
    }

    private static final Duration EXPIRY = Duration.ofMinutes(1);
    /** Rough bytes per entity beyond its JSON strings, for weighing entries. */
    private static final int ENTITY_OVERHEAD = 256;

    private final Context ctx;
    /**
     * One entry per broker and one per platform, replaced when the revision has moved on, so
     * registry writes leave no stale copies behind. Bounded by rough bytes, like the OSB catalog.
     * An id that names nothing is not cached, so unknown ids cannot crowd out known ones.
     */
    private final Cache<String, Entry<BrokerView>> brokers = Caffeine.newBuilder()
            .maximumWeight(64L * 1024 * 1024)
            .weigher((String id, Entry<BrokerView> entry) -> weight(entry.value()))
            .expireAfterWrite(EXPIRY)
            .build();
    /** Per platform: its visibilities and the public ones, by plan id. */
    private final Cache<String, Entry<Map<String, List<Visibility>>>> visibilities = Caffeine.newBuilder()
            .maximumWeight(64L * 1024 * 1024)
            .weigher((String id, Entry<Map<String, List<Visibility>>> entry) -> entry.value().values().stream()
                    .mapToInt(list -> list.size() * ENTITY_OVERHEAD).sum() + ENTITY_OVERHEAD)
            .expireAfterWrite(EXPIRY)
            .build();

    OsbRegistry(Context ctx) {
        this.ctx = ctx;
    }

    Optional<BrokerView> broker(String brokerId) {
        return Optional.ofNullable(current(brokers, brokerId, () -> readBroker(brokerId)));
    }

    /** The visibilities that apply to a plan for a platform: its own and the public ones. */
    List<Visibility> visibilities(String platformId, String planId) {
        return current(visibilities, platformId, () -> readVisibilities(platformId)).getOrDefault(planId, List.of());
    }

    /** The cached value if it was read at the current revision, else a fresh read (cached unless null). */
    private <T> T current(Cache<String, Entry<T>> cache, String id, java.util.function.Supplier<T> read) {
        long revision = ctx.revision().current();
        Entry<T> entry = cache.getIfPresent(id);
        if (entry != null && entry.revision() == revision) {
            return entry.value();
        }
        T value = read.get();
        if (value == null) {
            cache.invalidate(id);
        } else {
            cache.put(id, new Entry<>(revision, value));
        }
        return value;
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
