package org.servicemanager.proxy;

import java.util.List;

/**
 * A platform (Cloud Foundry, an in-memory one for tests, ...) as the proxy changes it: its broker
 * registrations and who may use their plans. The proxy calls one method at a time, from its own
 * thread; implementations need not be thread-safe unless they are shared.
 *
 * <p>Every method acts on the platform at once and throws {@link PlatformException} when the
 * platform refuses or cannot be reached; the proxy then retries later. The proxy never touches a
 * broker whose name lacks its prefix, but this interface lists and accepts every broker.
 */
public interface Platform {

    /**
     * The label key of Service Manager visibilities that limits plan access in this platform (Cloud
     * Foundry: {@code organization_guid}), or {@code null} when plan access here has no scopes: a
     * visible plan is then open to everyone in the platform.
     */
    default String scopeLabelKey() {
        return null;
    }

    /** Every broker registered in the platform, those the proxy does not own included. */
    List<PlatformBroker> brokers();

    /**
     * Registers a broker. The platform fetches its catalog, as for any registration, and its plans
     * start with no access.
     */
    PlatformBroker createBroker(BrokerRegistration registration);

    /**
     * Changes a registration to {@code registration} (name, URL, credentials) and makes the
     * platform fetch the broker's catalog again, even when nothing else changed: this is how the
     * proxy makes a platform learn of plans that became visible.
     */
    PlatformBroker updateBroker(String brokerId, BrokerRegistration registration);

    /** Removes a registration; nothing happens if it is gone already. */
    void deleteBroker(String brokerId);

    /** The plans the platform knows of this broker (from its last catalog fetch), with their access. */
    List<PlatformPlan> plans(String brokerId);

    /** Sets who may use a plan of this broker; setting the access it has changes nothing. */
    void setAccess(String brokerId, String catalogPlanId, PlanAccess access);
}
