package org.servicemanager.core.internal.registry;

import static org.servicemanager.core.internal.http.Access.ADMIN;
import static org.servicemanager.core.internal.http.Access.ADMIN_OR_PLATFORM;
import static org.servicemanager.core.internal.http.Access.ADMIN_ROLE;
import static org.servicemanager.core.internal.http.Access.PUBLIC;
import static org.servicemanager.core.internal.http.Access.PUBLIC_IDENTIFIED;
import static org.servicemanager.core.internal.http.Handler.sync;

import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.http.Handler;
import org.servicemanager.core.internal.http.Router;

/**
 * Registers the registry's routes. Platforms, brokers and visibilities always change
 * synchronously: their mutating routes refuse {@code async=true}.
 */
public final class RegistryRoutes {
    private RegistryRoutes() {
    }

    /** {@code verifier}: the bearer-token verifier or issuer, {@code null} when tokens are not accepted. */
    public static void register(Router router, Context ctx, PlatformOperations operations,
                                org.servicemanager.api.security.BearerTokenVerifier verifier) {
        SystemApi system = new SystemApi(ctx, verifier);
        router.add("GET", "/v1/info", PUBLIC, sync(system::info));
        router.add("GET", "/v1/monitor/health", PUBLIC_IDENTIFIED, sync(system::health));
        // Public like /v1/info: it describes the API, which is public knowledge, and holds no secret
        // and nothing of the registry; tools (client generators, API browsers) fetch it without
        // credentials, and the version in it is the one /v1/info tells anyone anyway.
        router.add("GET", "/v1/openapi.json", PUBLIC, sync(new OpenApiDocument(ctx.version())::serve));

        // Multitenancy: the wrappers check the addressed record's tenant, or label a create (no-ops when off).
        TenantGuard tenants = new TenantGuard(ctx);
        OperationsApi operationsApi = new OperationsApi(ctx);
        router.add("GET", "/v1/operations", ADMIN, sync(operationsApi::list));

        PlatformsApi platforms = new PlatformsApi(ctx, operations, operationsApi);
        router.add("GET", "/v1/platforms", ADMIN, sync(platforms::list));
        router.add("POST", "/v1/platforms", ADMIN,
                tenants.create(EntityTypes.PLATFORMS, syncOnly("platforms", sync(platforms::create))));
        router.add("DELETE", "/v1/platforms", ADMIN, syncOnly("platforms", sync(platforms::bulkDelete)));
        router.add("GET", "/v1/platforms/{id}", ADMIN, tenants.byId(EntityTypes.PLATFORMS, sync(platforms::get)));
        router.add("PATCH", "/v1/platforms/{id}", ADMIN,
                tenants.byId(EntityTypes.PLATFORMS, syncOnly("platforms", sync(platforms::patch))));
        router.add("DELETE", "/v1/platforms/{id}", ADMIN,
                tenants.byId(EntityTypes.PLATFORMS, sync(platforms::deleteMaybeCascading)));
        router.add("GET", "/v1/platforms/{id}/operations/{op_id}", ADMIN,
                tenants.operation(sync(platforms::operation)));

        BrokersApi brokers = new BrokersApi(ctx);
        router.add("GET", "/v1/service_brokers", ADMIN_OR_PLATFORM, sync(brokers::list));
        router.add("POST", "/v1/service_brokers", ADMIN,
                tenants.create(EntityTypes.SERVICE_BROKERS, syncOnly("service brokers", brokers::create)));
        router.add("DELETE", "/v1/service_brokers", ADMIN, syncOnly("service brokers", sync(brokers::bulkDelete)));
        router.add("GET", "/v1/service_brokers/{id}", ADMIN_OR_PLATFORM,
                tenants.byId(EntityTypes.SERVICE_BROKERS, sync(brokers::get)));
        router.add("PATCH", "/v1/service_brokers/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_BROKERS, syncOnly("service brokers", brokers::patch)));
        router.add("DELETE", "/v1/service_brokers/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_BROKERS, syncOnly("service brokers", sync(brokers::delete))));

        CatalogApis.LabelsOnly<ServiceOffering> offerings = CatalogApis.offerings(ctx);
        router.add("GET", "/v1/service_offerings", ADMIN_OR_PLATFORM, sync(offerings::list));
        router.add("GET", "/v1/service_offerings/{id}", ADMIN_OR_PLATFORM,
                tenants.byId(EntityTypes.SERVICE_OFFERINGS, sync(offerings::get)));
        router.add("PATCH", "/v1/service_offerings/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_OFFERINGS, sync(offerings::patch)));

        CatalogApis.LabelsOnly<ServicePlan> plans = CatalogApis.plans(ctx);
        router.add("GET", "/v1/service_plans", ADMIN_OR_PLATFORM, sync(plans::list));
        router.add("GET", "/v1/service_plans/{id}", ADMIN_OR_PLATFORM,
                tenants.byId(EntityTypes.SERVICE_PLANS, sync(plans::get)));
        router.add("PATCH", "/v1/service_plans/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_PLANS, sync(plans::patch)));

        VisibilitiesApi visibilities = new VisibilitiesApi(ctx);
        router.add("GET", "/v1/visibilities", ADMIN_OR_PLATFORM, sync(visibilities::list));
        router.add("POST", "/v1/visibilities", ADMIN,
                tenants.create(EntityTypes.VISIBILITIES, syncOnly("visibilities", sync(visibilities::create))));
        router.add("DELETE", "/v1/visibilities", ADMIN, syncOnly("visibilities", sync(visibilities::bulkDelete)));
        router.add("GET", "/v1/visibilities/{id}", ADMIN_OR_PLATFORM,
                tenants.byId(EntityTypes.VISIBILITIES, sync(visibilities::get)));
        router.add("PATCH", "/v1/visibilities/{id}", ADMIN,
                tenants.byId(EntityTypes.VISIBILITIES, syncOnly("visibilities", sync(visibilities::patch))));
        router.add("DELETE", "/v1/visibilities/{id}", ADMIN,
                tenants.byId(EntityTypes.VISIBILITIES, syncOnly("visibilities", sync(visibilities::delete))));

        InstancesApi instances = new InstancesApi(ctx, operations, operationsApi);
        router.add("GET", "/v1/service_instances", ADMIN, sync(instances::list));
        router.add("POST", "/v1/service_instances", ADMIN,
                tenants.create(EntityTypes.SERVICE_INSTANCES, instances::create));
        router.add("GET", "/v1/service_instances/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_INSTANCES, sync(instances::get)));
        router.add("PATCH", "/v1/service_instances/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_INSTANCES, instances::patch));
        router.add("DELETE", "/v1/service_instances/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_INSTANCES, instances::deprovision));
        router.add("GET", "/v1/service_instances/{id}/parameters", ADMIN_ROLE,
                tenants.byId(EntityTypes.SERVICE_INSTANCES, instances::parameters));
        router.add("GET", "/v1/service_instances/{id}/operations/{op_id}", ADMIN,
                tenants.operation(sync(instances::operation)));

        BindingsApi bindings = new BindingsApi(ctx, operations, operationsApi);
        router.add("GET", "/v1/service_bindings", ADMIN, sync(bindings::list));
        router.add("POST", "/v1/service_bindings", ADMIN,
                tenants.create(EntityTypes.SERVICE_BINDINGS, bindings::create));
        router.add("GET", "/v1/service_bindings/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_BINDINGS, sync(bindings::get)));
        router.add("PATCH", "/v1/service_bindings/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_BINDINGS, sync(bindings::patch)));
        router.add("DELETE", "/v1/service_bindings/{id}", ADMIN,
                tenants.byId(EntityTypes.SERVICE_BINDINGS, bindings::unbind));
        router.add("GET", "/v1/service_bindings/{id}/parameters", ADMIN_ROLE,
                tenants.byId(EntityTypes.SERVICE_BINDINGS, bindings::parameters));
        router.add("GET", "/v1/service_bindings/{id}/operations/{op_id}", ADMIN,
                tenants.operation(sync(bindings::operation)));
    }

    private static Handler syncOnly(String what, Handler handler) {
        return Modes.synchronousOnly(what, handler);
    }
}
