package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.regex.Pattern;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.PreconditionFailedException;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.Text;
import org.servicemanager.core.internal.osb.OsbRegistry.PlanRef;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.registry.PlatformView;
import org.servicemanager.core.internal.security.Principal;

/**
 * The checks of the OSB endpoints: API version and headers, ids, the broker, the plan and its
 * capabilities, visibility and ownership. They read the registry and the records but change
 * nothing and call no broker, so a call they refuse leaves no trace. Each verb's checks return one
 * resolved call that carries what the verb needs. Thread-safe.
 */
final class OsbChecks {
    private static final Pattern API_VERSION = Pattern.compile("2\\.\\d{1,4}");

    /** A call that passed the checks every OSB call starts with: its broker and calling platform. */
    record OsbCall(Call call, OsbRegistry.BrokerView view, Platform platform, OsbTarget target) {
        ServiceBroker broker() {
            return view.broker();
        }

        String instanceId() {
            return call.pathParam("instance_id");
        }

        String bindingId() {
            return call.pathParam("binding_id");
        }
    }

    /** A provision that may be forwarded: its plan and the platform's context (or {@code null}). */
    record Provision(OsbCall osb, PlanRef plan, JsonNode context) {
    }

    /** An update that may be forwarded: the instance, the plan it moves to and the context it sets. */
    record Update(OsbCall osb, ServiceInstance instance, PlanRef target, String newContext) {
    }

    /** A bind that may be forwarded: the instance it binds, its plan and the platform's context. */
    record Bind(OsbCall osb, ServiceInstance instance, PlanRef plan, JsonNode context, JsonNode bindResource) {
    }

    private final Context ctx;
    private final OsbRegistry registry;
    /** Which broker the calling platform may reach at all (OsbGate); checked after the request's shape. */
    private final OsbGate gate;

    OsbChecks(Context ctx, OsbRegistry registry) {
        this.ctx = ctx;
        this.registry = registry;
        this.gate = new OsbGate(ctx, registry);
    }

    // ---- every call ----------------------------------------------------------------------------

    /** The checks every OSB call starts with: the headers, the ids in the path and the query, the broker. */
    OsbCall check(Call call) {
        String version = call.request().header("X-Broker-API-Version").orElse("");
        if (!API_VERSION.matcher(version).matches()) {
            throw new PreconditionFailedException("the X-Broker-API-Version header is "
                    + (version.isEmpty() ? "missing" : "'" + version + "', which is not supported")
                    + "; the Service Manager supports OSB 2.x, for example 2.17");
        }
        call.request().header("X-Broker-API-Originating-Identity").ifPresent(OsbChecks::checkOriginatingIdentity);
        // The gate checks the ids in the path and the query first (OsbTarget), as they are forwarded.
        // The request's own shape first: a malformed one gets the same 400 whether or not the broker is
        // reachable. The checked target is what the broker receives.
        OsbTarget target = OsbTarget.of(call);
        Platform platform = platform(call);
        return new OsbCall(call, gate.broker(call, platform), platform, target);
    }

    /** The header is passed on to the broker as received, so it must be a valid header value. */
    private static void checkOriginatingIdentity(String value) {
        if (value.length() > 8192 || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new BadRequestException("the X-Broker-API-Originating-Identity header must be printable ASCII "
                    + "('<platform> <base64 JSON>') of at most 8192 characters");
        }
    }

    private static Platform platform(Call call) {
        if (call.principal() instanceof Principal.PlatformCaller caller) {
            return caller.platform();
        }
        throw new IllegalStateException("OSB routes are for platforms only");
    }

    // ---- per verb ------------------------------------------------------------------------------

    Provision provision(OsbCall osb) {
        ObjectNode body = storableBody(osb);
        JsonNode context = body.get("context");
        PlanRef ref = usablePlan(osb, requiredText(body, "service_id"), requiredText(body, "plan_id"),
                orgOf(osb.platform(), context, body));
        // An existing record with this id is checked by requireReusable when the reservation finds
        // it: one store write instead of a read and a write on every provision.
        return new Provision(osb, ref, context);
    }

