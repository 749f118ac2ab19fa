package org.servicemanager.storage.memory.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.ReferenceViolationException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Reference;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.UniqueKey;

/**
 * The state behind a {@code MemoryStore}: one {@link Table} per type, the store-wide lock, the
 * constraint checks and cascades, and the undo log that makes writes atomic.
 *
 * <p>One {@link ReentrantReadWriteLock} guards everything: reads share it, every write and every
 * transaction holds it exclusively. Writers therefore never interleave, which is what lets a plain
 * undo log (rather than snapshots or versioned rows) roll a transaction back: only its owner can
 * have touched the tables since the savepoint. Each write, and each {@code inTransaction} level,
 * sets a savepoint; when it throws, the log is replayed backwards to that savepoint. Thread-safe.
 */
public final class MemoryDatabase {
    /** How many blocking entities an {@link ExistingReferenceException} names before summarising. */
    private static final int LISTED_BLOCKERS = 10;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, Table<?>> tables = new LinkedHashMap<>();
    private final Map<EntityType<?>, Repository<?>> repositories = new IdentityHashMap<>();
    /** Target type name to the references that point at it, for cascades. */
    private final Map<String, List<Referrer>> referrers = new HashMap<>();
    /** Guarded by the write lock; empty whenever no write is in progress. */
    private final List<Runnable> undoLog = new ArrayList<>();
    /** Guarded by the lock. */
    private boolean closed;
    /** Guarded by the lock; grows when a write that touched the registry commits. */
    private long changeRevision;
    /** Guarded by the write lock: whether the write in progress touched the registry. */
    private boolean registryTouched;

    /**
     * @param types every type to hold; a reference's target must come before the types referring to it
     */
    public MemoryDatabase(Collection<? extends EntityType<?>> types) {
        for (EntityType<?> type : types) {
            addTable(type);
        }
    }

    private <T extends Entity> void addTable(EntityType<T> type) {
        if (tables.containsKey(type.name())) {
            throw new IllegalArgumentException("type " + type.name() + " given twice");
        }
        Table<T> table = new Table<>(type);
        for (Reference reference : type.references()) {
            if (!tables.containsKey(reference.target()) && !reference.target().equals(type.name())) {
                throw new IllegalArgumentException("type " + type.name() + " refers to " + reference.target()
                        + ", which must be given before it");
            }
            referrers.computeIfAbsent(reference.target(), t -> new ArrayList<>()).add(new Referrer(table, reference));
        }
        tables.put(type.name(), table);
        repositories.put(type, new MemoryRepository<>(this, table));
    }

