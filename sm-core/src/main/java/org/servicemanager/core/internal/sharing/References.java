package org.servicemanager.core.internal.sharing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.ServiceManagerException;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.query.QueryParser;

/**
 * Reference instances: which shared instance a new reference stands for (by id or by selectors),
 * the references of a shared instance, and the shared instance behind a reference. The same rules
 * hold for the REST API and the OSB face, which is why they are here. Stateless apart from the
 * store; thread-safe.
 */
public final class References {
    public static final String REFERENCED_INSTANCE_ID = "referenced_instance_id";
    public static final String SELECTORS = "selectors";
    public static final String INSTANCE_NAME_SELECTOR = "instance_name_selector";
    public static final String PLAN_NAME_SELECTOR = "plan_name_selector";
    public static final String INSTANCE_LABEL_SELECTOR = "instance_label_selector";
    private static final Set<String> PARAMETERS = Set.of(REFERENCED_INSTANCE_ID, SELECTORS);
    private static final Set<String> SELECTOR_FIELDS = Set.of(INSTANCE_NAME_SELECTOR, PLAN_NAME_SELECTOR,
            INSTANCE_LABEL_SELECTOR);
    /** How many instances a message names at most (references in the way, selector candidates). */
    public static final int NAMED = 10;
    /** More plans than any offering has: the plans of one offering are read in one page. */
    private static final int MAX_PLANS = 1000;

    private final Store store;

    /** References in {@code store} (the Service Manager's, whose writes notify). */
    public References(Store store) {
        this.store = store;
    }

    /**
     * The shared instance that a reference instance of the offering {@code offeringId}, created with
     * {@code parameters}, stands for: named by {@code referenced_instance_id}, or matched by
     * {@code selectors} (none: 404; several: 400 naming them). It must be shared, ready, of a
     * shareable plan of the same offering (400 otherwise); an unknown id is 404.
     */
    public ServiceInstance resolve(String offeringId, JsonNode parameters) {
        if (parameters == null || !parameters.isObject()) {
            throw new BadRequestException("a reference instance needs parameters with '" + REFERENCED_INSTANCE_ID
                    + "' or '" + SELECTORS + "'");
        }
        for (Map.Entry<String, JsonNode> field : parameters.properties()) {
            if (!PARAMETERS.contains(field.getKey())) {
                throw new BadRequestException("parameter '" + field.getKey() + "' is not known for a reference "
                        + "instance; give '" + REFERENCED_INSTANCE_ID + "' or '" + SELECTORS + "'");
            }
        }
        boolean byId = parameters.has(REFERENCED_INSTANCE_ID);
        if (byId == parameters.has(SELECTORS)) {
            throw new BadRequestException("a reference instance needs exactly one of the parameters '"
                    + REFERENCED_INSTANCE_ID + "' and '" + SELECTORS + "'");
        }
        ServiceInstance shared = byId ? byId(parameters.get(REFERENCED_INSTANCE_ID))
                : bySelectors(offeringId, parameters.get(SELECTORS));
        check(shared, offeringId);
        return shared;
    }

