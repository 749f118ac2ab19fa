package org.servicemanager.proxyit;

import java.util.Optional;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.PlanAccess;

/**
 * What a scenario checks in a platform, read from the platform's own side (the in-memory platform's
 * state, or the fake Cloud Foundry's), never through the proxy. Thread-safe if the platform is.
 */
interface PlatformProbe extends AutoCloseable {

    /** The platform the proxy changes. */
    Platform platform();

    /** The URL of the registration with this name, if there is one. */
    Optional<String> brokerUrl(String name);

    /** The access of a plan of the broker registered under this name, if the platform knows the plan. */
    Optional<PlanAccess> access(String brokerName, String catalogPlanId);

    /** Registers a broker by hand, as an operator would, without the proxy's prefix. */
    void registerByHand(String name, String url, String username, String password);

    /** How many changes the platform has taken so far (registrations and access changes). */
    long changes();

    @Override
    default void close() {
    }
}
