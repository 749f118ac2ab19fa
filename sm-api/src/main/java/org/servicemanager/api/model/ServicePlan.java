package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A plan of a service offering. {@code bindable} and {@code planUpdateable} are {@code null} when
 * the catalog leaves them to the offering. JSON-valued fields are JSON text or {@code null}.
 *
 * @param catalogJson the plan's catalog entry as the broker sent it
 */
public record ServicePlan(
        String id,
        String name,
        String description,
        String catalogId,
        String catalogName,
        boolean free,
        Boolean bindable,
        Boolean planUpdateable,
        Integer maximumPollingDuration,
        String maintenanceInfo,
        String metadata,
        String schemas,
        String serviceOfferingId,
        String catalogJson,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public ServicePlan {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(catalogId, "catalogId");
        Objects.requireNonNull(serviceOfferingId, "serviceOfferingId");
        Objects.requireNonNull(labels, "labels");
    }

    public ServicePlan withVersion(long newVersion) {
        return new ServicePlan(id, name, description, catalogId, catalogName, free, bindable, planUpdateable,
                maximumPollingDuration, maintenanceInfo, metadata, schemas, serviceOfferingId, catalogJson, labels,
                createdAt, updatedAt, ready, newVersion);
    }

    public ServicePlan withLabels(Labels newLabels, Instant now) {
        return new ServicePlan(id, name, description, catalogId, catalogName, free, bindable, planUpdateable,
                maximumPollingDuration, maintenanceInfo, metadata, schemas, serviceOfferingId, catalogJson, newLabels,
                createdAt, now, ready, version);
    }
}
