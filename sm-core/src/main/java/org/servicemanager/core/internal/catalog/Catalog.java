package org.servicemanager.core.internal.catalog;

import java.util.List;

/** A validated OSB catalog, reduced to what the Service Manager stores. Immutable. */
public record Catalog(List<Offering> offerings) {

    /** An offering with its plans; JSON-valued fields are JSON text or {@code null}. */
    public record Offering(String catalogId, String name, String description, boolean bindable,
            boolean instancesRetrievable, boolean bindingsRetrievable, boolean planUpdateable,
            boolean allowContextUpdates, List<String> tags, List<String> requires, String metadata,
            String catalogJson, List<Plan> plans) {
    }

    /** A plan; {@code bindable}/{@code planUpdateable} are {@code null} when the offering decides. */
    public record Plan(String catalogId, String name, String description, boolean free, Boolean bindable,
            Boolean planUpdateable, Integer maximumPollingDuration, String maintenanceInfo, String metadata,
            String schemas, String catalogJson) {
    }
}
