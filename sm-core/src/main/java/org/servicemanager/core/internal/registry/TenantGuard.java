package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ForbiddenException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Handler;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.JsonInput;
import org.servicemanager.core.internal.security.Principal;
import org.servicemanager.core.internal.tenancy.Tenancy;

/**
 * Where the REST API applies {@link Tenancy}: the tenant part of every list and bulk delete
 * ({@link #scope}), and wrappers around the routes that address one record by id, that create one,
 * or that read an operation of one. A tenant caller's record of another tenant (or a global one)
 * answers 404 like an unknown id before the handler runs; creates get the tenant label written into
 * the body the handler then reads; label changes are checked against the stored labels. With
 * multitenancy off the wrappers are the handlers themselves and the scope is everything, so nothing
 * changes. Offerings and plans belong to their broker: a tenant sees those of global brokers and of
 * its own, and may change the labels only of its own. Stateless; thread-safe.
 */
final class TenantGuard {
    private final Context ctx;
    private final Tenancy tenancy;

    TenantGuard(Context ctx) {
        this.ctx = ctx;
        this.tenancy = ctx.tenancy();
    }

    /** What of {@code type} the caller's tenant may see: all for global callers. */
    static Scope scope(Context ctx, Principal principal, EntityType<?> type) {
        Tenancy tenancy = ctx.tenancy();
        if (!tenancy.enabled()) {
            return Scope.ALL;
        }
        if (principal instanceof Principal.PlatformCaller caller && type == EntityTypes.VISIBILITIES
                && tenancy.tenantOf(principal).isPresent()) {
            // A public visibility of another tenant's plan is none of this platform's business.
            return Scope.fieldIn("service_plan_id", new PlatformView(ctx.store(), tenancy).planIds(caller.platformId()));
        }
        Optional<String> tenant = principal instanceof Principal.Operator ? tenancy.tenantOf(principal)
                : Optional.empty();
        if (tenant.isEmpty()) {
            return Scope.ALL;
        }
        if (type == EntityTypes.SERVICE_OFFERINGS) {
            return Scope.fieldIn("broker_id", TenantPlans.brokerIds(ctx.store(), tenancy, tenant.get()));
        }
        if (type == EntityTypes.SERVICE_PLANS) {
            return Scope.fieldIn("service_offering_id", TenantPlans.offeringIds(ctx.store(), tenancy, tenant.get()));
        }
        return new Scope(tenancy.recordsOf(tenant.get()), false);
    }

    /** A route addressing {@code type} by its {@code id} path parameter. */
    Handler byId(EntityType<? extends Entity> type, Handler handler) {
        if (!tenancy.enabled()) {
            return handler;
        }
        return call -> {
            checkById(call, type);
            return handler.handle(call);
        };
    }

    /** A route creating a {@code type} from a JSON body with {@code labels}. */
    Handler create(EntityType<? extends Entity> type, Handler handler) {
        if (!tenancy.enabled()) {
            return handler;
        }
        return call -> {
            checkCreate(call, type);
            return handler.handle(call);
        };
    }

    /** A route reading an operation ({@code op_id}) of a resource: only the caller's tenant's. */
    Handler operation(Handler handler) {
        if (!tenancy.enabled()) {
            return handler;
        }
        return call -> {
            Optional<String> tenant = operatorTenant(ctx, call.principal());
            if (tenant.isPresent()) {
                String opId = call.pathParam("op_id");
                Optional<Operation> op = ctx.store().repository(EntityTypes.OPERATIONS).get(opId);
                if (op.isPresent() && !tenancy.belongsTo(op.get().labels(), tenant.get())) {
                    throw new NotFoundException("operation '" + opId + "' not found");
                }
            }
            return handler.handle(call);
        };
    }

    /**
     * 400 unless a tenant caller may use the plan (of a global broker or of its own): another
     * tenant's plan does not exist for it. For creates that name their plan by id or by names.
     */
    static void checkPlanUsable(Context ctx, Principal principal, Plans.PlanOf plan) {
        Optional<String> tenant = operatorTenant(ctx, principal);
        // The plan and its offering are read already: one broker read by key decides.
        if (tenant.isPresent() && ctx.store().repository(EntityTypes.SERVICE_BROKERS).get(plan.offering().brokerId())
                .filter(broker -> ctx.tenancy().mayUse(tenant, broker)).isEmpty()) {
            throw new BadRequestException("service plan '" + plan.plan().id() + "' (service_plan_id) does not exist");
        }
    }

    /**
     * The tenant an operator acts for; empty for a global operator, and for platforms, which
     * {@link PlatformView} scopes instead.
     */
    static Optional<String> operatorTenant(Context ctx, Principal principal) {
        return principal instanceof Principal.Operator ? ctx.tenancy().tenantOf(principal) : Optional.empty();
    }