    /**
     * An instance record with the id of a provision: one of another platform does not exist for
     * this one (404, as GET says; a 409 would tell that the id is taken); one of this platform made
     * through another broker is a conflict. Otherwise the broker
     * judges the repeated provision (it answers 200, 202 or 409).
     */
    void requireReusable(OsbCall osb, ServiceInstance existing) {
        requireOwner(existing.platformId(), osb.platform(), "service instance", existing.id());
        if (!atBroker(existing, osb.view())) {
            throw new ConflictException("service instance '" + existing.id() + "' already exists at another broker");
        }
    }

    Update update(OsbCall osb) {
        ObjectNode body = storableBody(osb);
        ServiceInstance instance = ownedInstance(osb);
        PlanRef current = planOf(osb.view(), instance);
        // Compared as sent, before any look-up: whether other ids name a hidden service is not this
        // platform's to learn.
        String serviceId = requiredText(body, "service_id");
        if (!serviceId.equals(current.offering().catalogId())) {
            throw new BadRequestException("service_id '" + serviceId + "' is not the service of instance '"
                    + instance.id() + "'");
        }
        String planId = body.hasNonNull("plan_id") ? requiredText(body, "plan_id") : current.plan().catalogId();
        JsonNode context = body.get("context");
        boolean hasContext = context != null && !context.isNull();
        PlanRef target = current;
        if (!planId.equals(current.plan().catalogId())) {
            if (!current.updateable()) {
                throw new BadRequestException("plan '" + current.plan().catalogName() + "' of service '"
                        + current.offering().catalogName() + "' does not allow plan changes (plan_updateable)");
            }
            target = usablePlan(osb, serviceId, planId, orgOf(osb.platform(),
                    hasContext ? context : Json.readTrustedOrNull(instance.context()), body));
        }
        return new Update(osb, instance, target, hasContext ? Json.text(context) : instance.context());
    }

    /** The record a deprovision addresses, if any; without one the platform must see the plan somewhere. */
    Optional<ServiceInstance> deprovision(OsbCall osb) {
        return requireDeletable(osb, knownInstance(osb));
    }

    /**
     * The ids in a delete's query must name a plan of the broker. Without a record (say, orphan
     * mitigation after a failed create) the platform must at least see that plan in some scope, or
     * it could delete what is not its business.
     */
    private <T> Optional<T> requireDeletable(OsbCall osb, Optional<T> record) {
        String serviceId = requiredQuery(osb.call(), "service_id");
        String planId = requiredQuery(osb.call(), "plan_id");
        if (record.isEmpty()) {
            usablePlan(osb, serviceId, planId, Scoping.ANY_ORG);
        } else {
            resolve(osb.view(), serviceId, planId);
        }
        return record;
    }

    void fetchInstance(OsbCall osb) {
        PlanRef ref = planOf(osb.view(), ownedInstance(osb));
        if (!ref.offering().instancesRetrievable()) {
            throw new BadRequestException("service '" + ref.offering().catalogName() + "' of broker '"
                    + osb.broker().name() + "' does not support fetching instances (instances_retrievable)");
        }
    }

    Bind bind(OsbCall osb) {
        ObjectNode body = storableBody(osb);
        ServiceInstance instance = ownedInstance(osb);
        PlanRef ref = planOf(osb.view(), instance);
        try {
            // Compared as sent, without a look-up: whether other ids name a hidden plan is not this
            // platform's to learn.
            String serviceId = requiredText(body, "service_id");
            String planId = requiredText(body, "plan_id");
            if (!serviceId.equals(ref.offering().catalogId()) || !planId.equals(ref.plan().catalogId())) {
                throw new BadRequestException("service_id '" + serviceId + "' and plan_id '" + planId
                        + "' are not the service and plan of instance '" + instance.id() + "'");
            }
        } catch (BadRequestException e) {
            // OSB: the same binding id with other parameters is 409, not a bad request.
            Optional<ServiceBinding> existing = bindings().get(osb.bindingId());
            if (existing.isPresent()) {
                requireReusable(osb, existing.get());
                throw new ConflictException("service binding '" + existing.get().id() + "' already exists with "
                        + "other parameters: " + e.getMessage());
            }
            throw e;
        }
        if (!ref.bindable()) {
            throw new BadRequestException("plan '" + ref.plan().catalogName() + "' of service '"
                    + ref.offering().catalogName() + "' is not bindable");
        }
        // An existing binding with this id is checked by requireReusable when the reservation finds it.
        return new Bind(osb, instance, ref, body.get("context"), body.get("bind_resource"));
    }

