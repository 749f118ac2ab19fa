package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.ForbiddenException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.JsonInput;

/**
 * {@code /v1/service_instances}: administrators provision, update and deprovision through the
 * Service Manager acting as the platform {@code service-manager} (the work itself is the
 * {@link PlatformOperations}' job), and read every instance, also those that platforms made
 * through the OSB face; of those, only the labels may be changed here. Stateless apart from its
 * collaborators; thread-safe.
 */
final class InstancesApi extends ResourceApi<ServiceInstance> {
    /** Fields the Service Manager sets itself; a client sending them would expect an effect there is not. */
    private static final List<String> READ_ONLY_FIELDS = List.of("platform_id", "ready", "usable", "context", "shared");
    private static final Set<String> CREATE_FIELDS = Set.of("name", "service_plan_id", "service_offering_name",
            "service_plan_name", "broker_name", "service_id", "parameters", "labels", "maintenance_info");
    private static final Set<String> PATCH_FIELDS = Set.of("id", "name", "service_plan_id", "parameters",
            "maintenance_info", "labels");
    /** How many dependent bindings a 409 names. */
    private static final int NAMED_DEPENDENTS = 10;

    private final PlatformOperations operations;
    private final OperationsApi operationsApi;
    private final InstanceSharing sharing;

    InstancesApi(Context ctx, PlatformOperations operations, OperationsApi operationsApi) {
        super(ctx, EntityTypes.SERVICE_INSTANCES);
        this.operations = operations;
        this.operationsApi = operationsApi;
        this.sharing = new InstanceSharing(ctx);
    }

    @Override
    ObjectNode toJson(ServiceInstance instance) {
        return EntityJson.instance(instance);
    }

    /** A single instance also shows its last operation. */
    @Override
    SmResponse get(Call call) {
        ServiceInstance instance = require(call.pathParam("id"));
        ObjectNode json = toJson(instance);
        json.set("last_operation", operationsApi.lastOperation(instance.lastOperation()));
        return Responses.json(200, json);
    }

    CompletableFuture<SmResponse> create(Call call) {
        boolean async = Modes.async(call);
        ObjectNode body = call.jsonBody();
        dropSmctlDefaults(body);
        dropEmptyId(body);
        rejectReadOnly(body);
        JsonInput in = JsonInput.of(body).allowOnly(CREATE_FIELDS);
        String name = in.requiredName("name");
        Plans.PlanOf target = plan(in, TenantGuard.operatorTenant(ctx, call.principal()));
        TenantGuard.checkPlanUsable(ctx, call.principal(), target);
        String serviceId = in.optionalString("service_id");
        if (serviceId != null && !serviceId.equals(target.offering().id())) {
            throw new BadRequestException("service_id '" + serviceId + "' is not the service offering of service plan '"
                    + target.plan().id() + "', which is '" + target.offering().id() + "'");
        }
        Plans.checkVisibleToServiceManager(ctx, target.plan());
        JsonNode parameters = parameters(in);
        // Read before the reference is resolved: its tenant label says whose shared instances count.
        Labels labels = LabelRules.parseObject(in);
        String referenced = sharing.referenceFor(target, parameters, labels);
        if (referenced != null) {
            // They named the shared instance; no broker ever sees them.
            parameters = null;
        }
        String maintenanceInfo = maintenanceInfo(in, target);
        // The name is checked by the engine once the record is stored (race-safe, 409 alike), so
        // a provision does not count the names twice.
        Instant now = ctx.now();
        ServiceInstance instance = new ServiceInstance(ctx.newId(), name, target.plan().id(),
                Platform.SERVICE_MANAGER_ID, Plans.context(name), null,
                maintenanceInfo != null ? maintenanceInfo : target.plan().maintenanceInfo(), true,
                LastOperation.inProgress(OperationType.CREATE, null), null, null, labels, now, now, false, 0)
                .withReferencedInstanceId(referenced);
        PlatformOperations.Started started = operations.provision(instance, target.plan(), target.offering(),
                parameters, Modes.caller(call));
        return Modes.answer(call, async, started, path(instance.id()), op -> Responses.json(201, current(instance.id())));
    }