    private void checkById(Call call, EntityType<? extends Entity> type) {
        String id = call.pathParam("id");
        Optional<? extends Entity> found = ctx.store().repository(type).get(id);
        if (found.isEmpty()) {
            return; // the handler answers 404 as always
        }
        Entity entity = found.get();
        Optional<String> tenant = operatorTenant(ctx, call.principal());
        boolean patch = call.request().method().equals("PATCH");
        if (tenant.isPresent()) {
            if (type == EntityTypes.SERVICE_OFFERINGS || type == EntityTypes.SERVICE_PLANS) {
                Optional<String> owner = brokerTenantOf(entity);
                if (owner.isPresent() && !owner.get().equals(tenant.get())) {
                    throw new NotFoundException(type.singular() + " '" + id + "' not found");
                }
                if (owner.isEmpty() && patch) {
                    throw new ForbiddenException(type.singular() + " '" + id + "' belongs to a global service broker: "
                            + "only a global administrator may change it");
                }
            } else if (!tenancy.belongsTo(entity.labels(), tenant.get())) {
                throw new NotFoundException(type.singular() + " '" + id + "' not found");
            }
        }
        if (patch) {
            ObjectNode body = call.jsonBody();
            JsonNode ops = body.get("labels");
            if (ops != null && !ops.isNull()) {
                tenancy.checkChange(call.principal(), entity.labels(), LabelRules.applyPatch(entity.labels(), ops));
            }
            if (tenant.isPresent()) {
                checkReferences(call, type, body, tenant.get(), entity);
            }
        }
    }

    /** The tenant of the broker an offering or plan comes from; empty for a global broker. */
    private Optional<String> brokerTenantOf(Entity entity) {
        String offeringId = entity instanceof ServicePlan plan ? plan.serviceOfferingId() : entity.id();
        return ctx.store().repository(EntityTypes.SERVICE_OFFERINGS).getWithoutLabels(offeringId)
                .map(ServiceOffering::brokerId)
                .flatMap(brokerId -> ctx.store().repository(EntityTypes.SERVICE_BROKERS).get(brokerId))
                .flatMap(broker -> tenancy.tenantOf(broker.labels()));
    }

    private void checkCreate(Call call, EntityType<? extends Entity> type) {
        ObjectNode body = call.jsonBody();
        Labels given = LabelRules.parseObject(JsonInput.of(body));
        Labels labels = tenancy.forCreate(call.principal(), given);
        if (!labels.equals(given)) {
            ObjectNode json = Json.object();
            for (Map.Entry<String, List<String>> entry : labels.asMap().entrySet()) {
                ArrayNode values = json.putArray(entry.getKey());
                entry.getValue().forEach(values::add);
            }
            body.set("labels", json);
        }
        Optional<String> tenant = operatorTenant(ctx, call.principal());
        if (tenant.isPresent()) {
            checkReferences(call, type, body, tenant.get(), null);
        }
    }

    /**
     * A tenant's visibility may name only a plan of its own brokers. A global broker's plan is
     * granted by global administrators alone: a tenant's visibility of it for {@code service-manager}
     * would make it usable through the Service Manager by every caller, and one for its own
     * platforms would grant itself what the global administrators keep hidden. Another tenant's
     * plan does not exist for it (400 as unknown).
     */
    private void checkOwnPlan(String planId, String tenant) {
        Optional<ServiceBroker> broker = TenantPlans.brokerOfPlan(ctx.store(), planId);
        Optional<String> owner = broker.flatMap(b -> tenancy.tenantOf(b.labels()));
        if (broker.isPresent() && owner.isEmpty()) {
            throw new BadRequestException("service plan '" + planId + "' (service_plan_id) belongs to a global service "
                    + "broker: only a global administrator may create visibilities for it");
        }
        if (!owner.equals(Optional.of(tenant))) {
            throw new BadRequestException("service plan '" + planId + "' (service_plan_id) does not exist");
        }
    }

    /**
     * The records a tenant's body refers to must be its own (or, for plans, usable by it): else 400 as
     * unknown. {@code existing} is the record a PATCH changes, {@code null} for a create.
     */
    private void checkReferences(Call call, EntityType<? extends Entity> type, ObjectNode body, String tenant,
            Entity existing) {
        boolean create = existing == null;
        if (type == EntityTypes.VISIBILITIES) {
            JsonNode platform = body.get("platform_id");
            if (create && (platform == null || platform.isNull())) {
                throw new BadRequestException("a tenant's visibility needs a platform_id: one of the tenant's "
                        + "platforms or service-manager (a visibility for every platform would reach other tenants)");
            }
            if (platform != null && platform.isTextual()) {
                // The Service Manager's own platform is everyone's: a tenant makes its plans usable there.
                boolean own = Platform.SERVICE_MANAGER_ID.equals(platform.asText())
                        || ctx.store().repository(EntityTypes.PLATFORMS).get(platform.asText())
                                .filter(p -> tenancy.belongsTo(p.labels(), tenant)).isPresent();
                if (!own) {
                    throw new BadRequestException("platform '" + platform.asText() + "' (platform_id) does not exist");
                }
            } else if (!create && platform != null && platform.isNull()) {
                throw new BadRequestException("a tenant's visibility needs a platform_id: one of the tenant's "
                        + "platforms (a visibility for every platform would reach other tenants)");
            }
            JsonNode plan = body.get("service_plan_id");
            if (plan != null && plan.isTextual()) {
                checkOwnPlan(plan.asText(), tenant);
            } else if (existing instanceof Visibility visibility && (platform != null || plan != null)) {
                // Repointing a visibility the tenant did not make (a global admin's, labelled with the
                // tenant, or one from before this rule) would grant its plan somewhere new: the stored
                // plan must be one the tenant may grant, as a new one would be.
                checkOwnPlan(visibility.servicePlanId(), tenant);
            }
        } else if (type == EntityTypes.SERVICE_BINDINGS && create) {
            JsonNode instance = body.get("service_instance_id");
            if (instance != null && instance.isTextual()) {
                boolean own = ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(instance.asText())
                        .filter(i -> tenancy.belongsTo(i.labels(), tenant)).isPresent();
                if (!own) {
                    throw new BadRequestException("service instance '" + instance.asText()
                            + "' (service_instance_id) does not exist");
                }
            }
        }
    }
}
