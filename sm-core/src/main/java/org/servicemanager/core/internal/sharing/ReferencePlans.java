package org.servicemanager.core.internal.sharing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.core.internal.json.Json;

/**
 * The {@code reference-instance} plan: which plans are shareable, and the plan the Service Manager
 * adds to an offering that has one. Its ids are name-based UUIDs of the offering's Service Manager
 * id, so every node and every catalog refresh derives the same plan, and a prefix no broker uses
 * keeps them apart from the brokers' plan ids. The broker never sees the plan: creating a reference
 * instance never reaches it, and a reference's bindings are made on the shared instance's plan.
 * Stateless; thread-safe.
 */
public final class ReferencePlans {
    /** The plan's name, in every offering that has one. */
    public static final String NAME = "reference-instance";
    /** The catalog metadata field that makes a plan shareable. */
    public static final String SHAREABLE = "supportsInstanceSharing";

    private ReferencePlans() {
    }

    /** Whether a plan's catalog metadata (JSON text or {@code null}) says {@code supportsInstanceSharing: true}. */
    public static boolean isShareable(String metadata) {
        JsonNode node = Json.readTrustedOrNull(metadata);
        return node != null && node.path(SHAREABLE).isBoolean() && node.get(SHAREABLE).asBoolean();
    }

    /** Whether {@code plan} is a shareable broker plan. */
    public static boolean isShareable(ServicePlan plan) {
        return !isReferencePlan(plan) && isShareable(plan.metadata());
    }

    /** The Service Manager id of the reference plan of the offering {@code offeringId}. */
    public static String id(String offeringId) {
        return uuid("service-manager/reference-plan/" + offeringId);
    }

    /** The catalog id (the OSB {@code plan_id}) of the reference plan of the offering {@code offeringId}. */
    public static String catalogId(String offeringId) {
        return uuid("service-manager/reference-plan-catalog/" + offeringId);
    }

    /** Whether {@code plan} is the reference plan of its offering. */
    public static boolean isReferencePlan(ServicePlan plan) {
        return plan.id().equals(id(plan.serviceOfferingId()));
    }

    private static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * The reference plan of {@code offering} as the catalog sync stores it; {@code old} (or
     * {@code null}) is the stored one, whose labels, creation time and version stay.
     */
    public static ServicePlan plan(ServiceOffering offering, ServicePlan old, Instant now) {
        String description = "A reference to a shared instance of " + offering.name() + ": bindings are made on "
                + "the shared instance";
        String catalogId = catalogId(offering.id());
        ObjectNode metadata = Json.object().put("displayName", "Reference instance");
        ObjectNode schemas = Json.object();
        schemas.putObject("service_instance").putObject("create").set("parameters", parametersSchema());
        ObjectNode catalog = Json.object().put("id", catalogId).put("name", NAME).put("description", description)
                .put("free", true).put("bindable", true).put("plan_updateable", false);
        catalog.set("metadata", metadata);
        catalog.set("schemas", schemas);
        return new ServicePlan(id(offering.id()), NAME, description, catalogId, NAME, true, true, false, null, null,
                Json.text(metadata), Json.text(schemas), offering.id(), Json.text(catalog),
                old == null ? Labels.empty() : old.labels(), old == null ? now : old.createdAt(), now, true,
                old == null ? 0 : old.version());
    }

    /** The JSON schema of a reference's create parameters: an instance id, or selectors. */
    private static ObjectNode parametersSchema() {
        ObjectNode schema = Json.object().put("$schema", "http://json-schema.org/draft-04/schema#")
                .put("type", "object").put("additionalProperties", false);
        ObjectNode properties = schema.putObject("properties");
        properties.putObject(References.REFERENCED_INSTANCE_ID).put("type", "string")
                .put("description", "the id of the shared instance to reference");
        ObjectNode selectors = properties.putObject(References.SELECTORS).put("type", "object")
                .put("additionalProperties", false)
                .put("description", "selectors that together match exactly one shared instance of the offering");
        ObjectNode selectorProperties = selectors.putObject("properties");
        selectorProperties.putObject(References.INSTANCE_NAME_SELECTOR).put("type", "string")
                .put("description", "the shared instance's name");
        selectorProperties.putObject(References.PLAN_NAME_SELECTOR).put("type", "string")
                .put("description", "the name of the shared instance's plan");
        selectorProperties.putObject(References.INSTANCE_LABEL_SELECTOR)
                .put("description", "a label query the shared instance matches, e.g. \"env eq 'prod'\", or an "
                        + "array of them (all must match)");
        // Exactly one of the two ways to name the shared instance.
        ArrayNode oneOf = schema.putArray("oneOf");
        oneOf.addObject().putArray("required").add(References.REFERENCED_INSTANCE_ID);
        oneOf.addObject().putArray("required").add(References.SELECTORS);
        return schema;
    }

    /**
     * Refuses a catalog whose offering with a shareable plan also has a plan of its own named
     * {@value #NAME} or with the reference plan's catalog id: the two could not be told apart.
     */
    public static void checkNoClash(String offeringName, String offeringId, List<String> planNames,
            List<String> planCatalogIds) {
        if (planNames.contains(NAME) || planCatalogIds.contains(catalogId(offeringId))) {
            throw new BadRequestException("service offering '" + offeringName + "' has a shareable plan, so the "
                    + "Service Manager adds the plan '" + NAME + "' to it; the catalog must not have a plan with "
                    + "that name or with id '" + catalogId(offeringId) + "'");
        }
    }
}
