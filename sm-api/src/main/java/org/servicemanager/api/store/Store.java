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
