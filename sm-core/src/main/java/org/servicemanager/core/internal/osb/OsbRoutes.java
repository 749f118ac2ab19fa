package org.servicemanager.core.internal.osb;

import static org.servicemanager.core.internal.http.Access.PLATFORM;
import static org.servicemanager.core.internal.http.Handler.sync;

import org.servicemanager.core.internal.http.Router;
import org.servicemanager.core.internal.registry.Context;

/** Registers the OSB routes, every OSB 2.17 endpoint under {@code /v1/osb/{broker_id}}. */
public final class OsbRoutes {
    private static final String BASE = "/v1/osb/{broker_id}/v2";
    private static final String INSTANCE = BASE + "/service_instances/{instance_id}";
    private static final String BINDING = INSTANCE + "/service_bindings/{binding_id}";

    private OsbRoutes() {
    }

    /**
     * Registers the routes.
     *
     * @return the sweep that resolves the placeholders these routes' creates may leave behind; the
     *     caller schedules it
     */
    public static PlaceholderSweep register(Router router, Context ctx) {
        OsbRegistry registry = new OsbRegistry(ctx);
        OsbRecords records = new OsbRecords(ctx);
        OsbApi osb = new OsbApi(ctx, new OsbChecks(ctx, registry), records);
        router.add("GET", BASE + "/catalog", PLATFORM, sync(osb::catalog));
        router.add("PUT", INSTANCE, PLATFORM, osb::provision);
        router.add("PATCH", INSTANCE, PLATFORM, osb::update);
        router.add("DELETE", INSTANCE, PLATFORM, osb::deprovision);
        router.add("GET", INSTANCE, PLATFORM, osb::fetchInstance);
        router.add("GET", INSTANCE + "/last_operation", PLATFORM, osb::instanceLastOperation);
        router.add("PUT", BINDING, PLATFORM, osb::bind);
        router.add("DELETE", BINDING, PLATFORM, osb::unbind);
        router.add("GET", BINDING, PLATFORM, osb::fetchBinding);
        router.add("GET", BINDING + "/last_operation", PLATFORM, osb::bindingLastOperation);
        return new PlaceholderSweep(ctx, registry, records);
    }
}
