package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.ForbiddenException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.security.Principal;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.JsonInput;

/**
 * {@code /v1/service_bindings}: administrators bind and unbind instances of the platform
 * {@code service-manager} through {@link PlatformOperations}, and read every binding. The
 * credentials the broker returned are stored sealed and shown only by the creating call and the
 * single GET to an administrator, never in lists and never to a read-only operator. Thread-safe.
 */
final class BindingsApi extends ResourceApi<ServiceBinding> {
    private static final List<String> READ_ONLY_FIELDS = List.of("platform_id", "ready", "context", "credentials",
            "syslog_drain_url", "route_service_url", "volume_mounts", "endpoints");
    private static final Set<String> CREATE_FIELDS = Set.of("name", "service_instance_id", "parameters", "labels",
            "bind_resource");
    private static final Set<String> PATCH_FIELDS = Set.of("id", "name", "labels");

    private final PlatformOperations operations;
    private final OperationsApi operationsApi;

    BindingsApi(Context ctx, PlatformOperations operations, OperationsApi operationsApi) {
        super(ctx, EntityTypes.SERVICE_BINDINGS);
        this.operations = operations;
        this.operationsApi = operationsApi;
    }

    /** Without credentials: what lists show. */
    @Override
    ObjectNode toJson(ServiceBinding binding) {
        return EntityJson.binding(binding);
    }

    /** With what the broker returned of the binding (credentials and the like), opened. */
    private ObjectNode withCredentials(ServiceBinding binding) {
        ObjectNode json = toJson(binding);
        if (binding.credentials() != null) {
            JsonNode opened = Json.readTrusted(ctx.secrets().openText(binding.credentials()));
            opened.properties().forEach(e -> json.set(e.getKey(), e.getValue()));
        }
        return json;
    }

    /**
     * A single binding shows its credentials (and the other fields the broker returned, all sealed
     * at rest) and its last operation; to an operator without the role admin, only its last
     * operation: a read-only operator must not see secrets.
     */
    @Override
    SmResponse get(Call call) {
        ServiceBinding binding = require(call.pathParam("id"));
        boolean admin = call.principal() instanceof Principal.Operator operator && operator.has(Role.ADMIN);
        ObjectNode json = admin ? withCredentials(binding) : toJson(binding);
        json.set("last_operation", operationsApi.lastOperation(binding.lastOperation()));
        return Responses.json(200, json);
    }

    CompletableFuture<SmResponse> create(Call call) {
        boolean async = Modes.async(call);
        ObjectNode body = call.jsonBody();
        InstancesApi.dropEmptyId(body);
        rejectReadOnly(body);
        JsonInput in = JsonInput.of(body).allowOnly(CREATE_FIELDS);
        String name = in.requiredName("name");
        String instanceId = in.requiredString("service_instance_id");
        ServiceInstance instance = ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(instanceId).orElseThrow(
                () -> new BadRequestException("service instance '" + instanceId
                        + "' (service_instance_id) does not exist"));
        if (!Platform.SERVICE_MANAGER_ID.equals(instance.platformId())) {
            throw InstancesApi.ownedElsewhere(instance, "only that platform can bind it");
        }
        LastOperation last = instance.lastOperation();
        if (last.inProgress() && last.type() == OperationType.DELETE) {
            throw new ConcurrentModificationException("service instance '" + instanceId + "' is being deleted");
        }
        if (!instance.ready()) {
            // Waiting helps only while its creation runs (422, retry later); a failed one never becomes ready.
            String reason = "service instance '" + instanceId + "' is not ready ("
                    + InstancesApi.notReadyReason(instance) + ")";
            throw last.inProgress() ? new ConcurrentModificationException(reason) : new BadRequestException(reason);
        }
        Plans.PlanOf plan = InstanceSharing.planAtBroker(ctx, instance);
        if (!plan.bindable()) {
            throw new BadRequestException("service plan '" + plan.plan().id() + "' (" + plan.plan().name()
                    + ") of service instance '" + instanceId + "' is not bindable");
        }
        JsonNode parameters = InstancesApi.parameters(in);
        JsonInput bindResource = in.optionalObject("bind_resource");
        Labels labels = LabelRules.parseObject(in);
        checkNameFree(instanceId, name);
        Instant now = ctx.now();
        ServiceBinding binding = new ServiceBinding(ctx.newId(), name, instanceId, Platform.SERVICE_MANAGER_ID,
                Plans.context(instance.name()), bindResource == null ? null : Json.text(bindResource.node()), null,
                LastOperation.inProgress(OperationType.CREATE, null), labels, now, now, false, 0);
        PlatformOperations.Started started;
        try {
            started = operations.bind(binding, parameters, Modes.caller(call));
        } catch (NotFoundException e) {
            // The instance was deleted since it was read above: as if it had never existed (a body's reference).
            throw new BadRequestException("service instance '" + instanceId + "' (service_instance_id) does not "
                    + "exist");
        }
        return Modes.answer(call, async, started, path(binding.id()),
                op -> Responses.json(201, withCredentials(require(binding.id()))));
    }

