package org.servicemanager.test.store;

import java.util.Objects;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;

/**
 * A {@link Store} that passes every call to another store and remembers whether it was closed: the
 * base of the test stores that change one thing of a real store (count reads, claim to be
 * clustered) or observe its lifecycle. Subclasses override only what they change.
 *
 * <p>{@link #inTransaction} hands {@code work} the delegate's transactional store, as the delegate
 * would: overrides of {@link #repository} do not apply inside a transaction.
 *
 * <p>Thread-safe if the delegate is (every {@link Store} must be): it adds only the closed flag,
 * which is volatile. Subclasses must keep their own state thread-safe.
 */
public class ForwardingStore implements Store {
    private final Store delegate;
    private volatile boolean closed;

    /**
     * @param delegate the store every call goes to
     */
    public ForwardingStore(Store delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The store every call goes to. */
    protected final Store delegate() {
        return delegate;
    }

    /** Whether {@link #close()} was called, for tests of who closes a store. */
    public final boolean isClosed() {
        return closed;
    }

    @Override
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        return delegate.repository(type);
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        return delegate.inTransaction(work);
    }

    @Override
    public long changeRevision() {
        return delegate.changeRevision();
    }

    @Override
    public boolean supportsPersistence() {
        return delegate.supportsPersistence();
    }

    @Override
    public boolean isClustered() {
        return delegate.isClustered();
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    /** Closes the delegate and remembers that it was closed. */
    @Override
    public void close() {
        closed = true;
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
