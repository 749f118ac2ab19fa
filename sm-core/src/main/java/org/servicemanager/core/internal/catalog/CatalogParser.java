package org.servicemanager.core.internal.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.JsonInput;
import org.servicemanager.core.internal.json.Text;

/**
 * Validates a broker's {@code GET /v2/catalog} answer against the OSB rules the Service Manager
 * depends on. A body that is not JSON is the broker's fault (502); JSON that breaks the rules is
 * the registrant's problem to fix (400), with a message naming the offending offering or plan.
 */
public final class CatalogParser {
    /** The default of {@code ServiceManager.Builder.maxCatalogPlans}. */
    public static final int DEFAULT_MAX_PLANS = 10_000;

    private static final Pattern SEMVER = Pattern.compile(
            "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                    + "(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$");

    private CatalogParser() {
    }

    /**
     * @param maxPlans the most plans a catalog may have; a larger one is refused before it is
     *                 validated or stored (a catalog of 100,000 plans took 19 s and 3 GB to store).
     *                 The JSON tree itself is bounded by the broker answer limit, which applies first.
     */
    public static Catalog parse(String brokerName, byte[] body, int maxPlans) {
        JsonNode root = Json.tryParse(body);
        if (root == null) {
            throw new BrokerException("service broker '" + brokerName
                    + "' answered GET /v2/catalog with a body that is not JSON");
        }
        String prefix = "the catalog of service broker '" + brokerName + "' is invalid: ";
        try {
            checkSize(root, maxPlans);
            return parse(root);
        } catch (BadRequestException e) {
            throw new BadRequestException(prefix + e.getMessage());
        }
    }

    /** Counts the plans before anything else looks at them. */
    private static void checkSize(JsonNode root, int maxPlans) {
        JsonNode services = root.get("services");
        if (services == null || !services.isArray()) {
            return;
        }
        long plans = 0;
        for (JsonNode service : services) {
            JsonNode list = service.get("plans");
            plans += list != null && list.isArray() ? list.size() : 0;
        }
        if (plans > maxPlans) {
            throw new BadRequestException("it has " + plans + " plans, more than the " + maxPlans
                    + " this Service Manager accepts per broker (maxCatalogPlans)");
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
        Map<String, String> offeringIds = new HashMap<>();
        Map<String, String> offeringNames = new HashMap<>();
        Map<String, String> planIds = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            JsonNode service = services.get(i);
            String where = "services[" + i + "]";
            if (!service.isObject()) {
                throw new BadRequestException("service offering " + where + " must be an object, was "
                        + JsonInput.kind(service));
            }
            String ident = ident((ObjectNode) service, "service offering");
            String label = ident == null ? "service offering " + where : ident + " (" + where + ")";
            Catalog.Offering offering = offering(label, ident, where, (ObjectNode) service, planIds);
            String first = offeringIds.putIfAbsent(offering.catalogId(), label);
            if (first != null) {
                throw new BadRequestException(label + ": id " + Text.quote(offering.catalogId())
                        + " is already the id of " + first);
            }
            first = offeringNames.putIfAbsent(offering.name(), where);
            if (first != null) {
                throw new BadRequestException(label + ": name " + Text.quote(offering.name())
                        + " is already the name of " + first);
            }
            offerings.add(offering);
        }
        return new Catalog(List.copyOf(offerings));
    }

    /**
     * How a message names an offering or plan: by its name if it has one, else by its id, else
     * {@code null} (then only its position names it).
     */
    private static String ident(ObjectNode node, String kind) {
        JsonNode name = node.get("name");
        if (name != null && name.isTextual() && !name.asText().isBlank()) {
            return kind + " " + Text.quote(name.asText());
        }
        JsonNode id = node.get("id");
        if (id != null && id.isTextual() && !id.asText().isBlank()) {
            return kind + " with id " + Text.quote(id.asText());
        }
        return null;
    }

    /**
     * @param label    names the offering in messages, e.g. {@code service offering 'db' (services[0])}
     * @param ident    the offering by name or id, {@code null} if it has neither
     * @param where    its position, {@code services[0]}
     * @param planIds  the plan ids of the offerings before, with the plan each names
     */
    private static Catalog.Offering offering(String label, String ident, String where, ObjectNode node,
            Map<String, String> planIds) {
        JsonInput in = new JsonInput(node, "");
        String id = name(in, label, "id");
        String name = name(in, label, "name");
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
        ObjectNode withoutPlans = node.deepCopy();
        withoutPlans.remove("plans");
        Text.storableJson(label, withoutPlans);
        List<Catalog.Plan> plans = new ArrayList<>();
        Map<String, String> planNames = new HashMap<>();
        for (int j = 0; j < plansNode.size(); j++) {
            JsonNode planNode = plansNode.get(j);
            String planWhere = where + ".plans[" + j + "]";
            String of = " of " + (ident == null ? "service offering" : ident);
            if (!planNode.isObject()) {
                throw new BadRequestException("plan" + of + " (" + planWhere + ") must be an object, was "
                        + JsonInput.kind(planNode));
            }
            String planIdent = ident((ObjectNode) planNode, "plan");
            String planLabel = (planIdent == null ? "plan" : planIdent) + of + " (" + planWhere + ")";
            Catalog.Plan plan = plan(planLabel, (ObjectNode) planNode);
            String first = planIds.putIfAbsent(plan.catalogId(), planLabel);
            if (first != null) {
                throw new BadRequestException(planLabel + ": id " + Text.quote(plan.catalogId())
                        + " is already the id of " + first);
            }
            first = planNames.putIfAbsent(plan.name(), planWhere);
            if (first != null) {
                throw new BadRequestException(planLabel + ": name " + Text.quote(plan.name())
                        + " is already the name of " + first + " (plan names are unique within an offering)");
            }
            plans.add(plan);
        }
        return new Catalog.Offering(id, name, description, bindable, instancesRetrievable, bindingsRetrievable,
                planUpdateable, allowContextUpdates, tags, requires, metadata, Json.text(withoutPlans),
                List.copyOf(plans));
    }

    private static Catalog.Plan plan(String label, ObjectNode node) {
        JsonInput in = new JsonInput(node, "");
        String id = name(in, label, "id");
        String name = name(in, label, "name");
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
        Text.storableJson(label, node);
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

    /** An id or name: a non-empty string that is also a name by {@link Text#name}. */
    private static String name(JsonInput in, String label, String field) {
        return Text.name(label + ": '" + field + "'", text(in, label, field));
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
        if (!value.isArray()) {
            throw new BadRequestException(label + ": '" + field + "' must be an array of strings, was "
                    + JsonInput.kind(value));
        }
        List<String> result = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isTextual()) {
                throw new BadRequestException(label + ": " + field + "[" + i + "] must be a string, was "
                        + JsonInput.kind(value.get(i)));
            }
            result.add(value.get(i).asText());
        }
        return List.copyOf(result);
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
