package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.PreconditionFailedException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.osb.OsbRegistry.PlanRef;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.registry.PlatformView;
import org.servicemanager.core.internal.security.Principal;

/**
 * The OSB endpoints under {@code /v1/osb/{broker_id}}. Every call is checked before the broker
 * sees it; a refused call never reaches the broker. Records are written from the broker's answers
 * (OSB.md, "What we record"), after the call and outside any transaction. An instance record is
 * reserved before a provision is forwarded, so two concurrent provisions of one id can never
 * produce two records.
 */
final class OsbApi {
    private static final Pattern API_VERSION = Pattern.compile("2\\.\\d{1,4}");
    private static final int MAX_ATTEMPTS = 5;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OsbApi.class);

    private final Context ctx;
    private final OsbCatalog catalog;
    private final OsbForwarder forwarder;
    private final OsbRegistry registry;

    OsbApi(Context ctx) {
        this.ctx = ctx;
        this.catalog = new OsbCatalog(ctx);
        this.registry = new OsbRegistry(ctx);
        this.forwarder = new OsbForwarder(ctx.brokers(), ctx.secrets());
    }

    // ---- catalog -------------------------------------------------------------------------------

    SmResponse catalog(Call call) {
        ServiceBroker broker = check(call);
        return SmResponse.builder(200).header("Content-Type", Responses.JSON)
                .body(catalog.catalog(broker.id(), platform(call).id())).build();
    }

    // ---- instances -----------------------------------------------------------------------------

    CompletableFuture<SmResponse> provision(Call call) {
        ServiceBroker broker = check(call);
        Platform platform = platform(call);
        ObjectNode body = call.jsonBody();
        PlanRef ref = resolve(broker, requiredText(body, "service_id"), requiredText(body, "plan_id"));
        JsonNode context = body.get("context");
        requireVisible(platform, ref, orgOf(platform, context, body));
        String instanceId = call.pathParam("instance_id");
        Instant now = ctx.now();
        ServiceInstance reservation = new ServiceInstance(instanceId, text(context, "instance_name"), ref.plan().id(),
                platform.id(), jsonText(context), null, false, LastOperation.inProgress(OperationType.CREATE, null),
                null, null, Labels.empty(), now, now, false, 0);
        ServiceInstance reserved = reserve(instances(), reservation, platform, "service instance");
        if (reserved == null && instances().get(instanceId).filter(i -> !atBroker(i, broker)).isPresent()) {
            throw new ConflictException("service instance '" + instanceId + "' already exists at another broker");
        }
        return forwarder.forward(call, broker).handle((answer, failure) -> {
            if (failure != null || answer.status() >= 300 || answer.status() < 200) {
                if (reserved != null) {
                    dropReservation(instances(), reserved);
                }
                return answerOrThrow(answer, failure);
            }
            String dashboard = answer.text("dashboard_url");
            boolean async = answer.status() == 202;
            upsertInstance(reservation, reserved, current -> current.with(ref.plan().id(), jsonText(context),
                    dashboard != null ? dashboard : current.dashboardUrl(), true,
                    async ? LastOperation.inProgress(OperationType.CREATE, answer.text("operation"))
                            : LastOperation.succeeded(OperationType.CREATE),
                    null, null, !async || current.ready(), ctx.now()));
            return OsbForwarder.toPlatform(answer);
        });
    }

    CompletableFuture<SmResponse> update(Call call) {
        ServiceBroker broker = check(call);
        Platform platform = platform(call);
        ObjectNode body = call.jsonBody();
        ServiceInstance instance = ownedInstance(call, broker, platform);
        PlanRef current = planOf(broker, instance);
        PlanRef target = resolve(broker, requiredText(body, "service_id"),
                body.hasNonNull("plan_id") ? requiredText(body, "plan_id") : current.plan().catalogId());
        if (!target.offering().id().equals(current.offering().id())) {
            throw new BadRequestException("service_id '" + target.offering().catalogId()
                    + "' is not the service of instance '" + instance.id() + "'");
        }
        JsonNode context = body.get("context");
        if (!target.plan().id().equals(current.plan().id())) {
            if (!current.updateable()) {
                throw new BadRequestException("plan '" + current.plan().catalogName() + "' of service '"
                        + current.offering().catalogName() + "' does not allow plan changes (plan_updateable)");
            }
            requireVisible(platform, target, orgOf(platform,
                    context != null && !context.isNull() ? context : Json.readTrustedOrNull(instance.context()), body));
        }
        String newContext = context != null && !context.isNull() ? jsonText(context) : instance.context();
        return forwarder.forward(call, broker).thenApply(answer -> {
            if (answer.status() == 200) {
                String dashboard = answer.text("dashboard_url");
                updateInstance(instance.id(), i -> i.with(target.plan().id(), newContext,
                        dashboard != null ? dashboard : i.dashboardUrl(), true,
                        LastOperation.succeeded(OperationType.UPDATE), null, null, i.ready(), ctx.now()));
            } else if (answer.status() == 202) {
                updateInstance(instance.id(), i -> i.with(i.servicePlanId(), i.context(), i.dashboardUrl(),
                        i.usable(), LastOperation.inProgress(OperationType.UPDATE, answer.text("operation")),
                        target.plan().id(), newContext, i.ready(), ctx.now()));
            }
            return OsbForwarder.toPlatform(answer);
        });
    }

    CompletableFuture<SmResponse> deprovision(Call call) {
        ServiceBroker broker = check(call);
        Platform platform = platform(call);
        String instanceId = call.pathParam("instance_id");
        Optional<ServiceInstance> instance = knownInstance(call, broker, platform);
        PlanRef ref = resolve(broker, requiredQuery(call, "service_id"), requiredQuery(call, "plan_id"));
        if (instance.isEmpty()) {
            // No record (say, orphan mitigation after a failed provision): the platform must at least
            // see the plan in some scope, or it could delete what is not its business.
            requireVisible(platform, ref, Scoping.ANY_ORG);
        }
        return forwarder.forward(call, broker).thenApply(answer -> {
            if ((answer.status() == 200 || answer.status() == 410) && instance.isPresent()) {
                deleteIfStillOwned(instances(), instanceId, platform);
            } else if (answer.status() == 202 && instance.isPresent()) {
                updateInstance(instanceId, i -> i.with(i.servicePlanId(), i.context(), i.dashboardUrl(), i.usable(),
                        LastOperation.inProgress(OperationType.DELETE, answer.text("operation")), i.pendingPlanId(),
                        i.pendingContext(), i.ready(), ctx.now()));
            }
            return OsbForwarder.toPlatform(answer);
        });
    }

    CompletableFuture<SmResponse> fetchInstance(Call call) {
        ServiceBroker broker = check(call);
        ServiceInstance instance = ownedInstance(call, broker, platform(call));
        PlanRef ref = planOf(broker, instance);
        if (!ref.offering().instancesRetrievable()) {
            throw new BadRequestException("service '" + ref.offering().catalogName() + "' of broker '"
                    + broker.name() + "' does not support fetching instances (instances_retrievable)");
        }
        return forwarder.forward(call, broker).thenApply(OsbForwarder::toPlatform);
    }

    CompletableFuture<SmResponse> instanceLastOperation(Call call) {
        ServiceBroker broker = check(call);
        Platform platform = platform(call);
        Optional<ServiceInstance> instance = knownInstance(call, broker, platform);
        return forwarder.forward(call, broker).thenApply(answer -> {
            instance.ifPresent(i -> followInstance(i.id(), answer));
            return OsbForwarder.toPlatform(answer);
        });
    }

    /** Moves an instance record along with a {@code last_operation} answer. */
    private void followInstance(String instanceId, OsbForwarder.Answer answer) {
        Optional<ServiceInstance> found = instances().get(instanceId);
        if (found.isEmpty() || !found.get().lastOperation().inProgress()) {
            return;
        }
        OperationType type = found.get().lastOperation().type();
        if (answer.status() == 410) {
            if (type != OperationType.UPDATE) {
                instances().delete(instanceId);
            }
            return;
        }
        OperationState state = answer.status() == 200 ? state(answer.text("state")) : null;
        if (state == null || state == OperationState.IN_PROGRESS) {
            return;
        }
        String description = answer.text("description");
        boolean usable = !(answer.json().path("instance_usable").isBoolean())
                || answer.json().get("instance_usable").booleanValue();
        boolean succeeded = state == OperationState.SUCCEEDED;
        LastOperation done = new LastOperation(type, state, found.get().lastOperation().brokerOperation(),
                description);
        switch (type) {
            case CREATE -> {
                if (succeeded) {
                    updateInstance(instanceId, i -> i.with(i.servicePlanId(), i.context(), i.dashboardUrl(), true,
                            done, null, null, true, ctx.now()));
                } else {
                    instances().delete(instanceId);
                }
            }
            case UPDATE -> updateInstance(instanceId, i -> succeeded
                    ? i.with(i.pendingPlanId() != null ? i.pendingPlanId() : i.servicePlanId(),
                            i.pendingContext() != null ? i.pendingContext() : i.context(), i.dashboardUrl(), true,
                            done, null, null, i.ready(), ctx.now())
                    : i.with(i.servicePlanId(), i.context(), i.dashboardUrl(), usable, done, null, null, i.ready(),
                            ctx.now()));
            case DELETE -> {
                if (succeeded) {
                    instances().delete(instanceId);
                } else {
                    updateInstance(instanceId, i -> i.with(i.servicePlanId(), i.context(), i.dashboardUrl(), usable,
                            done, i.pendingPlanId(), i.pendingContext(), i.ready(), ctx.now()));
                }
            }
            default -> throw new IllegalStateException("unknown operation type " + type);
        }
    }

    // ---- bindings ------------------------------------------------------------------------------

    CompletableFuture<SmResponse> bind(Call call) {
        ServiceBroker broker = check(call);
        Platform platform = platform(call);
        ObjectNode body = call.jsonBody();
        ServiceInstance instance = ownedInstance(call, broker, platform);
        PlanRef ref = resolve(broker, requiredText(body, "service_id"), requiredText(body, "plan_id"));
        if (!ref.plan().id().equals(instance.servicePlanId())) {
            throw new BadRequestException("plan_id '" + ref.plan().catalogId() + "' is not the plan of instance '"
                    + instance.id() + "'");
        }
        if (!ref.bindable()) {
            throw new BadRequestException("plan '" + ref.plan().catalogName() + "' of service '"
                    + ref.offering().catalogName() + "' is not bindable");
        }
        String bindingId = call.pathParam("binding_id");
        Instant now = ctx.now();
        JsonNode context = body.get("context");
        ServiceBinding reservation = new ServiceBinding(bindingId, text(context, "binding_name"), instance.id(),
                platform.id(), jsonText(context), jsonText(body.get("bind_resource")),
                LastOperation.inProgress(OperationType.CREATE, null), Labels.empty(), now, now, false, 0);
        ServiceBinding reserved = reserve(bindings(), reservation, platform, "service binding");
        return forwarder.forward(call, broker).handle((answer, failure) -> {
            if (failure != null || answer.status() >= 300 || answer.status() < 200) {
                if (reserved != null) {
                    dropReservation(bindings(), reserved);
                }
                return answerOrThrow(answer, failure);
            }
            boolean async = answer.status() == 202;
            upsert(bindings(), reservation, reserved, b -> b.with(async
                    ? LastOperation.inProgress(OperationType.CREATE, answer.text("operation"))
                    : LastOperation.succeeded(OperationType.CREATE), !async || b.ready(), ctx.now()));
            return OsbForwarder.toPlatform(answer);
        });
    }

    CompletableFuture<SmResponse> unbind(Call call) {
        ServiceBroker broker = check(call);
        Platform platform = platform(call);
        String bindingId = call.pathParam("binding_id");
        Optional<ServiceBinding> binding = knownBinding(call, broker, platform);
        PlanRef ref = resolve(broker, requiredQuery(call, "service_id"), requiredQuery(call, "plan_id"));
        if (binding.isEmpty()) {
            requireVisible(platform, ref, Scoping.ANY_ORG);
        }
        return forwarder.forward(call, broker).thenApply(answer -> {
            if ((answer.status() == 200 || answer.status() == 410) && binding.isPresent()) {
                deleteIfStillOwned(bindings(), bindingId, platform);
            } else if (answer.status() == 202 && binding.isPresent()) {
                update(bindings(), bindingId, b -> b.with(
                        LastOperation.inProgress(OperationType.DELETE, answer.text("operation")), b.ready(),
                        ctx.now()));
            }
            return OsbForwarder.toPlatform(answer);
        });
    }

    CompletableFuture<SmResponse> fetchBinding(Call call) {
        ServiceBroker broker = check(call);
        ServiceBinding binding = ownedBinding(call, broker, platform(call));
        ServiceInstance instance = instances().get(binding.serviceInstanceId())
                .orElseThrow(() -> new NotFoundException("service binding '" + binding.id() + "' not found"));
        PlanRef ref = planOf(broker, instance);
        if (!ref.offering().bindingsRetrievable()) {
            throw new BadRequestException("service '" + ref.offering().catalogName() + "' of broker '"
                    + broker.name() + "' does not support fetching bindings (bindings_retrievable)");
        }
        return forwarder.forward(call, broker).thenApply(OsbForwarder::toPlatform);
    }

    CompletableFuture<SmResponse> bindingLastOperation(Call call) {
        ServiceBroker broker = check(call);
        Platform platform = platform(call);
        Optional<ServiceBinding> binding = knownBinding(call, broker, platform);
        return forwarder.forward(call, broker).thenApply(answer -> {
            binding.ifPresent(b -> followBinding(b.id(), answer));
            return OsbForwarder.toPlatform(answer);
        });
    }

    private void followBinding(String bindingId, OsbForwarder.Answer answer) {
        Optional<ServiceBinding> found = bindings().get(bindingId);
        if (found.isEmpty() || !found.get().lastOperation().inProgress()) {
            return;
        }
        OperationType type = found.get().lastOperation().type();
        if (answer.status() == 410) {
            bindings().delete(bindingId);
            return;
        }
        OperationState state = answer.status() == 200 ? state(answer.text("state")) : null;
        if (state == null || state == OperationState.IN_PROGRESS) {
            return;
        }
        boolean succeeded = state == OperationState.SUCCEEDED;
        if ((type == OperationType.CREATE && !succeeded) || (type == OperationType.DELETE && succeeded)) {
            bindings().delete(bindingId);
            return;
        }
        LastOperation done = new LastOperation(type, state, found.get().lastOperation().brokerOperation(),
                answer.text("description"));
        update(bindings(), bindingId, b -> b.with(done, b.ready() || succeeded, ctx.now()));
    }

    // ---- checks --------------------------------------------------------------------------------

    /** The checks every OSB call starts with: the API version header and the broker. */
    private ServiceBroker check(Call call) {
        String version = call.request().header("X-Broker-API-Version").orElse("");
        if (!API_VERSION.matcher(version).matches()) {
            throw new PreconditionFailedException("the X-Broker-API-Version header is "
                    + (version.isEmpty() ? "missing" : "'" + version + "', which is not supported")
                    + "; the Service Manager supports OSB 2.x, for example 2.17");
        }
        for (String param : new String[] {"instance_id", "binding_id"}) {
            call.optionalPathParam(param).ifPresent(id -> checkId(param, id));
        }
        String brokerId = call.pathParam("broker_id");
        return registry.broker(brokerId).map(OsbRegistry.BrokerView::broker)
                .orElseThrow(() -> new NotFoundException("service broker '" + brokerId + "' not found"));
    }

    /** Ids become URL segments at the broker and keys in tokens: keep them to what both can carry. */
    private static void checkId(String param, String id) {
        if (id.length() > 255 || id.equals(".") || id.equals("..") || !id.chars().noneMatch(Character::isISOControl)) {
            throw new BadRequestException(param + " must be 1 to 255 characters without control characters, and not "
                    + "'.' or '..'");
        }
    }

    private static Platform platform(Call call) {
        if (call.principal() instanceof Principal.PlatformCaller caller) {
            return caller.platform();
        }
        throw new IllegalStateException("OSB routes are for platforms only");
    }

    /** The registry view of a broker that {@link #check} found; gone since then is a 404 too. */
    private OsbRegistry.BrokerView view(ServiceBroker broker) {
        return registry.broker(broker.id())
                .orElseThrow(() -> new NotFoundException("service broker '" + broker.id() + "' not found"));
    }

    private PlanRef resolve(ServiceBroker broker, String serviceId, String planId) {
        OsbRegistry.BrokerView view = view(broker);
        ServiceOffering offering = view.offeringsByCatalogId().get(serviceId);
        if (offering == null) {
            throw new BadRequestException("service_id '" + serviceId + "' is not a service of broker '"
                    + broker.name() + "'");
        }
        return view.plan(serviceId, planId).orElseThrow(() -> new BadRequestException("plan_id '" + planId
                + "' is not a plan of service '" + offering.catalogName() + "' of broker '" + broker.name() + "'"));
    }

    /** The plan of an instance made through this broker ({@link #knownInstance} has checked that). */
    private PlanRef planOf(ServiceBroker broker, ServiceInstance instance) {
        PlanRef ref = view(broker).plansById().get(instance.servicePlanId());
        if (ref == null) {
            throw new NotFoundException("the plan of service instance '" + instance.id() + "' no longer exists");
        }
        return ref;
    }

    /** Which organization a call acts in, for the visibility check. */
    private record Scoping(boolean byOrg, String org) {
        static final Scoping ANY_ORG = new Scoping(false, null);
    }

    /**
     * Cloud Foundry calls are scoped by organization: the context's {@code organization_guid}, or
     * the body's top-level one (OSB still has platforms send it). A call that names no org sees
     * only the visibilities that are not limited to orgs.
     */
    private static Scoping orgOf(Platform platform, JsonNode context, ObjectNode body) {
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

    private void requireVisible(Platform platform, PlanRef ref, Scoping scoping) {
        if (registry.visibilities(platform.id(), ref.plan().id()).stream()
                .noneMatch(v -> PlatformView.grants(v, scoping.byOrg(), scoping.org()))) {
            throw new BadRequestException("plan '" + ref.plan().catalogName() + "' of service '"
                    + ref.offering().catalogName() + "' is not visible to platform '" + platform.name() + "'"
                    + (scoping.org() == null ? "" : " in organization '" + scoping.org() + "'"));
        }
    }

    /** Removes a record after the broker confirmed a delete, unless another platform owns the id by now. */
    private static <T extends Entity> void deleteIfStillOwned(Repository<T> repo, String id, Platform platform) {
        repo.get(id).filter(e -> ownerOf(e).equals(platform.id())).ifPresent(e -> repo.delete(id));
    }

    private ServiceInstance ownedInstance(Call call, ServiceBroker broker, Platform platform) {
        String id = call.pathParam("instance_id");
        return knownInstance(call, broker, platform)
                .orElseThrow(() -> new NotFoundException("service instance '" + id + "' not found"));
    }

    /**
     * The record of the addressed instance, if there is one. One of another platform, or one made
     * through another broker, does not exist as far as this call can tell: 404, so such a call can
     * neither reach this broker nor change or remove the record.
     */
    private Optional<ServiceInstance> knownInstance(Call call, ServiceBroker broker, Platform platform) {
        String id = call.pathParam("instance_id");
        Optional<ServiceInstance> instance = instances().get(id);
        if (instance.isPresent()) {
            requireOwner(instance.get().platformId(), platform, "service instance", id);
            if (!atBroker(instance.get(), broker)) {
                throw new NotFoundException("service instance '" + id + "' not found");
            }
        }
        return instance;
    }

    private ServiceBinding ownedBinding(Call call, ServiceBroker broker, Platform platform) {
        String id = call.pathParam("binding_id");
        return knownBinding(call, broker, platform)
                .orElseThrow(() -> new NotFoundException("service binding '" + id + "' not found"));
    }

    /** Like {@link #knownInstance}; a binding of another instance than the addressed one is 404 too. */
    private Optional<ServiceBinding> knownBinding(Call call, ServiceBroker broker, Platform platform) {
        knownInstance(call, broker, platform);
        String id = call.pathParam("binding_id");
        Optional<ServiceBinding> binding = bindings().get(id);
        if (binding.isPresent()) {
            requireOwner(binding.get().platformId(), platform, "service binding", id);
            if (!binding.get().serviceInstanceId().equals(call.pathParam("instance_id"))) {
                throw new NotFoundException("service binding '" + id + "' not found");
            }
        }
        return binding;
    }

    /** Whether an instance record was made through this broker, i.e. its plan is one of the broker's. */
    private boolean atBroker(ServiceInstance instance, ServiceBroker broker) {
        return view(broker).plansById().containsKey(instance.servicePlanId());
    }

    /** Another platform's instance or binding does not exist as far as this platform can tell. */
    private static void requireOwner(String owner, Platform platform, String what, String id) {
        if (!owner.equals(platform.id())) {
            throw new NotFoundException(what + " '" + id + "' not found");
        }
    }

    // ---- records -------------------------------------------------------------------------------

    private Repository<ServiceInstance> instances() {
        return ctx.store().repository(EntityTypes.SERVICE_INSTANCES);
    }

    private Repository<ServiceBinding> bindings() {
        return ctx.store().repository(EntityTypes.SERVICE_BINDINGS);
    }

    /**
     * Stores the reservation; an existing record of the same platform is left to the broker to judge
     * (it answers 200, 202 or 409/422), one of another platform makes the request a conflict.
     *
     * @return the record if this request created it (and so removes it if the broker refuses), else
     *     {@code null}
     */
    private static <T extends Entity> T reserve(Repository<T> repo, T reservation, Platform platform,
            String what) {
        try {
            return repo.create(reservation);
        } catch (UniqueViolationException e) {
            Optional<T> existing = repo.get(reservation.id());
            String owner = existing.map(OsbApi::ownerOf).orElse(platform.id());
            if (!owner.equals(platform.id())) {
                throw new ConflictException(what + " '" + reservation.id() + "' already exists");
            }
            return null;
        }
    }

    /**
     * Removes a reservation the broker refused, unless a concurrent request for the same id has
     * meanwhile recorded the broker's confirmation (the version moved on): the broker has that
     * resource, so the record must stay.
     */
    private <T extends Entity> void dropReservation(Repository<T> repo, T reserved) {
        ctx.store().inTransaction(tx -> {
            Repository<T> inTx = tx.repository(repo.type());
            inTx.get(reserved.id()).filter(current -> current.version() == reserved.version())
                    .ifPresent(current -> inTx.delete(current.id()));
            return null;
        });
    }

    private static String ownerOf(Entity entity) {
        return entity instanceof ServiceInstance i ? i.platformId() : ((ServiceBinding) entity).platformId();
    }

    private void upsertInstance(ServiceInstance reservation, ServiceInstance reserved,
            UnaryOperator<ServiceInstance> change) {
        upsert(instances(), reservation, reserved, change);
    }

    private void updateInstance(String id, UnaryOperator<ServiceInstance> change) {
        update(instances(), id, change);
    }

    /** Applies a change with optimistic retries; a record that vanished meanwhile stays gone. */
    private static <T extends Entity> void update(Repository<T> repo, String id, UnaryOperator<T> change) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<T> current = repo.get(id);
            if (current.isEmpty()) {
                return;
            }
            try {
                repo.update(change.apply(current.get()));
                return;
            } catch (ConcurrentModificationException | NotFoundException e) {
                // Someone else moved the record on; read it again.
            }
        }
        // The broker has acted; its answer still goes to the platform, and the next poll or call
        // brings the record up to date.
        LOG.warn("could not record the broker's answer for '{}' after {} attempts (concurrent changes)", id,
                MAX_ATTEMPTS);
    }

    /**
     * Like {@link #update}, but a record the broker confirmed is recreated if a concurrent refused
     * request removed the reservation meanwhile: the broker has the resource, so must we.
     * {@code reserved} is the record as this request stored it ({@code null} if it did not): the
     * usual case, where nothing touched it since, needs no read first.
     */
    private static <T extends Entity> void upsert(Repository<T> repo, T reservation, T reserved,
            UnaryOperator<T> change) {
        if (reserved != null) {
            try {
                repo.update(change.apply(reserved));
                return;
            } catch (ConcurrentModificationException | NotFoundException e) {
                // Someone else moved the record on or removed it; read it below.
            }
        }
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<T> current = repo.get(reservation.id());
            try {
                if (current.isEmpty()) {
                    repo.create(change.apply(reservation));
                } else {
                    repo.update(change.apply(current.get()));
                }
                return;
            } catch (ConcurrentModificationException | NotFoundException | UniqueViolationException e) {
                // Raced with another request on the same id; read it again.
            }
        }
        LOG.warn("could not record the broker's answer for '{}' after {} attempts (concurrent changes)",
                reservation.id(), MAX_ATTEMPTS);
    }

    // ---- small helpers -------------------------------------------------------------------------

    private static SmResponse answerOrThrow(OsbForwarder.Answer answer, Throwable failure) {
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(failure);
        }
        return OsbForwarder.toPlatform(answer);
    }

    private static String requiredText(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new BadRequestException("field '" + field + "' is required (a non-empty string)");
        }
        return value.asText();
    }

    private static String requiredQuery(Call call, String name) {
        return call.query(name).filter(v -> !v.isEmpty()).orElseThrow(() -> new BadRequestException(
                "query parameter '" + name + "' is required"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node != null && node.isObject() ? node.get(field) : null;
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static String jsonText(JsonNode node) {
        return node == null || node.isNull() ? null : Json.text(node);
    }

    private static OperationState state(String value) {
        if (value == null) {
            return null;
        }
        return switch (value) {
            case "in progress" -> OperationState.IN_PROGRESS;
            case "succeeded" -> OperationState.SUCCEEDED;
            case "failed" -> OperationState.FAILED;
            default -> null;
        };
    }
}
