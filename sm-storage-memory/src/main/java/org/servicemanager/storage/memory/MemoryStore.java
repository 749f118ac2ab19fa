package org.servicemanager.storage.memory;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.NotificationLog;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.memory.internal.MemoryDatabase;
import org.servicemanager.storage.memory.internal.MemoryNotificationLog;

/**
 * A {@link Store} that keeps everything in the heap of this process: fast, with the same constraints,
 * cascades, queries and transactions as every store, and gone when the process ends.
 *
 * <p>Thread-safe. One store-wide read-write lock serialises writers, so a transaction (which holds
 * it for its whole duration) is isolated from every other thread and can be undone from a log when
 * it fails. Reads run in parallel with each other. A nested {@link #inTransaction} joins the
 * enclosing one but acts as a savepoint: if it throws, its own changes are undone even when the
 * caller catches the exception and the outer transaction goes on.
 *
 * <p>Queries are answered from indexes where one applies (ids, unique single-field keys,
 * references, label keys and values), each kept in list order so that pages are read directly
 * after their cursor.
 */
public final class MemoryStore implements Store {
    private final MemoryDatabase database;
    private final MemoryNotificationLog notifications;

    /** A store for every type of {@link EntityTypes#ALL}. */
    public MemoryStore() {
        this(EntityTypes.ALL);
    }

    private MemoryStore(Collection<? extends EntityType<?>> types) {
        this.database = new MemoryDatabase(types);
        this.notifications = new MemoryNotificationLog(database);
    }

    /** A store for every type of {@link EntityTypes#ALL}. */
    public static MemoryStore create() {
        return new MemoryStore();
    }

    /**
     * A store for exactly {@code types}, for types beyond {@link EntityTypes#ALL} (a later module's, or
     * a test's own).
     *
     * @param types the types to hold; the target of each reference must come before the types
     *              referring to it
     * @throws IllegalArgumentException if a type appears twice or a reference target is missing
     */
    public static MemoryStore create(Collection<? extends EntityType<?>> types) {
        return new MemoryStore(List.copyOf(types));
    }

    /** @throws IllegalArgumentException if this store does not hold {@code type} */
    @Override
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        return database.repository(type);
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        Objects.requireNonNull(work, "work");
        return database.write(() -> work.apply(this));
    }

    /**
     * The log shares the store's lock and undo log: an append inside a transaction, or a nested one,
     * that throws is undone with it (its revision is not handed out again).
     */
    @Override
    public NotificationLog notifications() {
        return notifications;
    }

    /**
     * Grows by one when a write or transaction that created, updated or deleted a registry entity
     * ends successfully; a transaction that throws leaves it as it was.
     */
    @Override
    public long changeRevision() {
        return database.changeRevision();
    }

    @Override
    public boolean supportsPersistence() {
        return false;
    }

    @Override
    public boolean isClustered() {
        return false;
    }

    /** @throws IllegalStateException once the store is closed */
    @Override
    public void ping() {
        database.ping();
    }

    /** Closes the store; every later call but {@code close} throws {@link IllegalStateException}. */
    @Override
    public void close() {
        database.close();
    }
}
