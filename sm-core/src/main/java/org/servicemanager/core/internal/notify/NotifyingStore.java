package org.servicemanager.core.internal.notify;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
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
    private final Clock clock;

    public NotifyingStore(Store delegate, Clock clock) {
        super(delegate);
        this.clock = Objects.requireNonNull(clock, "clock");
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
        return super.inTransaction(tx -> {
            Changes changes = new Changes();
            R result = work.apply(new InTransaction(tx, changes));
            changes.publish(tx, clock.instant().truncatedTo(ChronoUnit.MICROS), Correlation.current());
            return result;
        });
    }

    private static boolean isWatched(EntityType<?> type) {
        return type == EntityTypes.SERVICE_BROKERS || type == EntityTypes.SERVICE_OFFERINGS
                || type == EntityTypes.SERVICE_PLANS || type == EntityTypes.VISIBILITIES
                || type == EntityTypes.PLATFORMS;
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
                return (Repository<T>) new Brokers((Repository<ServiceBroker>) repository, tx, changes);
            } else if (type == EntityTypes.SERVICE_OFFERINGS) {
                return (Repository<T>) new Offerings((Repository<ServiceOffering>) repository, tx, changes);
            } else if (type == EntityTypes.SERVICE_PLANS) {
                return (Repository<T>) new Plans((Repository<ServicePlan>) repository, tx, changes);
            } else if (type == EntityTypes.VISIBILITIES) {
                return (Repository<T>) new Visibilities((Repository<Visibility>) repository, tx, changes);
            } else if (type == EntityTypes.PLATFORMS) {
                return (Repository<T>) new Platforms((Repository<Platform>) repository, tx, changes);
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

    private static final class Brokers extends ForwardingRepository<ServiceBroker> {
        private final Store tx;
        private final Changes changes;

        Brokers(Repository<ServiceBroker> delegate, Store tx, Changes changes) {
            super(delegate);
            this.tx = tx;
            this.changes = changes;
        }

        @Override
        public ServiceBroker create(ServiceBroker entity) {
            changes.touchBroker(tx, entity.id());
            return super.create(entity);
        }

        @Override
        public ServiceBroker update(ServiceBroker entity) {
            changes.touchBroker(tx, entity.id());
            return super.update(entity);
        }

        @Override
        public boolean delete(String id) {
            changes.beforeBrokerDelete(tx, id);
            return super.delete(id);
        }

        @Override
        public int deleteAll(Query query) {
            list(query, PageRequest.unbounded()).items().forEach(b -> changes.beforeBrokerDelete(tx, b.id()));
            return super.deleteAll(query);
        }
    }

    private static final class Offerings extends ForwardingRepository<ServiceOffering> {
        private final Store tx;
        private final Changes changes;

        Offerings(Repository<ServiceOffering> delegate, Store tx, Changes changes) {
            super(delegate);
            this.tx = tx;
            this.changes = changes;
        }

        @Override
        public ServiceOffering create(ServiceOffering entity) {
            changes.beforeOfferingCreate(tx, entity);
            return super.create(entity);
        }

        @Override
        public ServiceOffering update(ServiceOffering entity) {
            changes.beforeOfferingUpdate(tx, entity);
            return super.update(entity);
        }

        @Override
        public boolean delete(String id) {
            changes.beforeOfferingDelete(tx, id);
            return super.delete(id);
        }

        @Override
        public int deleteAll(Query query) {
            list(query, PageRequest.unbounded()).items().forEach(o -> changes.beforeOfferingDelete(tx, o.id()));
            return super.deleteAll(query);
        }
    }

    private static final class Plans extends ForwardingRepository<ServicePlan> {
        private final Store tx;
        private final Changes changes;

        Plans(Repository<ServicePlan> delegate, Store tx, Changes changes) {
            super(delegate);
            this.tx = tx;
            this.changes = changes;
        }

        @Override
        public ServicePlan create(ServicePlan entity) {
            changes.beforePlanCreate(tx, entity);
            return super.create(entity);
        }

        @Override
        public ServicePlan update(ServicePlan entity) {
            changes.beforePlanUpdate(tx, entity);
            return super.update(entity);
        }

        @Override
        public boolean delete(String id) {
            changes.beforePlanDelete(tx, id);
            return super.delete(id);
        }

        @Override
        public int deleteAll(Query query) {
            list(query, PageRequest.unbounded()).items().forEach(p -> changes.beforePlanDelete(tx, p.id()));
            return super.deleteAll(query);
        }
    }

    private static final class Visibilities extends ForwardingRepository<Visibility> {
        private final Store tx;
        private final Changes changes;

        Visibilities(Repository<Visibility> delegate, Store tx, Changes changes) {
            super(delegate);
            this.tx = tx;
            this.changes = changes;
        }

        @Override
        public Visibility create(Visibility entity) {
            changes.touchVisibility(tx, entity.id());
            return super.create(entity);
        }

        @Override
        public Visibility update(Visibility entity) {
            changes.touchVisibility(tx, entity.id());
            return super.update(entity);
        }

        @Override
        public boolean delete(String id) {
            changes.touchVisibility(tx, id);
            return super.delete(id);
        }

        @Override
        public int deleteAll(Query query) {
            list(query, PageRequest.unbounded()).items().forEach(v -> changes.touchVisibility(tx, v));
            return super.deleteAll(query);
        }
    }

    /** Platform writes matter only for the visibilities a delete takes along. */
    private static final class Platforms extends ForwardingRepository<Platform> {
        private final Store tx;
        private final Changes changes;

        Platforms(Repository<Platform> delegate, Store tx, Changes changes) {
            super(delegate);
            this.tx = tx;
            this.changes = changes;
        }

        @Override
        public boolean delete(String id) {
            changes.beforePlatformsDelete(tx, List.of(id));
            return super.delete(id);
        }

        @Override
        public int deleteAll(Query query) {
            changes.beforePlatformsDelete(tx, list(query, PageRequest.unbounded()).items().stream()
                    .map(Platform::id).toList());
            return super.deleteAll(query);
        }
    }
}
