package org.servicemanager.core;

import org.servicemanager.core.internal.registry.PlatformOperations;

/**
 * Test access to a Service Manager's operations engine, so that tests can start operations
 * without the REST API (which only calls these methods). Stateless.
 */
public final class EngineAccess {
    private EngineAccess() {
    }

    public static PlatformOperations engine(ServiceManager sm) {
        return sm.operationEngine();
    }
}
