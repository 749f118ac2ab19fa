package org.servicemanager.core.internal.notify;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;

/**
 * The host's store as the Service Manager writes it: every change of a service broker (its
 * offerings and plans included) or of a visibility appends its notification for the Service
 * Broker Proxies in the same transaction, so a notification exists exactly when its change
 * committed. Whatever code writes the registry (a resource handler, catalog sync, a cascade from
 * a deleted plan, broker or platform), no caller has to remember to notify.
 *
 * <p>Inside {@link #inTransaction}, the states that a change replaces are read just before the
 * first write that touches them (a broker's catalog before a sync changes it; the visibilities a
 * delete will cascade away, before the delete), and the notifications are appended at the end of
 * the outermost transaction, when the new states are read: so a broker's {@code CREATED} carries
 * the offerings and plans written in the same transaction, and the visibilities that vanish are
 * described with the plan and broker they had. See {@code Changes} for what becomes which
 * notification. A write outside a transaction runs in one of its own, to be atomic with its
 * notification. Writes to service instances and bindings, and platform writes that delete nothing,
 * pass through untouched.
 *
 * <p>Notifications carry the correlation id of the request ({@link Correlation}) and the time of
 * the injected clock. Thread-safe: the state of a transaction lives in that transaction's view.
 */
public final class NotifyingStore extends ForwardingStore {
    /** The {@code resource} of a service broker's notification. */
    public static final String BROKERS = "/v1/service_brokers";
    /** The {@code resource} of a visibility's notification. */
    public static final String VISIBILITIES = "/v1/visibilities";

    private final Clock clock;
    private final Runnable afterCommit;

    public NotifyingStore(Store delegate, Clock clock) {
        this(delegate, clock, () -> { });
    }

    /**
     * @param afterCommit run after a transaction that appended notifications has committed (the
     *                    notification hub is woken so, rather than after every write request)
     */
    public NotifyingStore(Store delegate, Clock clock, Runnable afterCommit) {
        super(delegate);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.afterCommit = Objects.requireNonNull(afterCommit, "afterCommit");
    }