    /**
     * A binding record with the id of a bind: one of another platform does not exist for this one
     * (404, as GET says); one of another instance of this platform is the same id with other
     * parameters (409).
     */
    void requireReusable(OsbCall osb, ServiceBinding existing) {
        requireOwner(existing.platformId(), osb.platform(), "service binding", existing.id());
        if (!existing.serviceInstanceId().equals(osb.instanceId())) {
            throw new ConflictException("service binding '" + existing.id() + "' already exists for another "
                    + "service instance");
        }
    }

    /** Like {@link #deprovision}, for a binding. */
    Optional<ServiceBinding> unbind(OsbCall osb) {
        return requireDeletable(osb, knownBinding(osb));
    }

    void fetchBinding(OsbCall osb) {
        ServiceBinding binding = ownedBinding(osb);
        ServiceInstance instance = instances().get(binding.serviceInstanceId())
                .orElseThrow(() -> new NotFoundException("service binding '" + binding.id() + "' not found"));
        PlanRef ref = planOf(osb.view(), instance);
        if (!ref.offering().bindingsRetrievable()) {
            throw new BadRequestException("service '" + ref.offering().catalogName() + "' of broker '"
                    + osb.broker().name() + "' does not support fetching bindings (bindings_retrievable)");
        }
    }

    // ---- plans and visibility ------------------------------------------------------------------

    PlanRef resolve(OsbRegistry.BrokerView view, String serviceId, String planId) {
        ServiceBroker broker = view.broker();
        ServiceOffering offering = view.offeringsByCatalogId().get(serviceId);
        if (offering == null) {
            throw new BadRequestException("service_id '" + serviceId + "' is not a service of broker '"
                    + broker.name() + "'");
        }
        return view.plan(serviceId, planId).orElseThrow(() -> new BadRequestException("plan_id '" + planId
                + "' is not a plan of service '" + offering.catalogName() + "' of broker '" + broker.name() + "'"));
    }

    /** The plan of an instance made through this broker ({@link #knownInstance} has checked that). */
    PlanRef planOf(OsbRegistry.BrokerView view, ServiceInstance instance) {
        PlanRef ref = view.plansById().get(instance.servicePlanId());
        if (ref == null) {
            throw new NotFoundException("the plan of service instance '" + instance.id() + "' no longer exists");
        }
        return ref;
    }

    /** Which organization a call acts in, for the visibility check. */
    record Scoping(boolean byOrg, String org) {
        static final Scoping ANY_ORG = new Scoping(false, null);
    }

    /**
     * Cloud Foundry calls are scoped by organization: the context's {@code organization_guid}, or
     * the body's top-level one (OSB still has platforms send it). A call that names no org sees
     * only the visibilities that are not limited to orgs.
     */
    static Scoping orgOf(Platform platform, JsonNode context, ObjectNode body) {
        if (!"cloudfoundry".equals(platform.type())) {
            return Scoping.ANY_ORG;
        }
        String org = text(context, "organization_guid");
        if (org == null) {
            JsonNode topLevel = body.get("organization_guid");
            org = topLevel != null && topLevel.isTextual() && !topLevel.asText().equals("-")
                    ? topLevel.asText() : null;
        }
        return new Scoping(true, org);
    }

