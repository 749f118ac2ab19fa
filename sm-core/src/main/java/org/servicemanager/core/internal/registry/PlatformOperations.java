package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;

/**
 * What the REST API on instances and bindings asks of the Service Manager acting as a platform: it
 * starts the operations, which are then worked to the end on this node or (after a crash) on
 * another. Implemented by the operations engine; an interface here so that the registry does not
 * depend on the engine (which uses the registry's {@link Context}). Implementations are thread-safe.
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
public interface PlatformOperations {

    /** Who asks: the request's correlation id and the OSB originating identity to send (or {@code null}). */
    public record Caller(String correlationId, String originatingIdentity) {
    }

    /** A started operation, as stored, and the end of its synchronous part. */
    public record Started(Operation operation, CompletableFuture<Operation> settled) {
    }

    /**
     * Whether updating {@code current} to {@code target} needs the broker: a new plan, new
     * maintenance info, or parameters. Only a name or labels change without a broker call.
     */
    static boolean needsBroker(ServiceInstance current, ServiceInstance target, JsonNode parameters) {
        return !current.servicePlanId().equals(target.servicePlanId())
                || !java.util.Objects.equals(current.maintenanceInfo(), target.maintenanceInfo())
                || (parameters != null && !parameters.isNull());
    }

    /**
     * Provisions {@code instance} (not yet stored: ready false, platform {@code service-manager},
     * its plan checked by the caller). {@code parameters} go to the broker only, never to the store.
     * Throws {@link org.servicemanager.api.ConflictException} (409), storing nothing, when a concurrent
     * create took the name first: names are kept unique after the insert, before the broker call.
     */
    Started provision(ServiceInstance instance, JsonNode parameters, Caller caller);

    /**
     * {@link #provision(ServiceInstance, JsonNode, Caller)} with the instance's plan and its offering
     * as the caller read them already (in this request), so the engine need not read them again.
     */
    default Started provision(ServiceInstance instance, ServicePlan plan, ServiceOffering offering,
            JsonNode parameters, Caller caller) {
        return provision(instance, parameters, caller);
    }

    /**
     * Updates {@code current} to {@code target} (name, plan, maintenance info, labels as they are to
     * become). Without a broker call when only the name or labels change; else the record changes only
     * when the broker confirms.
     */
    Started update(ServiceInstance current, ServiceInstance target, JsonNode parameters, Caller caller);

    /** Deprovisions {@code instance}; the broker's 410 counts as success. */
    Started deprovision(ServiceInstance instance, Caller caller);

    /**
     * Binds {@code binding} (not yet stored); the credentials it returns are stored sealed. A name a
     * concurrent bind took first is a {@link org.servicemanager.api.ConflictException}, as for provision.
     */
    Started bind(ServiceBinding binding, JsonNode parameters, Caller caller);

    /** Unbinds {@code binding}. */
    Started unbind(ServiceBinding binding, Caller caller);

    /** Deletes {@code instance} with its bindings first, as one operation tree; a running one is returned. */
    Started cascadeDelete(ServiceInstance instance, Caller caller);

    /** Deletes {@code platform} with its instances' bindings and its instances first, as one operation tree. */
    Started cascadeDelete(Platform platform, Caller caller);

    /**
     * The broker's current parameters of {@code instance} (its GET instance answer's
     * {@code parameters}, an empty object if none). The caller checked {@code instances_retrievable}.
     * Fails like a synchronous operation (400 for a broker 4xx, 502, 504).
     */
    CompletableFuture<JsonNode> parameters(ServiceInstance instance, Caller caller);

    /** Like {@link #parameters(ServiceInstance, Caller)} for a binding ({@code bindings_retrievable}). */
    CompletableFuture<JsonNode> parameters(ServiceBinding binding, Caller caller);

    /** Works every operation that is due now (by the clock) and not leased, and waits for that work. */
    int runDue();

    /** Removes finished operations older than the retention, never the last of a live resource. */
    int cleanUp();
}
