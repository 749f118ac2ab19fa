package org.servicemanager.core.internal.revision;

import java.util.Optional;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;

/**
 * The host's store as the Service Manager itself uses it: every write to a
 * {@linkplain EntityTypes#REGISTRY registry type} bumps the {@link Revision}, once the write is
 * visible. So whatever code writes the registry (a resource handler, catalog sync, authentication
 * retiring old credentials, the operations that come next), the caches derived from it follow,
 * and no caller has to remember to say so.
 *
 * <p>The bump comes after the write returns, and for writes inside {@link #inTransaction} after
 * the outermost transaction has ended: a bump before the commit would let a reader cache the old
 * data under the new revision. It also comes when the write throws, since a failed write may still
 * have committed (a lost connection after the commit) and an extra bump only costs a cache
 * rebuild. Writes to service instances and bindings pass through untouched: they happen on every
 * OSB call and change nothing a cache holds. Thread-safe.
 */
public final class RevisionedStore implements Store {
    private final Store delegate;
    private final Revision revision;

    public RevisionedStore(Store delegate, Revision revision) {
        this.delegate = delegate;
        this.revision = revision;
    }

    @Override
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        Repository<T> repository = delegate.repository(type);
        return isRegistry(type) ? new Bumping<>(repository, revision::bump) : repository;
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        Writes writes = new Writes();
        try {
            return delegate.inTransaction(tx -> work.apply(new InTransaction(tx, writes)));
        } finally {
            if (writes.seen) {
                revision.bump();
            }
        }
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

    /** The host owns the store and closes it; the Service Manager never calls this. */
    @Override
    public void close() {
        delegate.close();
    }

    private static boolean isRegistry(EntityType<?> type) {
        return EntityTypes.REGISTRY.contains(type);
    }

    /** Whether a transaction wrote the registry; its work runs on one thread. */
    private static final class Writes {
        private boolean seen;
    }

    /**
     * The store handed to a transaction's work: registry writes are noted, and the bump waits for
     * the end of the outermost transaction. Nested transactions join the outer one, and so do
     * their notes.
     */
    private static final class InTransaction implements Store {
        private final Store tx;
        private final Writes writes;

        InTransaction(Store tx, Writes writes) {
            this.tx = tx;
            this.writes = writes;
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            Repository<T> repository = tx.repository(type);
            return isRegistry(type) ? new Bumping<>(repository, () -> writes.seen = true) : repository;
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            return tx.inTransaction(inner -> work.apply(new InTransaction(inner, writes)));
        }

        @Override
        public long changeRevision() {
            return tx.changeRevision();
        }

        @Override
        public boolean supportsPersistence() {
            return tx.supportsPersistence();
        }

        @Override
        public boolean isClustered() {
            return tx.isClustered();
        }

        @Override
        public void ping() {
            tx.ping();
        }

        @Override
        public void close() {
            tx.close();
        }
    }

    /** A registry repository that reports each write, whatever its outcome. */
    private static final class Bumping<T extends Entity> implements Repository<T> {
        private final Repository<T> delegate;
        private final Runnable written;

        Bumping(Repository<T> delegate, Runnable written) {
            this.delegate = delegate;
            this.written = written;
        }

        @Override
        public EntityType<T> type() {
            return delegate.type();
        }

        @Override
        public T create(T entity) {
            try {
                return delegate.create(entity);
            } finally {
                written.run();
            }
        }

        @Override
        public Optional<T> get(String id) {
            return delegate.get(id);
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
            try {
                return delegate.update(entity);
            } finally {
                written.run();
            }
        }

        @Override
        public boolean delete(String id) {
            try {
                return delegate.delete(id);
            } finally {
                written.run();
            }
        }

        @Override
        public int deleteAll(Query query) {
            try {
                return delegate.deleteAll(query);
            } finally {
                written.run();
            }
        }
    }
}
