package org.servicemanager.api.store;

import java.util.Objects;
import java.util.Optional;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;

/**
 * A {@link Repository} that passes every call to another one: what a {@link ForwardingStore}
 * subclass returns from {@code repository(type)} when it notes, counts or fails some calls. Subclasses
 * override only what they change. Thread-safe if the delegate is (every repository must be);
 * subclasses must keep their own state thread-safe.
 *
 * @param <T> the entity type
 */
public class ForwardingRepository<T extends Entity> implements Repository<T> {
    private final Repository<T> delegate;

    /**
     * @param delegate the repository every call goes to
     */
    public ForwardingRepository(Repository<T> delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public EntityType<T> type() {
        return delegate.type();
    }

    @Override
    public T create(T entity) {
        return delegate.create(entity);
    }

    @Override
    public Optional<T> get(String id) {
        return delegate.get(id);
    }

    @Override
    public Optional<T> getWithoutLabels(String id) {
        return delegate.getWithoutLabels(id);
    }

    @Override
    public Page<T> list(Query query, PageRequest page) {
        return delegate.list(query, page);
    }

    @Override
    public long count(Query query) {
        return delegate.count(query);
    }

    @Override
    public T update(T entity) {
        return delegate.update(entity);
    }

    @Override
    public boolean delete(String id) {
        return delegate.delete(id);
    }

    @Override
    public int deleteAll(Query query) {
        return delegate.deleteAll(query);
    }
}
