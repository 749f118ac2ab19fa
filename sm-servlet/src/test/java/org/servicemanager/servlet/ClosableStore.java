package org.servicemanager.servlet;

import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.memory.MemoryStore;

/** A memory store that remembers whether it was closed. Thread-safe. */
final class ClosableStore implements Store {
    private final MemoryStore delegate = new MemoryStore();
    private volatile boolean closed;

    boolean isClosed() {
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
    public void close() {
        closed = true;
        delegate.close();
    }
}
