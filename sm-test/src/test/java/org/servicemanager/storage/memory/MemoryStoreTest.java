package org.servicemanager.storage.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.FieldType;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Reference.OnDelete;
import org.servicemanager.api.store.Repository;
import org.servicemanager.test.store.Fixtures;

/**
 * What the contract leaves open or cannot express with the Service Manager's own types: the
 * restricting references the model has are in the kit, but none of them can be removed by the same
 * cascade that it blocks, which a type of its own shows. (No
 * class-level {@code @DisplayName}: Surefire would then drop the nested groups from its XML report.)
 */
class MemoryStoreTest {

    /** A test type that restricts deleting its plan and goes away with its broker (unlike any model type). */
    record Thing(String id, String planId, String brokerId, Labels labels, Instant createdAt, Instant updatedAt,
            boolean ready, long version) implements Entity {
        Thing withVersion(long newVersion) {
            return new Thing(id, planId, brokerId, labels, createdAt, updatedAt, ready, newVersion);
        }
    }

    static final EntityType<Thing> THINGS = EntityType
            .builder("things", "thing", Thing.class, Thing::withVersion)
            .field("service_plan_id", FieldType.STRING, Thing::planId)
            .field("service_broker_id", FieldType.STRING, Thing::brokerId)
            .reference("service_plan_id", "service_plans", OnDelete.RESTRICT)
            .reference("service_broker_id", "service_brokers", OnDelete.CASCADE)
            .build();

    private final Fixtures fixtures = new Fixtures();
    private MemoryStore store;

    @AfterEach
    void close() {
        store.close();
    }

    @Nested
    @DisplayName("Restricting references beyond the model's")
    class Restrict {
        private ServiceBroker broker;
        private ServicePlan plan;

        @BeforeEach
        void storeGraph() {
            List<EntityType<?>> types = new ArrayList<>(EntityTypes.ALL);
            types.add(THINGS);
            store = MemoryStore.create(types);
            broker = store.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker());
            ServiceOffering offering = store.repository(EntityTypes.SERVICE_OFFERINGS)
                    .create(fixtures.offering(broker.id()));
            plan = store.repository(EntityTypes.SERVICE_PLANS).create(fixtures.plan(offering.id()));
            store.repository(EntityTypes.VISIBILITIES).create(fixtures.visibility(null, plan.id()));
        }

        private Thing storeThing(String brokerId) {
            Instant at = fixtures.tick();
            return things().create(new Thing(Fixtures.newId(), plan.id(), brokerId, Labels.empty(), at, at, true, 0));
        }

        private Repository<Thing> things() {
            return store.repository(THINGS);
        }

        private long countAll(EntityType<?> type) {
            return store.repository(type).count(Query.all());
        }

        @Test
        @DisplayName("a restricting entity that the same deletion removes does not block it")
        void restrictingEntityDeletedToo() {
            storeThing(broker.id());

            assertThat(store.repository(EntityTypes.SERVICE_BROKERS).delete(broker.id())).isTrue();

            assertThat(countAll(THINGS)).isZero();
            assertThat(countAll(EntityTypes.SERVICE_PLANS)).isZero();
            assertThat(countAll(EntityTypes.VISIBILITIES)).isZero();
        }
    }

    @Nested
    @DisplayName("Lifecycle and construction")
    class Lifecycle {

        @Test
        @DisplayName("after close every operation throws IllegalStateException")
        void closedStoreRefuses() {
            store = MemoryStore.create();
            Repository<Platform> platforms = store.repository(EntityTypes.PLATFORMS);
            store.close();

            assertThatThrownBy(store::ping).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.repository(EntityTypes.PLATFORMS)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.inTransaction(tx -> null)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> platforms.create(fixtures.platform())).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> platforms.get("x")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> platforms.list(Query.all(), PageRequest.first(1)))
                    .isInstanceOf(IllegalStateException.class);
        }

        @Test
        @DisplayName("it neither persists nor clusters")
        void capabilities() {
            store = new MemoryStore();

            assertThat(store.supportsPersistence()).isFalse();
            assertThat(store.isClustered()).isFalse();
        }

        @Test
        @DisplayName("a store refuses a type it was not given")
        void unknownType() {
            store = MemoryStore.create(List.of(EntityTypes.PLATFORMS));

            assertThatThrownBy(() -> store.repository(EntityTypes.VISIBILITIES))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("visibilities");
        }

        @Test
        @DisplayName("a type must be given after the types it refers to")
        void referenceTargetsFirst() {
            store = MemoryStore.create();

            assertThatThrownBy(() -> MemoryStore.create(List.of(EntityTypes.PLATFORMS, EntityTypes.VISIBILITIES)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("service_plans");
        }

        @Test
        @DisplayName("an entity without a creation time is refused, since it could not be ordered")
        void createdAtRequired() {
            store = MemoryStore.create();
            Platform platform = fixtures.platform();
            ServiceBroker broker = store.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker());
            ServiceOffering o = fixtures.offering(broker.id());
            ServiceOffering undated = new ServiceOffering(o.id(), o.name(), o.description(), o.bindable(),
                    o.instancesRetrievable(), o.bindingsRetrievable(), o.planUpdateable(), o.allowContextUpdates(),
                    o.tags(), o.requires(), o.metadata(), o.catalogId(), o.catalogName(), o.brokerId(),
                    o.catalogJson(), o.labels(), null, null, o.ready(), o.version());

            assertThatThrownBy(() -> store.repository(EntityTypes.SERVICE_OFFERINGS).create(undated))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("createdAt");
            assertThat(store.repository(EntityTypes.PLATFORMS).create(platform).version()).isEqualTo(1);
        }
    }
}