    CompletableFuture<SmResponse> patch(Call call) {
        String id = call.pathParam("id");
        boolean async = Modes.async(call);
        ObjectNode body = call.jsonBody();
        if (body.has(InstanceSharing.SHARED) && sharing.isSharePatch(body, require(id))) {
            return CompletableFuture.completedFuture(share(call, id, body));
        }
        dropSmctlDefaults(body);
        rejectReadOnly(body);
        JsonInput in = JsonInput.of(body).allowOnly(PATCH_FIELDS);
        checkIdUnchanged(body, id);
        ServiceInstance current = require(id);
        sharing.checkUpdate(current, body);
        if (!Platform.SERVICE_MANAGER_ID.equals(current.platformId())) {
            return CompletableFuture.completedFuture(patchLabelsOfForeign(call, current, body));
        }
        if (in.isNull("name") || in.isNull("service_plan_id") || in.isNull("maintenance_info")) {
            throw new BadRequestException("fields 'name', 'service_plan_id' and 'maintenance_info' cannot be cleared");
        }
        ServiceInstance target = current;
        String name = in.optionalName("name");
        if (name != null && !name.equals(current.name())) {
            checkNameFree(name);
            target = target.withName(name).withPlan(target.servicePlanId(), Plans.context(name));
        }
        Plans.PlanOf plan = Plans.ofInstance(ctx, current);
        String planId = in.optionalString("service_plan_id");
        if (planId != null && !planId.equals(current.servicePlanId())) {
            Plans.PlanOf newPlan = Plans.byId(ctx, planId, "service_plan_id");
            if (!newPlan.offering().id().equals(plan.offering().id())) {
                throw new BadRequestException("service plan '" + planId + "' belongs to service offering '"
                        + newPlan.offering().id() + "', not to the instance's offering '" + plan.offering().id()
                        + "'; a plan can only change within its offering");
            }
            if (!plan.planUpdateable()) {
                throw new BadRequestException("service plan '" + plan.plan().id() + "' of service instance '" + id
                        + "' is not plan_updateable; its plan cannot be changed");
            }
            Plans.checkVisibleToServiceManager(ctx, newPlan.plan());
            sharing.checkPlanChange(current, newPlan.plan());
            plan = newPlan;
            target = target.withPlan(planId, target.context()).withMaintenanceInfo(newPlan.plan().maintenanceInfo());
        }
        if (in.has("maintenance_info")) {
            String info = maintenanceInfo(in, plan);
            target = target.withMaintenanceInfo(info);
        }
        JsonNode parameters = parameters(in);
        boolean brokerCall = PlatformOperations.needsBroker(current, target, parameters);
        if (brokerCall && !current.ready()) {
            // The broker has no instance to update yet (its create runs), or one it is being asked to
            // forget (orphan mitigation); name and labels are the Service Manager's own and may change.
            throw new ConcurrentModificationException("service instance '" + id + "' cannot be updated through "
                    + "its broker: it is not ready (" + notReadyReason(current) + ")");
        }
        target = target.withLabels(LabelRules.applyPatch(current.labels(), body.get("labels")), ctx.now());
        PlatformOperations.Started started = operations.update(current, target, parameters, Modes.caller(call));
        if (!target.name().equals(current.name()) && started.operation().state() == OperationState.SUCCEEDED) {
            // Renamed at once (no broker call): make sure no concurrent create or rename took the name too.
            String newName = target.name();
            Instant now = ctx.now();
            undoRenameIfTaken(Query.fieldEquals("name", newName).and(Query.fieldEquals("platform_id",
                    Platform.SERVICE_MANAGER_ID)), current, started.operation().id(),
                    i -> i.lastOperation().operationId(),
                    i -> i.withName(current.name()).withLabels(current.labels(), now)
                            .withOperation(current.lastOperation(), now),
                    i -> i.withName(current.name()), "a service instance with name '" + newName + "' already exists");
        }
        return Modes.answer(call, async, started, path(id), op -> Responses.json(200, current(id)));
    }

    /**
     * {@code {"shared": bool}} alone: synchronous, never a broker call, for an instance of any
     * platform. Asking for what is already so changes nothing; a change is recorded as an update
     * operation, which does not become the instance's last operation (its platform, or an update in
     * progress, owns that).
     */
    private SmResponse share(Call call, String id, ObjectNode body) {
        boolean wanted = sharing.wanted(body);
        checkIdUnchanged(body, id);
        ServiceInstance current = require(id);
        sharing.checkShare(current, wanted, TenantGuard.operatorTenant(ctx, call.principal()));
        if (current.shared() == wanted) {
            return Responses.json(200, toJson(current));
        }
        ServiceInstance updated = updateAsOperation(call, id, Operation.SERVICE_INSTANCES, i -> {
            // Again on the record this write is based on: a reference may have appeared meanwhile.
            sharing.checkShare(i, wanted, TenantGuard.operatorTenant(ctx, call.principal()));
            return i.withShared(wanted, ctx.now());
        }, null);
        return Responses.json(200, toJson(updated));
    }

