package org.servicemanager.api.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A service offering of a broker's catalog. {@code catalogId}/{@code catalogName} are the
 * broker's own values; {@code id} is the Service Manager's. JSON-valued catalog fields
 * ({@code metadata}, the whole catalog entry) are kept as JSON text so the API module stays free
 * of a JSON library.
 *
 * @param catalogJson the offering's catalog entry as the broker sent it, without its plans
 */
public record ServiceOffering(
        String id,
        String name,
        String description,
        boolean bindable,
        boolean instancesRetrievable,
        boolean bindingsRetrievable,
        boolean planUpdateable,
        boolean allowContextUpdates,
        List<String> tags,
        List<String> requires,
        String metadata,
        String catalogId,
        String catalogName,
        String brokerId,
        String catalogJson,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public ServiceOffering {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(catalogId, "catalogId");
        Objects.requireNonNull(brokerId, "brokerId");
        Objects.requireNonNull(labels, "labels");
        tags = List.copyOf(tags);
        requires = List.copyOf(requires);
    }

    public ServiceOffering withVersion(long newVersion) {
        return new ServiceOffering(id, name, description, bindable, instancesRetrievable, bindingsRetrievable,
                planUpdateable, allowContextUpdates, tags, requires, metadata, catalogId, catalogName, brokerId,
                catalogJson, labels, createdAt, updatedAt, ready, newVersion);
    }

    public ServiceOffering withLabels(Labels newLabels, Instant now) {
        return new ServiceOffering(id, name, description, bindable, instancesRetrievable, bindingsRetrievable,
                planUpdateable, allowContextUpdates, tags, requires, metadata, catalogId, catalogName, brokerId,
                catalogJson, newLabels, createdAt, now, ready, version);
    }
}
