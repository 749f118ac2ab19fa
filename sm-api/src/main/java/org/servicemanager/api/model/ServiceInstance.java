package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A service instance that a platform created through the Service Manager. It is owned by that
 * platform: no other platform can see or change it. {@code ready} is false until its creation
 * succeeded; while an update runs, {@code pendingPlanId}/{@code pendingContext} hold the values
 * the update will apply when it succeeds.
 *
 * @param context        the OSB context the platform sent, as JSON text, or {@code null}
 * @param usable         whether the broker considers the instance usable
 * @param pendingPlanId  the plan an update in progress moves to, or {@code null}
 * @param pendingContext the context an update in progress sets, or {@code null}
 */
public record ServiceInstance(
        String id,
        String name,
        String servicePlanId,
        String platformId,
        String context,
        String dashboardUrl,
        boolean usable,
        LastOperation lastOperation,
        String pendingPlanId,
        String pendingContext,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public ServiceInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(servicePlanId, "servicePlanId");
        Objects.requireNonNull(platformId, "platformId");
        Objects.requireNonNull(lastOperation, "lastOperation");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public ServiceInstance withVersion(long newVersion) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, usable, lastOperation,
                pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, newVersion);
    }

    /** A copy after an operation step: state, readiness and the values that result. */
    public ServiceInstance with(String newPlanId, String newContext, String newDashboardUrl, boolean newUsable,
            LastOperation operation, String newPendingPlanId, String newPendingContext, boolean newReady,
            Instant now) {
        return new ServiceInstance(id, name, newPlanId, platformId, newContext, newDashboardUrl, newUsable, operation,
                newPendingPlanId, newPendingContext, labels, createdAt, now, newReady, version);
    }

    public ServiceInstance withLabels(Labels newLabels, Instant now) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, usable, lastOperation,
                pendingPlanId, pendingContext, newLabels, createdAt, now, ready, version);
    }
}
