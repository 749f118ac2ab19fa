package org.servicemanager.storage.memory.internal;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.Repository;

/** One type's view of a {@link MemoryDatabase}; thread-safe through the database's lock. */
final class MemoryRepository<T extends Entity> implements Repository<T> {
    private final MemoryDatabase database;
    private final Table<T> table;

    MemoryRepository(MemoryDatabase database, Table<T> table) {
        this.database = database;
        this.table = table;
    }

    @Override
    public EntityType<T> type() {
        return table.type();
    }

    @Override
    public T create(T entity) {
        requireStorable(entity);
        return database.write(() -> {
            if (table.get(entity.id()) != null) {
                throw new UniqueViolationException(type().name(), List.of("id"),
                        Messages.alreadyExists(type(), "id '" + entity.id() + "'"));
            }
            T stored = type().withVersion(entity, 1);
            database.checkConstraints(table, stored);
            database.insert(table, stored);
            return stored;
        });
    }

    @Override
    public Optional<T> get(String id) {
        Objects.requireNonNull(id, "id");
        return database.read(() -> Optional.ofNullable(table.get(id)));
    }

    @Override
    public Page<T> list(Query query, PageRequest page) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(page, "page");
        return database.read(() -> table.list(query, page));
    }

    @Override
    public long count(Query query) {
        Objects.requireNonNull(query, "query");
        return database.read(() -> table.count(query));
    }

    @Override
    public T update(T entity) {
        requireStorable(entity);
        return database.write(() -> {
            T stored = table.get(entity.id());
            if (stored == null) {
                throw new NotFoundException(Messages.notFound(type(), entity.id()));
            }
            if (stored.version() != entity.version()) {
                throw new ConcurrentModificationException(type().singular() + " '" + entity.id()
                        + "' was changed concurrently: version " + entity.version()
                        + " is stale, the stored one is " + stored.version());
            }
            T updated = type().withVersion(entity, stored.version() + 1);
            database.checkConstraints(table, updated);
            database.replace(table, stored, updated);
            return updated;
        });
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        return database.write(() -> {
            T stored = table.get(id);
            if (stored == null) {
                return false;
            }
            database.deleteWithDependents(table, List.of(stored));
            return true;
        });
    }

    @Override
    public int deleteAll(Query query) {
        Objects.requireNonNull(query, "query");
        return database.write(() -> {
            List<T> matches = table.matching(query);
            database.deleteWithDependents(table, matches);
            return matches.size();
        });
    }

    /** The list order needs a creation time; failing here beats a corrupted index later. */
    private void requireStorable(T entity) {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(entity.createdAt(), () -> "createdAt of " + type().singular() + " '" + entity.id() + "'");
    }
}