    private ServiceInstance byId(JsonNode value) {
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new BadRequestException("parameter '" + REFERENCED_INSTANCE_ID + "' must be a non-empty string");
        }
        String id = value.asText();
        return store.repository(EntityTypes.SERVICE_INSTANCES).get(id).orElseThrow(
                () -> new NotFoundException("shared service instance '" + id + "' (" + REFERENCED_INSTANCE_ID
                        + ") not found"));
    }

    private ServiceInstance bySelectors(String offeringId, JsonNode selectors) {
        if (!selectors.isObject() || selectors.isEmpty()) {
            throw new BadRequestException("parameter '" + SELECTORS + "' must be an object with at least one of "
                    + String.join(", ", SELECTOR_FIELDS.stream().sorted().toList()));
        }
        for (Map.Entry<String, JsonNode> field : selectors.properties()) {
            if (!SELECTOR_FIELDS.contains(field.getKey())) {
                throw new BadRequestException("selector '" + field.getKey() + "' is not known; the selectors are "
                        + String.join(", ", SELECTOR_FIELDS.stream().sorted().toList()));
            }
        }
        String planName = text(selectors, PLAN_NAME_SELECTOR);
        List<Object> planIds = new ArrayList<>();
        for (ServicePlan plan : store.repository(EntityTypes.SERVICE_PLANS).list(
                Query.fieldEquals("service_offering_id", offeringId), PageRequest.first(MAX_PLANS)).items()) {
            if (ReferencePlans.isShareable(plan) && (planName == null || planName.equals(plan.name()))) {
                planIds.add(plan.id());
            }
        }
        String what = "shared service instance of the offering matches the selectors " + selectors;
        if (planIds.isEmpty()) {
            throw new NotFoundException("no " + what);
        }
        Query query = Query.fieldEquals("shared", true)
                .and(Query.of(new Criterion.FieldCriterion("service_plan_id", Operator.IN, planIds)));
        String name = text(selectors, INSTANCE_NAME_SELECTOR);
        if (name != null) {
            query = query.and(Query.fieldEquals("name", name));
        }
        JsonNode labels = selectors.get(INSTANCE_LABEL_SELECTOR);
        if (labels != null) {
            query = query.and(labelQuery(labels));
        }
        List<ServiceInstance> found = store.repository(EntityTypes.SERVICE_INSTANCES)
                .list(query, PageRequest.first(NAMED + 1)).items();
        if (found.isEmpty()) {
            throw new NotFoundException("no " + what);
        }
        if (found.size() > 1) {
            throw new BadRequestException("more than one " + what + ": " + describe(found)
                    + "; narrow the selectors or give '" + REFERENCED_INSTANCE_ID + "'");
        }
        return found.get(0);
    }

    private static Query labelQuery(JsonNode selector) {
        List<JsonNode> parts = new ArrayList<>();
        if (selector.isArray()) {
            selector.forEach(parts::add);
        } else {
            parts.add(selector);
        }
        Query query = Query.all();
        for (JsonNode part : parts) {
            if (!part.isTextual() || part.asText().isBlank()) {
                throw new BadRequestException("selector '" + INSTANCE_LABEL_SELECTOR + "' must be a label query "
                        + "(e.g. \"env eq 'prod'\") or an array of them");
            }
            query = query.and(QueryParser.parseLabelQuery(part.asText()));
        }
        return query;
    }

    private static String text(JsonNode selectors, String field) {
        JsonNode value = selectors.get(field);
        if (value == null) {
            return null;
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new BadRequestException("selector '" + field + "' must be a non-empty string");
        }
        return value.asText();
    }

    /** 400 unless {@code shared} may be referenced from the offering {@code offeringId}. */
    private void check(ServiceInstance shared, String offeringId) {
        String what = "service instance '" + shared.id() + "'";
        if (!shared.shared()) {
            throw new BadRequestException(what + " is not shared; share it first (PATCH {\"shared\": true})");
        }
        if (!shared.ready()) {
            throw new BadRequestException(what + " is not ready, so it cannot be referenced yet");
        }
        ServicePlan plan = store.repository(EntityTypes.SERVICE_PLANS).getWithoutLabels(shared.servicePlanId())
                .orElseThrow(() -> new BadRequestException("the plan of " + what + " no longer exists"));
        if (!plan.serviceOfferingId().equals(offeringId)) {
            throw new BadRequestException(what + " is an instance of another service offering ('"
                    + plan.serviceOfferingId() + "'); a reference must be of the shared instance's offering");
        }
        if (!ReferencePlans.isShareable(plan)) {
            throw new BadRequestException("the plan '" + plan.name() + "' of " + what + " no longer supports "
                    + "instance sharing");
        }
    }

    /** Up to {@code limit} reference instances of {@code sharedId}, and how many there are in all. */
    public List<ServiceInstance> referencesOf(String sharedId, int limit) {
        return store.repository(EntityTypes.SERVICE_INSTANCES).list(
                Query.fieldEquals(REFERENCED_INSTANCE_ID, sharedId), PageRequest.first(limit)).items();
    }

    /**
     * Throws what {@code error} makes of a message naming the references of {@code shared}, if it has
     * any: a shared instance that references use can be neither unshared nor deleted.
     */
    public void requireUnreferenced(ServiceInstance shared, String action,
            Function<String, ? extends ServiceManagerException> error) {
        List<ServiceInstance> references = referencesOf(shared.id(), NAMED + 1);
        if (!references.isEmpty()) {
            long count = store.repository(EntityTypes.SERVICE_INSTANCES)
                    .count(Query.fieldEquals(REFERENCED_INSTANCE_ID, shared.id()));
            throw error.apply("service instance '" + shared.id() + "' cannot be " + action + ": " + count
                    + " reference instance(s) use it: " + describe(references.subList(0, Math.min(NAMED,
                    references.size()))) + (count > NAMED ? " and more" : "") + "; delete them first");
        }
    }

    /**
     * In the transaction {@code tx} that stores a new reference to {@code sharedId}: checks again that
     * the shared instance is still shared and not being deleted, and writes its row back unchanged
     * (version-checked). An unshare or a deprovision of it writes that row too after its own check
     * for references, so of the two one fails on the version and, retried, sees the other: no
     * reference is ever left on an unshared or deleted instance.
     */
    public static void holdShared(Store tx, String sharedId) {
        Repository<ServiceInstance> instances = tx.repository(EntityTypes.SERVICE_INSTANCES);
        ServiceInstance shared = instances.get(sharedId).orElseThrow(() -> new NotFoundException(
                "shared service instance '" + sharedId + "' (" + REFERENCED_INSTANCE_ID + ") not found"));
        if (!shared.shared()) {
            throw new BadRequestException("service instance '" + sharedId + "' is not shared (any more)");
        }
        LastOperation last = shared.lastOperation();
        if (last.inProgress() && last.type() == OperationType.DELETE) {
            throw new BadRequestException("service instance '" + sharedId + "' is being deleted");
        }
        instances.update(shared);
    }

    /** The shared instance behind {@code reference}, or empty if it is gone (it cannot be, while referenced). */
    public Optional<ServiceInstance> sharedOf(ServiceInstance reference) {
        return store.repository(EntityTypes.SERVICE_INSTANCES).get(reference.referencedInstanceId());
    }

    static String describe(List<ServiceInstance> instances) {
        return String.join(", ", instances.stream().map(i -> "'" + i.id() + "'"
                + (i.name() == null ? "" : " (" + i.name() + ")") + " of platform '" + i.platformId() + "'").toList());
    }
}
