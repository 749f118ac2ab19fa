package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/**
 * Makes a plan visible to one platform, or to every platform when {@code platformId} is
 * {@code null}. Labels narrow the scope inside the platform (e.g. {@code organization_guid}).
 */
public record Visibility(
        String id,
        String platformId,
        String servicePlanId,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public Visibility {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(servicePlanId, "servicePlanId");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public Visibility withVersion(long newVersion) {
        return new Visibility(id, platformId, servicePlanId, labels, createdAt, updatedAt, ready, newVersion);
    }
}
