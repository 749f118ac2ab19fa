package org.servicemanager.core.internal.operations;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.core.internal.registry.PlatformOperations;

/**
 * The operations engine: starts the operations of the REST API on instances and bindings and works
 * them to the end, on this node or (after a crash) on another. Thread-safe. See
 * {@link PlatformOperations} for the contract of each method.
 *
 * <p>Every {@code start} method stores the operation (and the resource it creates or changes) in one
 * transaction before any broker call, so a crash never loses one. It throws, storing nothing, when
 * the resource has an operation in progress (422 {@code ConcurrentOperation}, through
 * {@link org.servicemanager.api.ConcurrentModificationException}), except a delete during a
 * create or update. The returned {@link Started#settled()} completes when the synchronous part is
 * over: normally with the operation {@code succeeded} or still {@code in progress} (the broker
 * answered 202; the scheduler goes on), exceptionally with the failure mapped as PLATFORM.md says
 * ({@link org.servicemanager.api.BrokerRejectedException} 400, {@link org.servicemanager.api.BrokerException}
 * 502, {@link org.servicemanager.api.BrokerTimeoutException} 504).
 */
public final class OperationEngine implements PlatformOperations, AutoCloseable {

    @Override
    public Started provision(ServiceInstance instance, JsonNode parameters, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Started update(ServiceInstance current, ServiceInstance target, JsonNode parameters, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Started deprovision(ServiceInstance instance, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Started bind(ServiceBinding binding, JsonNode parameters, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Started unbind(ServiceBinding binding, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Started cascadeDelete(ServiceInstance instance, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Started cascadeDelete(Platform platform, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public CompletableFuture<JsonNode> parameters(ServiceInstance instance, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public CompletableFuture<JsonNode> parameters(ServiceBinding binding, Caller caller) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public int runDue() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public int cleanUp() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() {
    }
}