    /** Name and labels only, and never a broker call: OSB has no binding update. */
    SmResponse patch(Call call) {
        String id = call.pathParam("id");
        Modes.async(call);
        ObjectNode body = call.jsonBody();
        JsonInput in = JsonInput.of(body).allowOnly(PATCH_FIELDS);
        checkIdUnchanged(body, id);
        if (in.isNull("name")) {
            throw new BadRequestException("field 'name' is required and cannot be cleared");
        }
        String name = in.optionalName("name");
        ServiceBinding current = require(id);
        if (name != null && !name.equals(current.name())) {
            if (!Platform.SERVICE_MANAGER_ID.equals(current.platformId())) {
                throw ownedElsewhere(current, "field 'name' cannot be changed here; only its labels can");
            }
            checkNameFree(current.serviceInstanceId(), name);
        }
        boolean own = Platform.SERVICE_MANAGER_ID.equals(current.platformId());
        // An update operation, done at once; a binding of another platform keeps its last operation,
        // which that platform polls through the OSB face.
        ServiceBinding updated = updateAsOperation(call, id, Operation.SERVICE_BINDINGS, b -> {
            if (own && b.lastOperation().inProgress()) {
                // Not thrown as a ConcurrentModificationException of the store: that one is retried.
                throw new ConcurrentModificationException("service binding '" + id + "' has an operation in "
                        + "progress (" + Operation.wire(b.lastOperation().type()) + ")");
            }
            ServiceBinding named = name == null ? b : b.withName(name);
            return named.withLabels(LabelRules.applyPatch(b.labels(), body.get("labels")), ctx.now());
        }, own ? (b, last) -> b.withOperation(last, ctx.now()) : null);
        if (own && name != null && !name.equals(current.name())) {
            // No unique key in the store: a concurrent create or rename may have taken the name too.
            Instant now = ctx.now();
            undoRenameIfTaken(Query.fieldEquals("name", name).and(Query.fieldEquals("service_instance_id",
                    current.serviceInstanceId())), current, updated.lastOperation().operationId(),
                    b -> b.lastOperation().operationId(),
                    b -> b.withName(current.name()).withLabels(current.labels(), now)
                            .withOperation(current.lastOperation(), now),
                    b -> b.withName(current.name()), "service instance '" + current.serviceInstanceId()
                            + "' already has a service binding named '" + name + "'");
        }
        return Responses.json(200, toJson(updated));
    }

    /** Unbinds through the broker. */
    CompletableFuture<SmResponse> unbind(Call call) {
        String id = call.pathParam("id");
        boolean async = Modes.async(call);
        ServiceBinding binding = require(id);
        if (!Platform.SERVICE_MANAGER_ID.equals(binding.platformId())) {
            throw ownedElsewhere(binding, "it can only be deleted by that platform");
        }
        PlatformOperations.Started started = operations.unbind(binding, Modes.caller(call));
        return Modes.answer(call, async, started, path(id), op -> Responses.emptyObject(200));
    }

    /** {@code GET /v1/service_bindings/{id}/parameters}: the broker's view, if the offering offers it. */
    CompletableFuture<SmResponse> parameters(Call call) {
        ServiceBinding binding = require(call.pathParam("id"));
        ServiceInstance instance = ctx.store().repository(EntityTypes.SERVICE_INSTANCES)
                .get(binding.serviceInstanceId()).orElseThrow(() -> notFound(binding.id()));
        Plans.PlanOf plan = Plans.ofInstance(ctx, instance);
        if (!plan.offering().bindingsRetrievable()) {
            throw new BadRequestException("service offering '" + plan.offering().name() + "' of service binding '"
                    + binding.id() + "' is not bindings_retrievable; its broker cannot tell the parameters");
        }
        return operations.parameters(binding, Modes.caller(call)).thenApply(p -> Responses.json(200, p));
    }

    SmResponse operation(Call call) {
        return operationsApi.ofResource(call, Operation.SERVICE_BINDINGS);
    }

    private void checkNameFree(String instanceId, String name) {
        if (repo().count(Query.fieldEquals("name", name).and(Query.fieldEquals("service_instance_id",
                instanceId))) > 0) {
            throw new ConflictException("service instance '" + instanceId + "' already has a service binding named '"
                    + name + "'");
        }
    }

    private static void rejectReadOnly(ObjectNode body) {
        for (String field : READ_ONLY_FIELDS) {
            if (body.has(field)) {
                throw new BadRequestException("field '" + field + "' is set by the Service Manager and cannot be "
                        + "given");
            }
        }
    }

    private static ForbiddenException ownedElsewhere(ServiceBinding binding, String what) {
        return new ForbiddenException("service binding '" + binding.id() + "' belongs to platform '"
                + binding.platformId() + "'; " + what);
    }

    static String path(String id) {
        return Operation.SERVICE_BINDINGS + "/" + id;
    }
}
