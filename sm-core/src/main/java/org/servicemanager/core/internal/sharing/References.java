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
import org.servicemanager.api.model.Labels;
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
import org.servicemanager.core.internal.json.Text;
import org.servicemanager.core.internal.query.QueryParser;
import org.servicemanager.core.internal.tenancy.Tenancy;

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
    /** The most label queries {@code instance_label_selector} may hold as an array. */
    public static final int MAX_LABEL_SELECTORS = 10;
    /**
     * What the OSB face answers for any reference that does not name exactly one instance it may
     * reference: one answer for an unknown id, another platform's unshared instance, an instance of
     * another offering, so that a platform learns nothing of instances it may not reference.
     */
    public static final String NO_MATCH = "no shared instance of this offering matches";
    /**
     * How many candidates selectors read for a reference of no tenant when multitenancy is on: the
     * tenants' instances are filtered out after reading (the store has no "label absent" predicate).
     * A limit: only the first this many instances the selectors match, of any tenant, are looked at,
     * so a global instance beyond them is not found (README, "Sharing instances").
     */
    private static final int GLOBAL_CANDIDATES = 1000;

    private final Store store;
    private final Tenancy tenancy;

    /**
     * References in {@code store} (the Service Manager's, whose writes notify), without tenant
     * checks: for what only counts references, such as the deletes of cascades.
     */
    public References(Store store) {
        this(store, Tenancy.OFF);
    }

    /**
     * References in {@code store} under {@code tenancy}: a reference and its shared instance belong to
     * one tenant (both to none counts as one), and another tenant's shared instance is answered as an
     * unknown one.
     */
    public References(Store store, Tenancy tenancy) {
        this.store = store;
        this.tenancy = tenancy;
    }

    /**
     * The shared instance that a reference instance of the offering {@code offeringId}, created with
     * {@code parameters}, stands for: named by {@code referenced_instance_id}, or matched by
     * {@code selectors} (none: 404; several: 400 naming them). It must be shared, ready, of a
     * shareable plan of the same offering (400 otherwise); an unknown id is 404. {@code owner} are the
     * labels the reference gets: only a shared instance of its tenant counts, another tenant's is
     * unknown (by id: 404 word for word as an unknown id; by selectors: not a candidate).
     */
    public ServiceInstance resolve(String offeringId, JsonNode parameters, Labels owner) {
        return resolve(offeringId, parameters, false, owner);
    }

    /**
     * As {@link #resolve(String, JsonNode)}, for a platform on the OSB face: an id is resolved as
     * the selectors are (a shared, ready instance of a shareable plan of this offering), and
     * whatever does not name exactly one such instance is one and the same 400 ({@value #NO_MATCH};
     * OSB defines no 404 for a provision). Several matches answer their count only: they may be
     * other platforms' instances, which a platform must not learn the ids, names or platforms of.
     */
    public ServiceInstance resolveForPlatform(String offeringId, JsonNode parameters, Labels owner) {
        return resolve(offeringId, parameters, true, owner);
    }

    private ServiceInstance resolve(String offeringId, JsonNode parameters, boolean platform, Labels owner) {
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
        if (platform) {
            ServiceInstance shared = byId ? byIdForPlatform(offeringId, parameters.get(REFERENCED_INSTANCE_ID), owner)
                    : bySelectors(offeringId, parameters.get(SELECTORS), true, owner);
            if (!shared.ready()) {
                throw new BadRequestException(NO_MATCH);
            }
            return shared;
        }
        ServiceInstance shared = byId ? byId(parameters.get(REFERENCED_INSTANCE_ID), owner)
                : bySelectors(offeringId, parameters.get(SELECTORS), false, owner);
        check(shared, offeringId);
        return shared;
    }

    private static String idParameter(JsonNode value) {
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new BadRequestException("parameter '" + REFERENCED_INSTANCE_ID + "' must be a non-empty string");
        }
        return Text.storable("parameter '" + REFERENCED_INSTANCE_ID + "'", value.asText());
    }

    /** On the OSB face: the id must pass the selectors' query, or it is {@value #NO_MATCH}. */
    private ServiceInstance byIdForPlatform(String offeringId, JsonNode value, Labels owner) {
        String id = idParameter(value);
        List<Object> planIds = shareablePlans(offeringId, null);
        if (planIds.isEmpty()) {
            throw new BadRequestException(NO_MATCH);
        }
        // The selectors' query (shared, of one of these plans), applied to the one record the id names.
        return store.repository(EntityTypes.SERVICE_INSTANCES).get(id)
                .filter(i -> i.shared() && planIds.contains(i.servicePlanId()) && tenancy.sameTenant(owner, i.labels()))
                .orElseThrow(() -> new BadRequestException(NO_MATCH));
    }

    private static Query sharedOf(List<Object> planIds) {
        return Query.fieldEquals("shared", true)
                .and(Query.of(new Criterion.FieldCriterion("service_plan_id", Operator.IN, planIds)));
    }

    /** The ids of the shareable plans of the offering (named {@code planName}, if given). */
    private List<Object> shareablePlans(String offeringId, String planName) {
        List<Object> planIds = new ArrayList<>();
        for (ServicePlan plan : store.repository(EntityTypes.SERVICE_PLANS).list(
                Query.fieldEquals("service_offering_id", offeringId), PageRequest.first(MAX_PLANS)).items()) {
            if (ReferencePlans.isShareable(plan) && (planName == null || planName.equals(plan.name()))) {
                planIds.add(plan.id());
            }
        }
        return planIds;
    }

    private ServiceInstance byId(JsonNode value, Labels owner) {
        String id = idParameter(value);
        // Another tenant's instance is answered exactly as an unknown id: its existence is not told.
        return store.repository(EntityTypes.SERVICE_INSTANCES).get(id)
                .filter(i -> tenancy.sameTenant(owner, i.labels())).orElseThrow(
                () -> new NotFoundException("shared service instance '" + id + "' (" + REFERENCED_INSTANCE_ID
                        + ") not found"));
    }

    private ServiceInstance bySelectors(String offeringId, JsonNode selectors, boolean platform, Labels owner) {
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
        List<Object> planIds = shareablePlans(offeringId, planName);
        String what = "shared service instance of the offering matches the selectors " + selectors;
        Function<String, ServiceManagerException> none = platform ? m -> new BadRequestException(NO_MATCH)
                : NotFoundException::new;
        if (planIds.isEmpty()) {
            throw none.apply("no " + what);
        }
        Query query = sharedOf(planIds);
        String name = text(selectors, INSTANCE_NAME_SELECTOR);
        if (name != null) {
            query = query.and(Query.fieldEquals("name", name));
        }
        JsonNode labels = selectors.get(INSTANCE_LABEL_SELECTOR);
        if (labels != null) {
            query = query.and(labelQuery(labels));
        }
        List<ServiceInstance> found = candidates(query, owner);
        if (found.isEmpty()) {
            throw none.apply("no " + what);
        }
        if (found.size() > 1 && platform) {
            throw new BadRequestException((found.size() > NAMED ? "more than " + NAMED : String.valueOf(found.size()))
                    + " shared instances of this offering match the selectors; narrow them");
        }
        if (found.size() > 1) {
            throw new BadRequestException("more than one " + what + ": " + describe(found)
                    + "; narrow the selectors or give '" + REFERENCED_INSTANCE_ID + "'");
        }
        return found.get(0);
    }

    /**
     * Up to {@code NAMED + 1} instances of {@code query} of the owner's tenant: for a tenant, by its
     * index-backed label predicate; for none (with multitenancy on), the global ones among the first
     * {@link #GLOBAL_CANDIDATES}.
     */
    private List<ServiceInstance> candidates(Query query, Labels owner) {
        Repository<ServiceInstance> instances = store.repository(EntityTypes.SERVICE_INSTANCES);
        if (!tenancy.enabled()) {
            return instances.list(query, PageRequest.first(NAMED + 1)).items();
        }
        Optional<String> tenant = tenancy.tenantOf(owner);
        if (tenant.isPresent()) {
            return instances.list(query.and(tenancy.recordsOf(tenant.get())), PageRequest.first(NAMED + 1)).items();
        }
        List<ServiceInstance> global = instances.list(query, PageRequest.first(GLOBAL_CANDIDATES)).items().stream()
                .filter(i -> tenancy.sameTenant(owner, i.labels())).toList();
        return global.subList(0, Math.min(global.size(), NAMED + 1));
    }

    private static Query labelQuery(JsonNode selector) {
        List<JsonNode> parts = new ArrayList<>();
        if (selector.isArray()) {
            if (selector.size() > MAX_LABEL_SELECTORS) {
                throw new BadRequestException("selector '" + INSTANCE_LABEL_SELECTOR + "' holds " + selector.size()
                        + " label queries; at most " + MAX_LABEL_SELECTORS + " are allowed");
            }
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
            Text.storable("selector '" + INSTANCE_LABEL_SELECTOR + "'", part.asText());
            query = query.and(QueryParser.parseLabelQuery(part.asText()));
            // Each query is bounded by the parser; together they are bounded alike.
            if (query.criteria().size() > QueryParser.MAX_CRITERIA) {
                throw new BadRequestException("selector '" + INSTANCE_LABEL_SELECTOR + "' has more than "
                        + QueryParser.MAX_CRITERIA + " criteria in all; at most " + QueryParser.MAX_CRITERIA
                        + " are allowed");
            }
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
        return Text.storable("selector '" + field + "'", value.asText());
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
        requireUnreferenced(shared, action, error, Optional.empty());
    }

    /**
     * As {@link #requireUnreferenced(ServiceInstance, String, Function)} for a caller of tenant
     * {@code callerTenant} (empty: global, who sees all): it is told the references of its own
     * tenant by name and only the number of any others.
     */
    public void requireUnreferenced(ServiceInstance shared, String action,
            Function<String, ? extends ServiceManagerException> error, Optional<String> callerTenant) {
        if (tenancy.enabled() && callerTenant.isPresent()) {
            long count = store.repository(EntityTypes.SERVICE_INSTANCES)
                    .count(Query.fieldEquals(REFERENCED_INSTANCE_ID, shared.id()));
            if (count == 0) {
                return;
            }
            List<ServiceInstance> own = store.repository(EntityTypes.SERVICE_INSTANCES).list(
                    Query.fieldEquals(REFERENCED_INSTANCE_ID, shared.id()).and(tenancy.recordsOf(callerTenant.get())),
                    PageRequest.first(NAMED + 1)).items();
            long ownCount = own.size() > NAMED ? store.repository(EntityTypes.SERVICE_INSTANCES).count(
                    Query.fieldEquals(REFERENCED_INSTANCE_ID, shared.id()).and(tenancy.recordsOf(callerTenant.get())))
                    : own.size();
            String named = own.isEmpty() ? "" : ": " + describe(own.subList(0, Math.min(NAMED, own.size())))
                    + (ownCount > NAMED ? " and more" : "");
            String others = count > ownCount ? (own.isEmpty() ? "" : ";") + " " + (count - ownCount)
                    + " of them not of your tenant" : "";
            throw error.apply("service instance '" + shared.id() + "' cannot be " + action + ": " + count
                    + " reference instance(s) use it" + named + others + "; delete them first");
        }
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
     * As {@link #requireUnreferenced(ServiceInstance, String, Function, Optional)} as seen by the tenant
     * of {@code shared} itself: for the re-checks of deletes and cascades, whose message may be stored
     * in an operation that tenant reads. Only that tenant's references are named, others counted; a
     * shared instance of no tenant under multitenancy gets the number alone (references of tenants
     * may predate the tenant check).
     */
    public void requireUnreferencedByOwner(ServiceInstance shared, String action,
            Function<String, ? extends ServiceManagerException> error) {
        if (!tenancy.enabled()) {
            requireUnreferenced(shared, action, error);
            return;
        }
        Optional<String> owner = tenancy.tenantOf(shared.labels());
        if (owner.isPresent()) {
            requireUnreferenced(shared, action, error, owner);
        } else {
            requireUnreferencedCounting(shared, action, error);
        }
    }

    /**
     * For a platform on the OSB face: as {@link #requireUnreferenced}, but the message says how many
     * references use {@code shared}, not which: they may be other platforms' instances.
     */
    public void requireUnreferencedCounting(ServiceInstance shared, String action,
            Function<String, ? extends ServiceManagerException> error) {
        long count = store.repository(EntityTypes.SERVICE_INSTANCES)
                .count(Query.fieldEquals(REFERENCED_INSTANCE_ID, shared.id()));
        if (count > 0) {
            throw error.apply("service instance '" + shared.id() + "' cannot be " + action + ": " + count
                    + " reference instance(s) use it; they must be deleted first");
        }
    }

    /**
     * The shared instance that a new binding of {@code reference} is made on at the broker: it must
     * still be shared, ready and of a shareable plan of the reference's offering (400 otherwise, so
     * the broker is not called). The message names nothing the reference's platform did not know.
     */
    public ServiceInstance sharedForBind(ServiceInstance reference) {
        String problem = "the shared instance that service instance '" + reference.id() + "' references is no "
                + "longer shared, ready and of a plan that supports instance sharing; no binding can be made";
        // A reference to another tenant's instance (made before the tenant check existed) binds nothing.
        ServiceInstance shared = sharedOf(reference).filter(i -> tenancy.sameTenant(reference.labels(), i.labels()))
                .orElseThrow(() -> new BadRequestException(problem));
        Repository<ServicePlan> plans = store.repository(EntityTypes.SERVICE_PLANS);
        Optional<ServicePlan> referencePlan = plans.getWithoutLabels(reference.servicePlanId());
        Optional<ServicePlan> sharedPlan = plans.getWithoutLabels(shared.servicePlanId());
        if (!shared.shared() || !shared.ready() || referencePlan.isEmpty() || sharedPlan.isEmpty()
                || !ReferencePlans.isShareable(sharedPlan.get())
                || !sharedPlan.get().serviceOfferingId().equals(referencePlan.get().serviceOfferingId())) {
            throw new BadRequestException(problem);
        }
        return shared;
    }

    /**
     * In the transaction {@code tx} that stores a new reference to {@code sharedId}: checks again that
     * the shared instance is still shared and not being deleted, and writes its row back unchanged
     * (version-checked). An unshare or a deprovision of it writes that row too after its own check
     * for references, so of the two one fails on the version and, retried, sees the other: no
     * reference is ever left on an unshared or deleted instance. The shared instance must be of the
     * tenant of {@code reference} (the record being stored); else it is answered as unknown.
     */
    public static void holdShared(Store tx, ServiceInstance reference, Tenancy tenancy) {
        String sharedId = reference.referencedInstanceId();
        Repository<ServiceInstance> instances = tx.repository(EntityTypes.SERVICE_INSTANCES);
        ServiceInstance shared = instances.get(sharedId).filter(i -> tenancy.sameTenant(reference.labels(),
                i.labels())).orElseThrow(() -> new NotFoundException(
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