    /** Instances of other platforms are theirs: only labels may change here, directly, without a broker call. */
    private SmResponse patchLabelsOfForeign(Call call, ServiceInstance current, ObjectNode body) {
        for (String field : List.of("name", "service_plan_id", "parameters", "maintenance_info")) {
            if (body.has(field)) {
                throw ownedElsewhere(current, "field '" + field + "' cannot be changed here; only its labels can");
            }
        }
        // An operation too, but the record's last operation stays the platform's: it polls that one.
        ServiceInstance updated = updateAsOperation(call, current.id(), Operation.SERVICE_INSTANCES, i -> i.withLabels(
                LabelRules.applyPatch(i.labels(), body.get("labels")), ctx.now()), null);
        return Responses.json(200, toJson(updated));
    }

    /** Deletes through the broker, so unlike the other types' {@code delete} this answers when the broker did. */
    CompletableFuture<SmResponse> deprovision(Call call) {
        String id = call.pathParam("id");
        boolean cascade = Modes.flag(call, "cascade");
        boolean async = Modes.async(call);
        ServiceInstance instance = require(id);
        if (!Platform.SERVICE_MANAGER_ID.equals(instance.platformId())) {
            throw ownedElsewhere(instance, "it can only be deleted by that platform");
        }
        sharing.checkDeletable(instance, TenantGuard.operatorTenant(ctx, call.principal()));
        if (cascade) {
            // Always asynchronous: a tree of broker calls has no single synchronous answer.
            PlatformOperations.Started started = operations.cascadeDelete(instance, Modes.caller(call));
            return CompletableFuture.completedFuture(Modes.accepted(Modes.location(call, path(id),
                    started.operation())));
        }
        if (instance.lastOperation().type() == OperationType.DELETE && instance.lastOperation().inProgress()) {
            // Before the bindings check: during a cascade the bindings are going, which is no reason for 409.
            throw new ConcurrentModificationException("service instance '" + id + "' is being deleted (operation '"
                    + instance.lastOperation().operationId() + "')");
        }
        List<ServiceBinding> bindings = ctx.store().repository(EntityTypes.SERVICE_BINDINGS)
                .list(Query.fieldEquals("service_instance_id", id), PageRequest.first(NAMED_DEPENDENTS)).items();
        if (!bindings.isEmpty()) {
            long count = ctx.store().repository(EntityTypes.SERVICE_BINDINGS)
                    .count(Query.fieldEquals("service_instance_id", id));
            throw new ExistingReferenceException("service instance '" + id + "' still has " + count
                    + " service binding(s): " + bindings.stream().map(b -> "'" + b.id() + "'"
                            + (b.name() == null ? "" : " (" + b.name() + ")")).toList()
                    + (count > bindings.size() ? " and more" : "")
                    + "; delete them first, or delete with cascade=true");
        }
        PlatformOperations.Started started = operations.deprovision(instance, Modes.caller(call));
        return Modes.answer(call, async, started, path(id), op -> Responses.emptyObject(200));
    }

    /** {@code GET /v1/service_instances/{id}/parameters}: the broker's view, if the offering offers it. */
    CompletableFuture<SmResponse> parameters(Call call) {
        ServiceInstance instance = require(call.pathParam("id"));
        InstanceSharing.checkParameters(instance);
        Plans.PlanOf plan = Plans.ofInstance(ctx, instance);
        if (!plan.offering().instancesRetrievable()) {
            throw new BadRequestException("service offering '" + plan.offering().name() + "' of service instance '"
                    + instance.id() + "' is not instances_retrievable; its broker cannot tell the parameters");
        }
        return operations.parameters(instance, Modes.caller(call)).thenApply(p -> Responses.json(200, p));
    }

    SmResponse operation(Call call) {
        return operationsApi.ofResource(call, Operation.SERVICE_INSTANCES);
    }

    private Plans.PlanOf plan(JsonInput in, Optional<String> tenant) {
        String planId = in.optionalString("service_plan_id");
        String offeringName = in.optionalString("service_offering_name");
        String planName = in.optionalString("service_plan_name");
        String brokerName = in.optionalString("broker_name");
        if (planId != null) {
            if (offeringName != null || planName != null || brokerName != null) {
                throw new BadRequestException("give either service_plan_id or service_offering_name and "
                        + "service_plan_name (and perhaps broker_name), not both");
            }
            return Plans.byId(ctx, planId, "service_plan_id");
        }
        if (offeringName == null || planName == null) {
            throw new BadRequestException("field 'service_plan_id', or both 'service_offering_name' and "
                    + "'service_plan_name', are required");
        }
        return Plans.byNames(ctx, tenant, offeringName, planName, brokerName);
    }

