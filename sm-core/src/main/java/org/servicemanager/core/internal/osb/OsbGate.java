package org.servicemanager.core.internal.osb;

import java.time.Duration;
import java.util.Optional;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.revision.RevisionCache;

/**
 * Which broker an OSB call may reach. A platform reaches a broker it can see some plan of (any
 * visibility, whatever its org labels), or one that holds an instance the platform owns and
 * addresses, so that losing every visibility never keeps it from polling, unbinding and
 * deprovisioning what it has. Any other broker does not exist for the platform: the same 404 as an
 * unknown id, for the catalog and every forwarded call alike, so neither the broker nor its
 * answers (such as {@code last_operation}) are reachable through another platform's visibility.
 * With multitenancy on, a platform of a tenant reaches only global brokers and its own tenant's.
 * The request's own shape ({@link OsbTarget}) is checked first, so a malformed request gets the
 * same 400 whether or not the broker is reachable. Thread-safe.
 */
final class OsbGate {
    private record Key(String brokerId, String platformId) {
    }

    /** Rough bytes of one cached answer. */
    private static final int ENTRY_WEIGHT = 160;

    private final Context ctx;
    private final OsbRegistry registry;
    /** Per (broker, platform): whether the platform sees some plan of the broker, per registry revision. */
    private final RevisionCache<Key, Boolean> seesSomePlan;

    OsbGate(Context ctx, OsbRegistry registry) {
        this.ctx = ctx;
        this.registry = registry;
        this.seesSomePlan = new RevisionCache<>("osb.gate", ctx.revision(), 8L * 1024 * 1024, v -> ENTRY_WEIGHT,
                Duration.ofMinutes(1));
    }

    /**
     * Finds the addressed broker if the calling platform may reach it (the caller has checked the
     * request's shape first, {@link OsbTarget#of}).
     *
     * @throws NotFoundException if there is no such broker, or the platform may not reach it
     */
    OsbRegistry.BrokerView broker(Call call, Platform platform) {
        String brokerId = call.pathParam("broker_id");
        Optional<OsbRegistry.BrokerView> view = registry.broker(brokerId);
        if (view.isEmpty()
                || !ctx.tenancy().mayUse(ctx.tenancy().tenantOf(platform.labels()), view.get().broker())
                || !(seesSomePlan(platform, view.get()) || ownsAddressedInstance(call, platform, view.get()))) {
            throw new NotFoundException("service broker '" + brokerId + "' not found");
        }
        return view.get();
    }

    private boolean seesSomePlan(Platform platform, OsbRegistry.BrokerView view) {
        return seesSomePlan.get(new Key(view.broker().id(), platform.id()), () -> view.plansById().keySet().stream()
                .anyMatch(planId -> !registry.visibilities(platform.id(), planId).isEmpty()));
    }

    /** Only asked when the platform sees no plan of the broker, so the store read is off the common path. */
    private boolean ownsAddressedInstance(Call call, Platform platform, OsbRegistry.BrokerView view) {
        return call.optionalPathParam("instance_id")
                .flatMap(id -> ctx.store().repository(EntityTypes.SERVICE_INSTANCES).get(id))
                .filter(instance -> instance.platformId().equals(platform.id()))
                .filter(instance -> view.plansById().containsKey(instance.servicePlanId()))
                .isPresent();
    }
}
