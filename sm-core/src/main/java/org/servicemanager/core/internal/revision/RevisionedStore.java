package org.servicemanager.core.internal.revision;

import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;
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
public final class RevisionedStore extends ForwardingStore {
    private final Revision revision;

    public RevisionedStore(Store delegate, Revision revision) {
        super(delegate);
        this.revision = revision;
    }

    @Override
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        Repository<T> repository = super.repository(type);
        return isRegistry(type) ? new Bumping<>(repository, revision::bump) : repository;
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        Writes writes = new Writes();
        try {
            return super.inTransaction(tx -> work.apply(new InTransaction(tx, writes)));
        } finally {
            if (writes.seen) {
                revision.bump();
            }
        }
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
    private static final class InTransaction extends ForwardingStore {
        private final Writes writes;

        InTransaction(Store tx, Writes writes) {
            super(tx);
            this.writes = writes;
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            Repository<T> repository = super.repository(type);
            return isRegistry(type) ? new Bumping<>(repository, () -> writes.seen = true) : repository;
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            return super.inTransaction(inner -> work.apply(new InTransaction(inner, writes)));
        }
    }

    /** A registry repository that reports each write, whatever its outcome. */
    private static final class Bumping<T extends Entity> extends ForwardingRepository<T> {
        private final Runnable written;

        Bumping(Repository<T> delegate, Runnable written) {
            super(delegate);
            this.written = written;
        }

        @Override
        public T create(T entity) {
            try {
                return super.create(entity);
            } finally {
                written.run();
            }
        }

        @Override
        public T update(T entity) {
            try {
                return super.update(entity);
            } finally {
                written.run();
            }
        }

        @Override
        public boolean delete(String id) {
            try {
                return super.delete(id);
            } finally {
                written.run();
            }
        }

        @Override
        public int deleteAll(Query query) {
            try {
                return super.deleteAll(query);
            } finally {
                written.run();
            }
        }
    }
}