    @SuppressWarnings("unchecked")
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        Objects.requireNonNull(type, "type");
        return read(() -> {
            Repository<T> repository = (Repository<T>) repositories.get(type);
            if (repository == null) {
                throw new IllegalArgumentException("this store does not hold " + type.name());
            }
            return repository;
        });
    }

    /** Runs {@code work} holding the write lock, undoing every change it logged if it throws. */
    public <R> R write(Supplier<R> work) {
        lock.writeLock().lock();
        try {
            ensureOpen();
            int savepoint = undoLog.size();
            boolean completed = false;
            try {
                R result = work.get();
                completed = true;
                return result;
            } finally {
                if (!completed) {
                    rollbackTo(savepoint);
                }
                if (lock.getWriteHoldCount() == 1) {
                    undoLog.clear(); // the outermost write is over: its changes are committed
                    // A nested write that was undone still counts: a needless bump only costs a cache rebuild.
                    if (completed && registryTouched) {
                        changeRevision++;
                    }
                    registryTouched = false;
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    <R> R read(Supplier<R> work) {
        lock.readLock().lock();
        try {
            ensureOpen();
            return work.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** See {@code Store.changeRevision()}; read under the lock, so never ahead of the data. */
    public long changeRevision() {
        return read(() -> changeRevision);
    }

    public void ping() {
        read(() -> null);
    }

    /** Marks the store closed; waits for a running transaction to finish first. Idempotent. */
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the memory store is closed");
        }
    }

    /** Logs how to undo a change just made under the write lock, should the write fail. */
    void logUndo(Runnable undo) {
        undoLog.add(undo);
    }

    private void rollbackTo(int savepoint) {
        for (int i = undoLog.size() - 1; i >= savepoint; i--) {
            undoLog.remove(i).run();
        }
    }

    /** Fails unless {@code entity}'s unique keys are free (but for itself) and its references resolve. */
    <T extends Entity> void checkConstraints(Table<T> table, T entity) {
        EntityType<T> type = table.type();
        for (UniqueKey key : type.uniqueKeys()) {
            T holder = table.holderOf(key, entity);
            if (holder != null && !holder.id().equals(entity.id())) {
                throw new UniqueViolationException(type.name(), key.fields(),
                        Messages.alreadyExists(type, describe(key, table.values(key, entity))));
            }
        }
        for (Reference reference : type.references()) {
            Object target = type.fields().get(reference.field()).get(entity);
            Table<?> targets = tables.get(reference.target());
            if (target != null && targets.get(target.toString()) == null) {
                throw new ReferenceViolationException(targets.type().singular() + " '" + target + "' does not exist");
            }
        }
    }

    private static String describe(UniqueKey key, List<Object> values) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Object value = values.get(i);
            parts.add(key.fields().get(i) + " " + (value == null ? "null" : "'" + value + "'"));
        }
        return String.join(" and ", parts);
    }

    private void touched(Table<?> table) {
        if (EntityTypes.REGISTRY.contains(table.type())) {
            registryTouched = true;
        }
    }

    <T extends Entity> void insert(Table<T> table, T entity) {
        touched(table);
        table.insert(entity);
        undoLog.add(() -> table.remove(entity));
    }

    <T extends Entity> void replace(Table<T> table, T old, T replacement) {
        touched(table);
        table.remove(old);
        table.insert(replacement);
        undoLog.add(() -> {
            table.remove(replacement);
            table.insert(old);
        });
    }

    /**
     * Deletes {@code roots} and everything that cascades from them, or nothing if a restricting
     * reference blocks. A restricting entity that the same deletion removes does not block: the
     * result leaves no dangling reference either way.
     */
    <T extends Entity> void deleteWithDependents(Table<T> table, List<T> roots) {
        Map<Table<?>, Map<String, Entity>> doomed = new LinkedHashMap<>();
        Map<Table<?>, Map<String, Entity>> restricting = new LinkedHashMap<>();
        Deque<Node> pending = new ArrayDeque<>();
        for (T root : roots) {
            addTo(doomed, table, root, pending);
        }
        while (!pending.isEmpty()) {
            Node node = pending.poll();
            for (Referrer referrer : referrers.getOrDefault(node.table().type().name(), List.of())) {
                Reference reference = referrer.reference();
                for (Entity child : referrer.table().referring(reference.field(), node.entity().id())) {
                    if (reference.onDelete() == Reference.OnDelete.CASCADE) {
                        addTo(doomed, referrer.table(), child, pending);
                    } else {
                        addTo(restricting, referrer.table(), child, null);
                    }
                }
            }
        }
        List<String> blockers = new ArrayList<>();
        restricting.forEach((t, entities) -> entities.keySet().forEach(id -> {
            if (!doomed.getOrDefault(t, Map.of()).containsKey(id)) {
                blockers.add(t.type().singular() + " '" + id + "'");
            }
        }));
        if (!blockers.isEmpty()) {
            String subject = roots.size() == 1
                    ? table.type().singular() + " '" + roots.get(0).id() + "'"
                    : roots.size() + " " + table.type().name();
            throw new ExistingReferenceException("cannot delete " + subject + ": still referenced by "
                    + Messages.listed(blockers, LISTED_BLOCKERS));
        }
        doomed.forEach((t, entities) -> entities.values().forEach(entity -> remove(t, entity)));
    }

    private static void addTo(Map<Table<?>, Map<String, Entity>> set, Table<?> table, Entity entity,
            Deque<Node> pending) {
        Entity previous = set.computeIfAbsent(table, t -> new LinkedHashMap<>()).putIfAbsent(entity.id(), entity);
        if (previous == null && pending != null) {
            pending.add(new Node(table, entity));
        }
    }

    private <T extends Entity> void remove(Table<T> table, Entity entity) {
        T stored = table.type().javaType().cast(entity);
        touched(table);
        table.remove(stored);
        undoLog.add(() -> table.insert(stored));
    }

    private record Referrer(Table<?> table, Reference reference) {
    }

    private record Node(Table<?> table, Entity entity) {
    }
}