    @Override
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        Repository<T> repository = super.repository(type);
        if (type == EntityTypes.PLATFORMS) {
            // Creating or updating a platform changes no notification's subject: no transaction needed.
            return new OwnTransaction<>(repository, this, true);
        }
        return isWatched(type) ? new OwnTransaction<>(repository, this, false) : repository;
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        boolean[] appended = {false};
        R result = super.inTransaction(tx -> {
            Changes changes = new Changes();
            R done = work.apply(new InTransaction(tx, changes));
            appended[0] = changes.publish(tx, clock.instant().truncatedTo(ChronoUnit.MICROS), Correlation.current());
            return done;
        });
        if (appended[0]) {
            afterCommit.run();
        }
        return result;
    }

    private static boolean isWatched(EntityType<?> type) {
        return type == EntityTypes.SERVICE_BROKERS || type == EntityTypes.SERVICE_OFFERINGS
                || type == EntityTypes.SERVICE_PLANS || type == EntityTypes.VISIBILITIES;
    }

    /**
     * The store handed to a transaction's work: watched writes are noted in the transaction's
     * {@link Changes}. Nested transactions join the outer one and note into the same changes; one
     * that a store undoes on its own (a savepoint) leaves states equal to those noted, and so no
     * notification.
     */
    private static final class InTransaction extends ForwardingStore {
        private final Changes changes;

        InTransaction(Store tx, Changes changes) {
            super(tx);
            this.changes = changes;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            Repository<T> repository = super.repository(type);
            Store tx = delegate();
            // Each cast is to the type just compared with, so it always holds.
            if (type == EntityTypes.SERVICE_BROKERS) {
                return (Repository<T>) new Watched<>((Repository<ServiceBroker>) repository,
                        b -> changes.touchBroker(tx, b.id()), b -> changes.touchBroker(tx, b.id()),
                        ids -> ids.forEach(id -> changes.beforeBrokerDelete(tx, id)));
            } else if (type == EntityTypes.SERVICE_OFFERINGS) {
                return (Repository<T>) new Watched<>((Repository<ServiceOffering>) repository,
                        o -> changes.beforeOfferingCreate(tx, o), o -> changes.beforeOfferingUpdate(tx, o),
                        ids -> ids.forEach(id -> changes.beforeOfferingDelete(tx, id)));
            } else if (type == EntityTypes.SERVICE_PLANS) {
                return (Repository<T>) new Watched<>((Repository<ServicePlan>) repository,
                        p -> changes.beforePlanCreate(tx, p), p -> changes.beforePlanUpdate(tx, p),
                        ids -> ids.forEach(id -> changes.beforePlanDelete(tx, id)));
            } else if (type == EntityTypes.VISIBILITIES) {
                return (Repository<T>) new Watched<>((Repository<Visibility>) repository,
                        v -> changes.touchVisibility(tx, v.id()), v -> changes.touchVisibility(tx, v.id()),
                        ids -> ids.forEach(id -> changes.touchVisibility(tx, id)));
            } else if (type == EntityTypes.PLATFORMS) {
                // Platform writes matter only for the visibilities a delete takes along.
                return (Repository<T>) new Watched<>((Repository<Platform>) repository, p -> { }, p -> { },
                        ids -> changes.beforePlatformsDelete(tx, ids));
            }
            return repository;
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            return super.inTransaction(inner -> work.apply(new InTransaction(inner, changes)));
        }
    }

    /**
     * A watched repository outside a transaction: each write (with {@code deletesOnly}, each
     * delete) runs in a transaction of its own.
     */
    private static final class OwnTransaction<T extends Entity> extends ForwardingRepository<T> {
        private final Store store;
        private final boolean deletesOnly;

        OwnTransaction(Repository<T> delegate, Store store, boolean deletesOnly) {
            super(delegate);
            this.store = store;
            this.deletesOnly = deletesOnly;
        }

        @Override
        public T create(T entity) {
            return deletesOnly ? super.create(entity) : store.inTransaction(tx -> tx.repository(type()).create(entity));
        }

        @Override
        public T update(T entity) {
            return deletesOnly ? super.update(entity) : store.inTransaction(tx -> tx.repository(type()).update(entity));
        }

        @Override
        public boolean delete(String id) {
            return store.inTransaction(tx -> tx.repository(type()).delete(id));
        }

        @Override
        public int deleteAll(Query query) {
            return store.inTransaction(tx -> tx.repository(type()).deleteAll(query));
        }
    }

    /**
     * A watched repository inside a transaction: before each write, the transaction's changes note
     * what it touches (for a bulk delete, each entity it will delete).
     */
    private static final class Watched<T extends Entity> extends ForwardingRepository<T> {
        private final Consumer<T> beforeCreate;
        private final Consumer<T> beforeUpdate;
        /** Takes every id a delete removes at once, so that a bulk delete can read what goes in one query. */
        private final Consumer<List<String>> beforeDelete;

        Watched(Repository<T> delegate, Consumer<T> beforeCreate, Consumer<T> beforeUpdate,
                Consumer<List<String>> beforeDelete) {
            super(delegate);
            this.beforeCreate = beforeCreate;
            this.beforeUpdate = beforeUpdate;
            this.beforeDelete = beforeDelete;
        }

        @Override
        public T create(T entity) {
            beforeCreate.accept(entity);
            return super.create(entity);
        }

        @Override
        public T update(T entity) {
            beforeUpdate.accept(entity);
            return super.update(entity);
        }

        @Override
        public boolean delete(String id) {
            beforeDelete.accept(List.of(id));
            return super.delete(id);
        }

        @Override
        public int deleteAll(Query query) {
            beforeDelete.accept(list(query, PageRequest.unbounded()).items().stream().map(Entity::id).toList());
            return super.deleteAll(query);
        }
    }
}
