package org.servicemanager.proxy;

import java.util.Objects;

/**
 * A plan of a registered broker as the platform knows it. Immutable.
 *
 * @param catalogPlanId the plan's id in the broker's catalog (the Service Manager's {@code catalog_id})
 * @param name          the plan's name in the catalog
 * @param access        who may use it now
 */
public record PlatformPlan(String catalogPlanId, String name, PlanAccess access) {
    public PlatformPlan {
        Objects.requireNonNull(catalogPlanId, "catalogPlanId");
        Objects.requireNonNull(access, "access");
    }
}
