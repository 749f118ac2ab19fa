package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.servicemanager.core.internal.revision.RevisionCache;

/**
 * A broker's catalog as one platform sees it: only the plans visible to the platform, offerings
 * left without plans dropped, each entry as the broker sent it. Built from storage (the broker is
 * not called) and cached per (broker, platform) in a {@link RevisionCache}, so any registry change
 * is seen by the next request. Thread-safe.
 */
final class OsbCatalog {
    private record Key(String brokerId, String platformId) {
    }

    private final Context ctx;
    /**
     * Bounded by bytes, not entries: catalogs can be large. Other nodes' writes reach it through the
     * store's change revision (see {@code Revision}). Entries also expire a minute after they were
     * built, which bounds staleness for writes this node cannot see (the host writing through
     * {@code store()} directly to a store that is not clustered).
     */
    private final RevisionCache<Key, byte[]> cache;

    OsbCatalog(Context ctx) {
        this.ctx = ctx;
        this.cache = new RevisionCache<>("osb.catalog", ctx.revision(), 64L * 1024 * 1024, value -> value.length,
                Duration.ofMinutes(1));
    }

    byte[] catalog(String brokerId, String platformId) {
        return cache.get(new Key(brokerId, platformId), () -> Json.bytes(build(brokerId, platformId)));
    }

    private ObjectNode build(String brokerId, String platformId) {
        Set<String> visiblePlans = new PlatformView(ctx.store(), ctx.tenancy()).planIds(platformId);
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
