package org.servicemanager.api.store;

import java.util.function.Function;
import org.servicemanager.api.model.Entity;

/**
 * The storage backend of a Service Manager: a repository per {@link EntityType}, transactions and
 * lifecycle. Implementations are thread-safe. The store contract test kit in {@code sm-test}
 * defines the semantics every implementation must have.
 */
public interface Store extends AutoCloseable {

    <T extends Entity> Repository<T> repository(EntityType<T> type);

    /**
     * Runs {@code work} atomically: either all its changes become visible, or (when it throws) none.
     * The store passed to {@code work} must be used inside it; nesting joins the outer transaction.
     * Work must not call remote systems: a transaction is held only for storage work.
     */
    <R> R inTransaction(Function<Store, R> work);

    /**
     * A number that grows whenever a committed write changes the registry: any of the
     * {@link EntityTypes#REGISTRY} types (platforms, service brokers, offerings, plans, visibilities),
     * their labels included. Caches of what is derived from the registry (a platform's OSB catalog)
     * are keyed by it.
     *
     * <ul>
     *   <li>Equal values read at two moments mean that no such change committed in between; a greater
     *       value means that one may have (a store may grow it conservatively, for a write that was
     *       rolled back or changed nothing: that only costs a cache rebuild). It never decreases.</li>
     *   <li>Only committed changes count, and the new value becomes visible no earlier than the data:
     *       whoever reads a value and then reads the registry sees at least the changes that value
     *       stands for. Inside a transaction the value may include the transaction's own writes.</li>
     *   <li>When the store {@link #isClustered() is clustered}, the value is shared by every node
     *       on the store; each call may then be a round trip to the database.</li>
     *   <li>Writes to service instances and bindings do not change it: they happen on every OSB call
     *       and do not change what a platform's catalog shows.</li>
     * </ul>
     *
     * @return the current revision, zero or more
     */
    long changeRevision();

    /**
     * The notifications for Service Broker Proxies. Inside {@link #inTransaction}, the log of the
     * store handed to the work appends in that transaction.
     */
    NotificationLog notifications();

    /** Whether what is stored survives a restart of the process. */
    default boolean supportsPersistence() {
        return false;
    }

    /** Whether several Service Manager nodes can share this store. */
    default boolean isClustered() {
        return false;
    }

    /** Checks that the store can serve requests; throws if not. Used by the health endpoint. */
    default void ping() {
    }

    @Override
    void close();
}
