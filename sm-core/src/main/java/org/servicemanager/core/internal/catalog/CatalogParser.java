package org.servicemanager.core.internal.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.JsonInput;

/**
 * Validates a broker's {@code GET /v2/catalog} answer against the OSB rules the Service Manager
 * depends on. A body that is not JSON is the broker's fault (502); JSON that breaks the rules is
 * the registrant's problem to fix (400), with a message naming the offending offering or plan.
 */
public final class CatalogParser {
    private static final Pattern SEMVER = Pattern.compile(
            "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                    + "(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$");

    private CatalogParser() {
    }

    public static Catalog parse(String brokerName, byte[] body) {
        JsonNode root = Json.tryParse(body);
        if (root == null) {
            throw new BrokerException("service broker '" + brokerName
                    + "' answered GET /v2/catalog with a body that is not JSON");
        }
        String prefix = "the catalog of service broker '" + brokerName + "' is invalid: ";
        try {
            return parse(root);
        } catch (BadRequestException e) {
            throw new BadRequestException(prefix + e.getMessage());
        }
    }

    static Catalog parse(JsonNode root) {
        if (!root.isObject()) {
            throw new BadRequestException("it must be a JSON object, was " + JsonInput.kind(root));
        }
        JsonNode services = root.get("services");
        if (services == null || !services.isArray()) {
            throw new BadRequestException("'services' must be an array, was " + JsonInput.kind(services));
        }
        List<Catalog.Offering> offerings = new ArrayList<>();
        Set<String> offeringIds = new HashSet<>();
        Set<String> offeringNames = new HashSet<>();
        Set<String> planIds = new HashSet<>();
        for (int i = 0; i < services.size(); i++) {
            JsonNode service = services.get(i);
            String where = "services[" + i + "]";
            if (!service.isObject()) {
                throw new BadRequestException(where + " must be an object, was " + JsonInput.kind(service));
            }
            Catalog.Offering offering = offering(where, (ObjectNode) service, planIds);
            if (!offeringIds.add(offering.catalogId())) {
                throw new BadRequestException("service offering id '" + offering.catalogId() + "' appears twice");
            }
            if (!offeringNames.add(offering.name())) {
                throw new BadRequestException("service offering name '" + offering.name() + "' appears twice");
            }
            offerings.add(offering);
        }
        return new Catalog(List.copyOf(offerings));
    }

    private static Catalog.Offering offering(String where, ObjectNode node, Set<String> planIds) {
        JsonInput in = new JsonInput(node, "");
        String id = text(in, where, "id");
        String label = "service offering " + quote(in, id) + " (" + where + ")";
        String name = text(in, label, "name");
        label = "service offering '" + name + "'";
        String description = text(in, label, "description");
        boolean bindable = flag(in, label, "bindable", null);
        boolean instancesRetrievable = flag(in, label, "instances_retrievable", false);
        boolean bindingsRetrievable = flag(in, label, "bindings_retrievable", false);
        boolean planUpdateable = flag(in, label, "plan_updateable", false);
        boolean allowContextUpdates = flag(in, label, "allow_context_updates", false);
        List<String> tags = strings(node, label, "tags");
        List<String> requires = strings(node, label, "requires");
        String metadata = objectText(node, label, "metadata");
        JsonNode plansNode = node.get("plans");
        if (plansNode == null || !plansNode.isArray() || plansNode.isEmpty()) {
            throw new BadRequestException(label + " must have a non-empty 'plans' array");
        }
        List<Catalog.Plan> plans = new ArrayList<>();
        Set<String> planNames = new HashSet<>();
        for (int j = 0; j < plansNode.size(); j++) {
            JsonNode planNode = plansNode.get(j);
            String planWhere = label + " plans[" + j + "]";
            if (!planNode.isObject()) {
                throw new BadRequestException(planWhere + " must be an object, was " + JsonInput.kind(planNode));
            }
            Catalog.Plan plan = plan(planWhere, label, (ObjectNode) planNode);
            if (!planIds.add(plan.catalogId())) {
                throw new BadRequestException("plan id '" + plan.catalogId() + "' appears twice in the catalog");
            }
            if (!planNames.add(plan.name())) {
                throw new BadRequestException(label + " has two plans named '" + plan.name() + "'");
            }
            plans.add(plan);
        }
        ObjectNode withoutPlans = node.deepCopy();
        withoutPlans.remove("plans");
        return new Catalog.Offering(id, name, description, bindable, instancesRetrievable, bindingsRetrievable,
                planUpdateable, allowContextUpdates, tags, requires, metadata, Json.text(withoutPlans),
                List.copyOf(plans));
    }

    private static Catalog.Plan plan(String where, String offeringLabel, ObjectNode node) {
        JsonInput in = new JsonInput(node, "");
        String id = text(in, where, "id");
        String name = text(in, offeringLabel + " plan " + quote(in, id), "name");
        String label = offeringLabel + " plan '" + name + "'";
        String description = text(in, label, "description");
        boolean free = flag(in, label, "free", true);
        Boolean bindable = optionalFlag(in, label, "bindable");
        Boolean planUpdateable = optionalFlag(in, label, "plan_updateable");
        Integer maxPolling;
        try {
            maxPolling = in.optionalNonNegativeInt("maximum_polling_duration");
        } catch (BadRequestException e) {
            throw new BadRequestException(label + ": " + e.getMessage());
        }
        String metadata = objectText(node, label, "metadata");
        String schemas = objectText(node, label, "schemas");
        String maintenanceInfo = objectText(node, label, "maintenance_info");
        if (maintenanceInfo != null) {
            JsonNode version = node.get("maintenance_info").get("version");
            if (version == null || !version.isTextual() || !SEMVER.matcher(version.asText()).matches()) {
                throw new BadRequestException(label + ": maintenance_info.version must be a semantic version "
                        + "such as 1.2.3, was " + (version == null ? "missing" : version.toString()));
            }
        }
        return new Catalog.Plan(id, name, description, free, bindable, planUpdateable, maxPolling, maintenanceInfo,
                metadata, schemas, Json.text(node));
    }

    private static String text(JsonInput in, String label, String field) {
        JsonNode value = in.node().get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new BadRequestException(label + " must have a non-empty string '" + field + "', was "
                    + (value != null && value.isTextual() ? "empty" : JsonInput.kind(value)));
        }
        return value.asText();
    }

    private static String quote(JsonInput in, String id) {
        return "'" + id + "'";
    }

    private static boolean flag(JsonInput in, String label, String field, Boolean fallback) {
        Boolean value = optionalFlag(in, label, field);
        if (value != null) {
            return value;
        }
        if (fallback == null) {
            throw new BadRequestException(label + " must have a boolean '" + field + "'");
        }
        return fallback;
    }

    private static Boolean optionalFlag(JsonInput in, String label, String field) {
        JsonNode value = in.node().get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw new BadRequestException(label + ": '" + field + "' must be true or false, was "
                    + JsonInput.kind(value));
        }
        return value.booleanValue();
    }

    private static List<String> strings(ObjectNode node, String label, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        return JsonInput.stringArray(label + " " + field, value);
    }

    private static String objectText(ObjectNode node, String label, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw new BadRequestException(label + ": '" + field + "' must be an object, was " + JsonInput.kind(value));
        }
        if (field.equals("schemas")) {
            checkSchemas(label, value);
        }
        return Json.text(value);
    }

    /** Every schema under {@code schemas} (e.g. service_instance.create.parameters) must be an object. */
    private static void checkSchemas(String label, JsonNode schemas) {
        schemas.properties().forEach(kind -> {
            if (!kind.getValue().isObject()) {
                throw new BadRequestException(label + ": schemas." + kind.getKey() + " must be an object");
            }
            kind.getValue().properties().forEach(action -> {
                if (!action.getValue().isObject()) {
                    throw new BadRequestException(label + ": schemas." + kind.getKey() + "." + action.getKey()
                            + " must be an object");
                }
                action.getValue().properties().forEach(schema -> {
                    if (!schema.getValue().isObject()) {
                        throw new BadRequestException(label + ": schemas." + kind.getKey() + "." + action.getKey()
                                + "." + schema.getKey() + " must be an object");
                    }
                });
            });
        });
    }
}
