package org.servicemanager.core.internal.registry;

import static org.servicemanager.core.internal.http.Access.ADMIN;
import static org.servicemanager.core.internal.http.Access.ADMIN_OR_PLATFORM;
import static org.servicemanager.core.internal.http.Access.PUBLIC;
import static org.servicemanager.core.internal.http.Access.PUBLIC_IDENTIFIED;
import static org.servicemanager.core.internal.http.Handler.sync;

import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.core.internal.http.Router;

/** Registers the registry's routes. */
public final class RegistryRoutes {
    private RegistryRoutes() {
    }

    public static void register(Router router, Context ctx, PlatformOperations operations) {
        SystemApi system = new SystemApi(ctx);
        router.add("GET", "/v1/info", PUBLIC, sync(system::info));
        router.add("GET", "/v1/monitor/health", PUBLIC_IDENTIFIED, sync(system::health));

        PlatformsApi platforms = new PlatformsApi(ctx);
        router.add("GET", "/v1/platforms", ADMIN, sync(platforms::list));
        router.add("POST", "/v1/platforms", ADMIN, sync(platforms::create));
        router.add("DELETE", "/v1/platforms", ADMIN, sync(platforms::bulkDelete));
        router.add("GET", "/v1/platforms/{id}", ADMIN, sync(platforms::get));
        router.add("PATCH", "/v1/platforms/{id}", ADMIN, sync(platforms::patch));
        router.add("DELETE", "/v1/platforms/{id}", ADMIN, sync(platforms::delete));

        BrokersApi brokers = new BrokersApi(ctx);
        router.add("GET", "/v1/service_brokers", ADMIN_OR_PLATFORM, sync(brokers::list));
        router.add("POST", "/v1/service_brokers", ADMIN, brokers::create);
        router.add("DELETE", "/v1/service_brokers", ADMIN, sync(brokers::bulkDelete));
        router.add("GET", "/v1/service_brokers/{id}", ADMIN_OR_PLATFORM, sync(brokers::get));
        router.add("PATCH", "/v1/service_brokers/{id}", ADMIN, brokers::patch);
        router.add("DELETE", "/v1/service_brokers/{id}", ADMIN, sync(brokers::delete));

        CatalogApis.LabelsOnly<ServiceOffering> offerings = CatalogApis.offerings(ctx);
        router.add("GET", "/v1/service_offerings", ADMIN_OR_PLATFORM, sync(offerings::list));
        router.add("GET", "/v1/service_offerings/{id}", ADMIN_OR_PLATFORM, sync(offerings::get));
        router.add("PATCH", "/v1/service_offerings/{id}", ADMIN, sync(offerings::patch));

        CatalogApis.LabelsOnly<ServicePlan> plans = CatalogApis.plans(ctx);
        router.add("GET", "/v1/service_plans", ADMIN_OR_PLATFORM, sync(plans::list));
        router.add("GET", "/v1/service_plans/{id}", ADMIN_OR_PLATFORM, sync(plans::get));
        router.add("PATCH", "/v1/service_plans/{id}", ADMIN, sync(plans::patch));

        VisibilitiesApi visibilities = new VisibilitiesApi(ctx);
        router.add("GET", "/v1/visibilities", ADMIN_OR_PLATFORM, sync(visibilities::list));
        router.add("POST", "/v1/visibilities", ADMIN, sync(visibilities::create));
        router.add("DELETE", "/v1/visibilities", ADMIN, sync(visibilities::bulkDelete));
        router.add("GET", "/v1/visibilities/{id}", ADMIN_OR_PLATFORM, sync(visibilities::get));
        router.add("PATCH", "/v1/visibilities/{id}", ADMIN, sync(visibilities::patch));
        router.add("DELETE", "/v1/visibilities/{id}", ADMIN, sync(visibilities::delete));

        InstancesApi.Instances instances = new InstancesApi.Instances(ctx);
        router.add("GET", "/v1/service_instances", ADMIN, sync(instances::list));
        router.add("GET", "/v1/service_instances/{id}", ADMIN, sync(instances::get));

        InstancesApi.Bindings bindings = new InstancesApi.Bindings(ctx);
        router.add("GET", "/v1/service_bindings", ADMIN, sync(bindings::list));
        router.add("GET", "/v1/service_bindings/{id}", ADMIN, sync(bindings::get));
    }
}
