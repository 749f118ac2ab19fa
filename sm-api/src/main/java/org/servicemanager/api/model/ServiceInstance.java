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
 * @param maintenanceInfo the plan's maintenance info the instance is at, as JSON text, or {@code null}
 * @param usable         whether the broker considers the instance usable
 * @param pendingPlanId  the plan an update in progress moves to, or {@code null}
 * @param pendingContext the context an update in progress sets, or {@code null}
 * @param shared         whether other platforms may reference the instance (its plan supports
 *                       instance sharing and an administrator shared it)
 * @param referencedInstanceId for a reference instance, the shared instance it stands for (bindings
 *                       of the reference are made at the broker against that one); else {@code null}
 */
public record ServiceInstance(
        String id,
        String name,
        String servicePlanId,
        String platformId,
        String context,
        String dashboardUrl,
        String maintenanceInfo,
        boolean usable,
        LastOperation lastOperation,
        String pendingPlanId,
        String pendingContext,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version,
        boolean shared,
        String referencedInstanceId) implements Entity {

    /** An instance that is neither shared nor a reference, as every instance was before sharing existed. */
    public ServiceInstance(String id, String name, String servicePlanId, String platformId, String context,
            String dashboardUrl, String maintenanceInfo, boolean usable, LastOperation lastOperation,
            String pendingPlanId, String pendingContext, Labels labels, Instant createdAt, Instant updatedAt,
            boolean ready, long version) {
        this(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable, lastOperation,
                pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, version, false, null);
    }

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
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable, lastOperation,
                pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, newVersion, shared, referencedInstanceId);
    }

    // Named changes. Each returns a copy with one aspect changed; only withOperation and
    // withLabels move updatedAt, because every step of an operation records its operation.

    /** A copy with {@code operation} as the latest operation, updated at {@code now}. */
    public ServiceInstance withOperation(LastOperation operation, Instant now) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(now, "now");
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable, operation,
                pendingPlanId, pendingContext, labels, createdAt, now, ready, version, shared, referencedInstanceId);
    }

    /** A copy on plan {@code planId} with {@code newContext} (JSON text or {@code null}). */
    public ServiceInstance withPlan(String planId, String newContext) {
        Objects.requireNonNull(planId, "planId");
        return new ServiceInstance(id, name, planId, platformId, newContext, dashboardUrl, maintenanceInfo, usable, lastOperation,
                pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, version, shared, referencedInstanceId);
    }

    /** A copy with the broker's dashboard URL; {@code null} (the broker sent none) keeps the current one. */
    public ServiceInstance withDashboardUrl(String url) {
        return url == null ? this : new ServiceInstance(id, name, servicePlanId, platformId, context, url, maintenanceInfo, usable,
                lastOperation, pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, version, shared, referencedInstanceId);
    }

    /** A copy with the broker's {@code instance_usable}. */
    public ServiceInstance withUsable(boolean newUsable) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, newUsable,
                lastOperation, pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, version, shared, referencedInstanceId);
    }

    /** A copy holding the plan and context an update in progress moves to ({@code null}: unchanged). */
    public ServiceInstance withPending(String planId, String newContext) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable, lastOperation,
                planId, newContext, labels, createdAt, updatedAt, ready, version, shared, referencedInstanceId);
    }

    /** A copy without pending values: the update ended, whichever way. */
    public ServiceInstance withoutPending() {
        return withPending(null, null);
    }

    /** A copy where the pending plan and context (if any) became the instance's own: the update succeeded. */
    public ServiceInstance withPendingApplied() {
        return withPlan(pendingPlanId != null ? pendingPlanId : servicePlanId,
                pendingContext != null ? pendingContext : context).withoutPending();
    }

    /** A copy that is ready: its creation succeeded. */
    public ServiceInstance asReady() {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable, lastOperation,
                pendingPlanId, pendingContext, labels, createdAt, updatedAt, true, version, shared, referencedInstanceId);
    }

    /** A copy named {@code newName}. */
    public ServiceInstance withName(String newName) {
        return new ServiceInstance(id, newName, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo,
                usable, lastOperation, pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, version, shared, referencedInstanceId);
    }

    /** A copy at maintenance info {@code info} (JSON text or {@code null}). */
    public ServiceInstance withMaintenanceInfo(String info) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, info, usable,
                lastOperation, pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, version, shared, referencedInstanceId);
    }

    public ServiceInstance withLabels(Labels newLabels, Instant now) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable, lastOperation,
                pendingPlanId, pendingContext, newLabels, createdAt, now, ready, version, shared, referencedInstanceId);
    }

    /** A copy that is shared ({@code true}) or not; no broker takes part, so updatedAt is the caller's. */
    public ServiceInstance withShared(boolean newShared, Instant now) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable,
                lastOperation, pendingPlanId, pendingContext, labels, createdAt, now, ready, version, newShared,
                referencedInstanceId);
    }

    /** A copy that references the shared instance {@code sharedId} ({@code null}: references nothing). */
    public ServiceInstance withReferencedInstanceId(String sharedId) {
        return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable,
                lastOperation, pendingPlanId, pendingContext, labels, createdAt, updatedAt, ready, version, shared,
                sharedId);
    }

    /** Whether this is a reference instance: it stands for a shared instance and has none at the broker. */
    public boolean isReference() {
        return referencedInstanceId != null;
    }
}