    /**
     * The plan a create, a plan change or a delete without a record names, if the platform may use
     * it. Ids that name nothing and ids of a plan the platform does not see get one answer, in the
     * platform's own words: naming a hidden plan or offering, or answering differently, would tell
     * another platform's catalog to anyone who guesses ids.
     */
    PlanRef usablePlan(OsbCall osb, String serviceId, String planId, Scoping scoping) {
        Optional<PlanRef> ref = osb.view().plan(serviceId, planId);
        if (ref.isEmpty() || registry.visibilities(osb.platform().id(), ref.get().plan().id()).stream()
                .noneMatch(v -> PlatformView.grants(v, scoping.byOrg(), scoping.org()))) {
            throw new BadRequestException("service_id '" + serviceId + "' and plan_id '" + planId + "' name no plan "
                    + "of broker '" + osb.broker().name() + "' that platform '" + osb.platform().name() + "' may use"
                    + (scoping.org() == null ? "" : " in organization '" + scoping.org() + "'"));
        }
        return ref.get();
    }

    // ---- ownership -----------------------------------------------------------------------------

    ServiceInstance ownedInstance(OsbCall osb) {
        return knownInstance(osb).orElseThrow(
                () -> new NotFoundException("service instance '" + osb.instanceId() + "' not found"));
    }

    /**
     * The record of the addressed instance, if there is one. One of another platform, or one made
     * through another broker, does not exist as far as this call can tell: 404, so such a call can
     * neither reach this broker nor change or remove the record.
     */
    Optional<ServiceInstance> knownInstance(OsbCall osb) {
        String id = osb.instanceId();
        Optional<ServiceInstance> instance = instances().get(id);
        if (instance.isPresent()) {
            requireOwner(instance.get().platformId(), osb.platform(), "service instance", id);
            if (!atBroker(instance.get(), osb.view())) {
                throw new NotFoundException("service instance '" + id + "' not found");
            }
        }
        return instance;
    }

    ServiceBinding ownedBinding(OsbCall osb) {
        return knownBinding(osb).orElseThrow(
                () -> new NotFoundException("service binding '" + osb.bindingId() + "' not found"));
    }

    /** Like {@link #knownInstance}; a binding of another instance than the addressed one is 404 too. */
    Optional<ServiceBinding> knownBinding(OsbCall osb) {
        knownInstance(osb);
        String id = osb.bindingId();
        Optional<ServiceBinding> binding = bindings().get(id);
        if (binding.isPresent()) {
            requireOwner(binding.get().platformId(), osb.platform(), "service binding", id);
            if (!binding.get().serviceInstanceId().equals(osb.instanceId())) {
                throw new NotFoundException("service binding '" + id + "' not found");
            }
        }
        return binding;
    }

    /** Whether an instance record was made through this broker, i.e. its plan is one of the broker's. */
    private static boolean atBroker(ServiceInstance instance, OsbRegistry.BrokerView view) {
        return view.plansById().containsKey(instance.servicePlanId());
    }

    /** Another platform's instance or binding does not exist as far as this platform can tell. */
    private static void requireOwner(String owner, Platform platform, String what, String id) {
        if (!owner.equals(platform.id())) {
            throw new NotFoundException(what + " '" + id + "' not found");
        }
    }

    private Repository<ServiceInstance> instances() {
        return ctx.store().repository(EntityTypes.SERVICE_INSTANCES);
    }

    private Repository<ServiceBinding> bindings() {
        return ctx.store().repository(EntityTypes.SERVICE_BINDINGS);
    }

    // ---- small helpers -------------------------------------------------------------------------

    /**
     * The JSON body of a provision, update or bind, every string and field name of it storable:
     * its context (with the instance or binding name) and bind_resource are kept in the records,
     * where NUL or an unpaired surrogate would fail the store (PostgreSQL refuses NUL) after the
     * broker was called. Parameters are only forwarded, but a broker cannot store them either, and
     * one rule for the whole body is simpler to state than one per field.
     */
    private static ObjectNode storableBody(OsbCall osb) {
        ObjectNode body = osb.call().jsonBody();
        Text.storableJson("the body", body);
        return body;
    }

    private static String requiredText(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new BadRequestException("field '" + field + "' is required (a non-empty string)");
        }
        return value.asText();
    }

    static String requiredQuery(Call call, String name) {
        return call.query(name).filter(v -> !v.isEmpty()).orElseThrow(() -> new BadRequestException(
                "query parameter '" + name + "' is required"));
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node != null && node.isObject() ? node.get(field) : null;
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
