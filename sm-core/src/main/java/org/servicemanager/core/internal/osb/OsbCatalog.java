package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.registry.PlatformView;

/**
 * A broker's catalog as one platform sees it: only the plans visible to the platform, offerings
 * left without plans dropped, each entry as the broker sent it. Built from storage (the broker is
 * not called) and cached per (broker, platform, registry revision), so any registry change makes
 * older entries unreachable at once. Thread-safe.
 */
final class OsbCatalog {
    private record Key(String brokerId, String platformId, long revision) {
    }

    private final Context ctx;
    /**
     * Bounded by bytes, not entries: catalogs can be large. Other nodes' writes reach the key through
     * the store's change revision (see {@code Revision}). Entries also expire a minute after they
     * were built, which bounds staleness for writes this node cannot see (the host writing through
     * {@code store()} directly to a store that is not clustered).
     */
    private final Cache<Key, byte[]> cache = Caffeine.newBuilder()
            .maximumWeight(64L * 1024 * 1024)
            .weigher((Key key, byte[] value) -> value.length)
            .expireAfterWrite(Duration.ofMinutes(1))
            .build();

    OsbCatalog(Context ctx) {
        this.ctx = ctx;
    }

    byte[] catalog(String brokerId, String platformId) {
        return cache.get(new Key(brokerId, platformId, ctx.revision().current()),
                key -> Json.bytes(build(brokerId, platformId)));
    }

    private ObjectNode build(String brokerId, String platformId) {
        Set<String> visiblePlans = new PlatformView(ctx.store()).planIds(platformId);
        List<ServiceOffering> offerings = ctx.store().repository(EntityTypes.SERVICE_OFFERINGS)
                .list(Query.fieldEquals("broker_id", brokerId), PageRequest.unbounded()).items();
        Map<String, List<ServicePlan>> plansByOffering = new HashMap<>();
        if (!offerings.isEmpty() && !visiblePlans.isEmpty()) {
            List<Object> offeringIds = new ArrayList<>();
            offerings.forEach(o -> offeringIds.add(o.id()));
            Query plans = Query.of(new Criterion.FieldCriterion("service_offering_id", Operator.IN, offeringIds),
                    new Criterion.FieldCriterion("id", Operator.IN, new ArrayList<>(visiblePlans)));
            for (ServicePlan plan : ctx.store().repository(EntityTypes.SERVICE_PLANS)
                    .list(plans, PageRequest.unbounded()).items()) {
                plansByOffering.computeIfAbsent(plan.serviceOfferingId(), k -> new ArrayList<>()).add(plan);
            }
        }
        ObjectNode root = Json.object();
        ArrayNode services = root.putArray("services");
        for (ServiceOffering offering : offerings) {
            List<ServicePlan> plans = plansByOffering.get(offering.id());
            if (plans == null) {
                continue;
            }
            ObjectNode service = (ObjectNode) Json.readTrusted(offering.catalogJson());
            ArrayNode planNodes = service.putArray("plans");
            plans.forEach(p -> planNodes.add(Json.readTrusted(p.catalogJson())));
            services.add(service);
        }
        return root;
    }
}
