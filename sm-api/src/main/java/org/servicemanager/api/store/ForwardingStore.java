package org.servicemanager.api.store;

import java.util.Objects;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;

/**
 * A {@link Store} that passes every call to another store: the base of stores that change one
 * thing of a real one (note registry writes, count reads in a test, fail on demand). Subclasses
 * override only what they change.
 *
 * <p>{@link #inTransaction} hands {@code work} the delegate's transactional store, as the delegate
 * would: overrides of {@link #repository} do not apply inside a transaction unless a subclass
 * wraps that store too.
 *
 * <p>Thread-safe if the delegate is (every {@link Store} must be); subclasses must keep their own
 * state thread-safe.
 */
public class ForwardingStore implements Store {
    private final Store delegate;

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

    @Override
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        return delegate.repository(type);
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        return delegate.inTransaction(work);
    }

    @Override
    public NotificationLog notifications() {
        return delegate.notifications();
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

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