    /** {@code parameters}: an object, or absent. */
    static JsonNode parameters(JsonInput in) {
        JsonInput parameters = in.optionalObject("parameters");
        return parameters == null ? null : parameters.node();
    }

    /**
     * {@code maintenance_info}: an object whose {@code version} must be the version of the plan's
     * current one, since that is the only version the Service Manager can move an instance to. As
     * in OSB, the version identifies it: a client may send the description or not, or an older
     * one; what is stored and sent to the broker is the plan's.
     */
    private static String maintenanceInfo(JsonInput in, Plans.PlanOf plan) {
        JsonInput info = in.optionalObject("maintenance_info");
        if (info == null) {
            return null;
        }
        if (plan.plan().maintenanceInfo() == null) {
            throw new BadRequestException("service plan '" + plan.plan().id() + "' has no maintenance_info; leave "
                    + "out field 'maintenance_info'");
        }
        JsonNode given = info.node().get("version");
        if (given == null || !given.isTextual()) {
            throw new BadRequestException("field 'maintenance_info' needs a string 'version'");
        }
        JsonNode planVersion = Json.readTrusted(plan.plan().maintenanceInfo()).get("version");
        String current = planVersion == null ? null : planVersion.asText();
        if (!given.asText().equals(current)) {
            throw new BadRequestException("maintenance_info version '" + given.asText() + "' is not the version of "
                    + "service plan '" + plan.plan().id() + "', which is '" + current + "'; only the plan's current "
                    + "maintenance_info can be given");
        }
        return plan.plan().maintenanceInfo();
    }

    private void checkNameFree(String name) {
        if (repo().count(Query.fieldEquals("name", name).and(Query.fieldEquals("platform_id",
                Platform.SERVICE_MANAGER_ID))) > 0) {
            throw new ConflictException("a service instance with name '" + name + "' already exists");
        }
    }

    /**
     * smctl sends the zero values of its instance type in provision and update bodies: versions
     * from 2020 to 2021 always {@code "ready": false, "usable": false}, some 2021 ones always
     * {@code "shared": false}. Those say nothing (they are what a new instance is anyway) and are
     * dropped; {@code true} would ask for something the Service Manager sets itself, or for
     * sharing, which is a PATCH of its own: 400 (by {@link #rejectReadOnly}).
     */
    private static void dropSmctlDefaults(ObjectNode body) {
        if (body.path("shared").isBoolean() && body.get("shared").asBoolean()) {
            throw new BadRequestException("field 'shared' cannot be given with other fields; share an instance "
                    + "once it exists with a PATCH of {\"shared\": true} alone");
        }
        for (String field : List.of("ready", "usable", "shared")) {
            JsonNode value = body.get(field);
            if (value != null && value.isBoolean() && !value.asBoolean()) {
                body.remove(field);
            }
        }
    }

    /** Why an instance that is not {@code ready} is not, from its last operation. */
    static String notReadyReason(ServiceInstance instance) {
        LastOperation last = instance.lastOperation();
        if (last.type() == OperationType.DELETE && last.inProgress()) {
            return "it is being deleted";
        }
        if (last.type() == OperationType.CREATE && last.inProgress()) {
            return "its creation is in progress";
        }
        if (last.type() == OperationType.CREATE && last.state() == OperationState.FAILED) {
            // A failed create leaves a record only for orphan mitigation.
            return "its creation failed; it is kept until its broker confirms the deletion";
        }
        return "its last operation, " + Operation.wire(last.type()) + ", is " + Operation.wire(last.state());
    }

    /** Older smctl sends {@code "id": ""} when provisioning (or binding): no id given. */
    static void dropEmptyId(ObjectNode body) {
        JsonNode id = body.get("id");
        if (id != null && id.isTextual() && id.asText().isEmpty()) {
            body.remove("id");
        }
    }

    static void rejectReadOnly(ObjectNode body) {
        for (String field : READ_ONLY_FIELDS) {
            if (body.has(field)) {
                throw new BadRequestException("field '" + field + "' is set by the Service Manager and cannot be "
                        + "given");
            }
        }
    }

    static ForbiddenException ownedElsewhere(ServiceInstance instance, String what) {
        return new ForbiddenException("service instance '" + instance.id() + "' belongs to platform '"
                + instance.platformId() + "'; " + what);
    }

    /** The instance as stored now, or 404 if it is gone already. */
    private ObjectNode current(String id) {
        return toJson(require(id));
    }

    static String path(String id) {
        return Operation.SERVICE_INSTANCES + "/" + id;
    }
}
