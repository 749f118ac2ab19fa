package org.servicemanager.core.internal.registry;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.servicemanager.core.internal.tenancy.Tenancy;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;

/**
 * What a platform may see: the plans with a visibility for it or for every platform, the offerings
 * of those plans, and the brokers of those offerings.
 */
public final class PlatformView {
    /** The visibility label that scopes a plan to Cloud Foundry organizations. */
    public static final String ORG_LABEL = "organization_guid";

    private final Store store;
    private final Tenancy tenancy;

    public PlatformView(Store store, Tenancy tenancy) {
        this.store = store;
        this.tenancy = tenancy;
    }

    /** Visibilities for this platform or for all platforms ({@code platform_id en P}). */
    public static Query visibilitiesOf(String platformId) {
        return Query.of(new Criterion.FieldCriterion("platform_id", Operator.EN, List.of(platformId)));
    }

    /**
     * The plans visible to the platform; with multitenancy on, a platform of a tenant sees only
     * plans of global brokers and of its own tenant's brokers, whatever visibilities say.
     */
    public Set<String> planIds(String platformId) {
        Set<String> ids = new HashSet<>();
        for (Visibility v : store.repository(EntityTypes.VISIBILITIES)
                .list(visibilitiesOf(platformId), PageRequest.unbounded()).items()) {
            ids.add(v.servicePlanId());
        }
        if (tenancy.enabled() && !ids.isEmpty()) {
            Optional<String> tenant = store.repository(EntityTypes.PLATFORMS).get(platformId)
                    .flatMap(p -> tenancy.tenantOf(p.labels()));
            if (tenant.isPresent()) {
                ids.retainAll(TenantPlans.planIds(store, tenancy, tenant.get()));
            }
        }
        return ids;
    }

    /**
     * The brokers the platform's tenant may use (global ones and its own); empty when it may use
     * every broker: a global platform, or multitenancy off (no read then). None for a platform
     * that no longer exists.
     */
    public Optional<Set<String>> usableBrokerIds(String platformId) {
        if (!tenancy.enabled()) {
            return Optional.empty();
        }
        Optional<Platform> platform = store.repository(EntityTypes.PLATFORMS).get(platformId);
        if (platform.isEmpty()) {
            return Optional.of(Set.of()); // deleted: its streams are closing, and get nothing meanwhile
        }
        return tenancy.tenantOf(platform.get().labels()).map(tenant -> TenantPlans.brokerIds(store, tenancy, tenant));
    }

    public Set<String> offeringIds(String platformId) {
        Scope plans = Scope.fieldIn("id", planIds(platformId));
        Set<String> ids = new HashSet<>();
        if (!plans.nothing()) {
            for (ServicePlan p : store.repository(EntityTypes.SERVICE_PLANS)
                    .list(plans.query(), PageRequest.unbounded()).items()) {
                ids.add(p.serviceOfferingId());
            }
        }
        return ids;
    }

    public Set<String> brokerIds(String platformId) {
        Scope offerings = Scope.fieldIn("id", offeringIds(platformId));
        Set<String> ids = new HashSet<>();
        if (!offerings.nothing()) {
            for (ServiceOffering o : store.repository(EntityTypes.SERVICE_OFFERINGS)
                    .list(offerings.query(), PageRequest.unbounded()).items()) {
                ids.add(o.brokerId());
            }
        }
        return ids;
    }

    /**
     * Whether a visibility of a plan makes it visible to a call. Scoped {@code byOrg} (a Cloud
     * Foundry call), a visibility labelled with {@code organization_guid} values counts only for
     * those organizations, and for none when the call names no {@code org}; a visibility without
     * that label counts for all.
     */
    public static boolean grants(Visibility v, boolean byOrg, String org) {
        return !byOrg || !v.labels().containsKey(ORG_LABEL) || (org != null && v.labels().get(ORG_LABEL).contains(org));
    }
}
