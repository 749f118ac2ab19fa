package org.servicemanager.core.internal.tenancy;

import java.util.Optional;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.ForwardingRepository;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;

/**
 * The store as the Service Manager writes it when multitenancy is on: operations and bindings get
 * the tenant label of what they belong to, whoever makes them (the REST API, the OSB face, a
 * cascade, the scheduler), so a tenant's operations stay listable and readable by label after
 * their resource is gone, and the tenant filter of every type is the same index-backed label
 * predicate. An operation gets its resource's label when it is created (the resource is written
 * first, in the same transaction, by every path that makes one), and keeps the label it has when
 * a later update is built from a copy made before (one read per such update); a binding's label
 * is its instance's and is kept the same way. Thread-safe.
 */
public final class TenantLabels extends ForwardingStore {
    private final Tenancy tenancy;

    public TenantLabels(Store delegate, Tenancy tenancy) {
        super(delegate);
        if (!tenancy.enabled()) {
            throw new IllegalArgumentException("multitenancy is off: no tenant labels to give");
        }
        this.tenancy = tenancy;
    }

    @Override
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        return wrap(type, super.repository(type), this);
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        return super.inTransaction(tx -> work.apply(new InTransaction(tx, tenancy)));
    }

    @SuppressWarnings("unchecked")
    private static <T extends Entity> Repository<T> wrap(EntityType<T> type, Repository<T> repository, Store reads,
            Tenancy tenancy) {
        if (type == EntityTypes.OPERATIONS) {
            return (Repository<T>) new Operations((Repository<Operation>) repository, reads, tenancy);
        }
        if (type == EntityTypes.SERVICE_BINDINGS) {
            return (Repository<T>) new Bindings((Repository<ServiceBinding>) repository, reads, tenancy);
        }
        return repository;
    }

    private <T extends Entity> Repository<T> wrap(EntityType<T> type, Repository<T> repository, Store reads) {
        return wrap(type, repository, reads, tenancy);
    }

    /** The store a transaction's work gets: its reads see the transaction's own writes. */
    private static final class InTransaction extends ForwardingStore {
        private final Tenancy tenancy;

        InTransaction(Store tx, Tenancy tenancy) {
            super(tx);
            this.tenancy = tenancy;
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            return wrap(type, super.repository(type), this, tenancy);
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            return super.inTransaction(inner -> work.apply(new InTransaction(inner, tenancy)));
        }
    }

    private static final class Operations extends ForwardingRepository<Operation> {
        private final Store reads;
        private final Tenancy tenancy;

        Operations(Repository<Operation> delegate, Store reads, Tenancy tenancy) {
            super(delegate);
            this.reads = reads;
            this.tenancy = tenancy;
        }

        @Override
        public Operation create(Operation op) {
            if (op.labels().containsKey(tenancy.key())) {
                return super.create(op);
            }
            Optional<Labels> owner = switch (op.resourceType()) {
                case Operation.SERVICE_INSTANCES -> reads.repository(EntityTypes.SERVICE_INSTANCES)
                        .get(op.resourceId()).map(Entity::labels);
                case Operation.SERVICE_BINDINGS -> reads.repository(EntityTypes.SERVICE_BINDINGS)
                        .get(op.resourceId()).map(Entity::labels);
                case Operation.PLATFORMS -> reads.repository(EntityTypes.PLATFORMS)
                        .get(op.resourceId()).map(Entity::labels);
                default -> Optional.empty();
            };
            return super.create(owner.map(labels -> withTenantOf(op, labels)).orElse(op));
        }

        @Override
        public Operation update(Operation op) {
            if (op.labels().containsKey(tenancy.key())) {
                return super.update(op);
            }
            // Built from a copy made before the create gave it the label: keep the stored one.
            Optional<Operation> stored = super.get(op.id());
            return super.update(stored.map(s -> withTenantOf(op, s.labels())).orElse(op));
        }

        private Operation withTenantOf(Operation op, Labels owner) {
            Labels tenant = tenancy.inherited(owner);
            return tenant.isEmpty() ? op : op.withLabels(op.labels().with(tenancy.key(), tenant.get(tenancy.key())));
        }
    }

    private static final class Bindings extends ForwardingRepository<ServiceBinding> {
        private final Store reads;
        private final Tenancy tenancy;

        Bindings(Repository<ServiceBinding> delegate, Store reads, Tenancy tenancy) {
            super(delegate);
            this.reads = reads;
            this.tenancy = tenancy;
        }

        @Override
        public ServiceBinding create(ServiceBinding binding) {
            if (binding.labels().containsKey(tenancy.key())) {
                return super.create(binding);
            }
            Labels tenant = reads.repository(EntityTypes.SERVICE_INSTANCES).get(binding.serviceInstanceId())
                    .map(i -> tenancy.inherited(i.labels())).orElse(Labels.empty());
            return super.create(withTenant(binding, tenant));
        }

        /** A binding's tenant is its instance's: an update built from a copy made before the create keeps it. */
        @Override
        public ServiceBinding update(ServiceBinding binding) {
            if (binding.labels().containsKey(tenancy.key())) {
                return super.update(binding);
            }
            Labels tenant = super.get(binding.id()).map(b -> tenancy.inherited(b.labels())).orElse(Labels.empty());
            return super.update(withTenant(binding, tenant));
        }

        private ServiceBinding withTenant(ServiceBinding binding, Labels tenant) {
            return tenant.isEmpty() ? binding : binding.withLabels(binding.labels().with(tenancy.key(),
                    tenant.get(tenancy.key())), binding.updatedAt());
        }
    }
}
