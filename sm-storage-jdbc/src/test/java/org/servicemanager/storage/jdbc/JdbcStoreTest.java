package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.ReferenceViolationException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.test.store.Fixtures;

/**
 * What the JDBC store does beyond the contract kit: the instance and binding types (which the kit
 * does not cover yet) with their restricting references, faithful storage of every record component,
 * and its construction and lifecycle. Run per database by a subclass. (No class-level
 * {@code @DisplayName}: Surefire would then drop the nested groups from its XML report.)
 */
abstract class JdbcStoreTest {
    protected JdbcStore store;
    protected DataSource dataSource;
    protected final Fixtures fixtures = new Fixtures();
    private Platform platform;
    private ServicePlan plan;

    /** A new, empty database. */
    protected abstract DataSource freshDatabase();

    protected abstract Dialect expectedDialect();

    /** Drops the databases of the test. */
    protected abstract void dropDatabases();

    @BeforeEach
    void openStore() {
        dataSource = freshDatabase();
        store = JdbcStore.builder(dataSource).build();
        platform = store.repository(EntityTypes.PLATFORMS).create(fixtures.platform("cf"));
        ServiceBroker broker = store.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker());
        ServiceOffering offering = store.repository(EntityTypes.SERVICE_OFFERINGS).create(fixtures.offering(broker.id()));
        plan = store.repository(EntityTypes.SERVICE_PLANS).create(fixtures.plan(offering.id()));
    }

    @AfterEach
    void closeStore() {
        store.close();
        dropDatabases();
    }

    private Repository<ServiceInstance> instances() {
        return store.repository(EntityTypes.SERVICE_INSTANCES);
    }

    private Repository<ServiceBinding> bindings() {
        return store.repository(EntityTypes.SERVICE_BINDINGS);
    }

    private ServiceInstance instance(String planId, String platformId) {
        Instant at = fixtures.tick();
        return new ServiceInstance(Fixtures.newId(), "instance-" + at.toEpochMilli(), planId, platformId,
                "{\"platform\":\"cf\"}", "https://dashboard.example.com", true,
                LastOperation.inProgress(OperationType.CREATE, "op-1"), null, null, Labels.empty(), at, at, false, 0);
    }

    private ServiceBinding binding(String instanceId, String platformId) {
        Instant at = fixtures.tick();
        return new ServiceBinding(Fixtures.newId(), "binding", instanceId, platformId, "{}", null,
                LastOperation.succeeded(OperationType.CREATE), Labels.empty(), at, at, true, 0);
    }

    @Nested
    @DisplayName("Restricting references")
    class Restricting {

        @Test
        @DisplayName("deleting a plan that an instance uses fails naming both, and deletes nothing")
        void planBlockedByInstance() {
            ServiceInstance instance = instances().create(instance(plan.id(), platform.id()));

            assertThatThrownBy(() -> store.repository(EntityTypes.SERVICE_PLANS).delete(plan.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("service plan '" + plan.id() + "'")
                    .hasMessageContaining("service instance '" + instance.id() + "'");
            assertThat(store.repository(EntityTypes.SERVICE_PLANS).get(plan.id())).isPresent();
        }

        @Test
        @DisplayName("an instance blocks the cascade from its plan's broker, and nothing of it happens")
        void brokerCascadeBlocked() {
            instances().create(instance(plan.id(), platform.id()));
            String brokerId = store.repository(EntityTypes.SERVICE_BROKERS).list(Query.all(), PageRequest.unbounded())
                    .items().get(0).id();

            assertThatThrownBy(() -> store.repository(EntityTypes.SERVICE_BROKERS).delete(brokerId))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("service broker '" + brokerId + "'");
            assertThat(store.repository(EntityTypes.SERVICE_PLANS).get(plan.id())).isPresent();
            assertThat(store.repository(EntityTypes.SERVICE_OFFERINGS).count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("a platform is blocked by its instances and bindings, which the message names")
        void platformBlocked() {
            ServiceInstance instance = instances().create(instance(plan.id(), platform.id()));
            ServiceBinding binding = bindings().create(binding(instance.id(), platform.id()));

            assertThatThrownBy(() -> store.repository(EntityTypes.PLATFORMS).delete(platform.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("platform '" + platform.id() + "'")
                    .hasMessageContaining("service instance '" + instance.id() + "'")
                    .hasMessageContaining("service binding '" + binding.id() + "'");
        }

        @Test
        @DisplayName("deleting an instance deletes its bindings, and then its plan can go")
        void instanceCascadesToBindings() {
            ServiceInstance instance = instances().create(instance(plan.id(), platform.id()));
            bindings().create(binding(instance.id(), platform.id()));

            assertThat(instances().delete(instance.id())).isTrue();

            assertThat(bindings().count(Query.all())).isZero();
            assertThat(store.repository(EntityTypes.SERVICE_PLANS).delete(plan.id())).isTrue();
        }

        @Test
        @DisplayName("the message names ten blocking entities and counts the rest")
        void messageSummarises() {
            for (int i = 0; i < 12; i++) {
                instances().create(instance(plan.id(), platform.id()));
            }

            assertThatThrownBy(() -> store.repository(EntityTypes.SERVICE_PLANS).delete(plan.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageEndingWith(" and 2 more");
        }

        @Test
        @DisplayName("deleteAll is all or nothing: one blocked match keeps every match")
        void deleteAllAllOrNothing() {
            ServicePlan other = store.repository(EntityTypes.SERVICE_PLANS).create(fixtures.plan(plan.serviceOfferingId()));
            instances().create(instance(plan.id(), platform.id()));

            assertThatThrownBy(() -> store.repository(EntityTypes.SERVICE_PLANS).deleteAll(Query.all()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("2 service_plans");
            assertThat(store.repository(EntityTypes.SERVICE_PLANS).get(other.id())).isPresent();
        }

        @Test
        @DisplayName("an instance of an unknown plan is rejected naming the plan")
        void unknownPlan() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> instances().create(instance(unknown, platform.id())))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessage("service plan '" + unknown + "' does not exist");
        }
    }

    @Nested
    @DisplayName("Storage of every component")
    class Components {

        @Test
        @DisplayName("an instance comes back with its operation, context and pending values")
        void instanceRoundTrip() {
            ServiceInstance created = instances().create(instance(plan.id(), platform.id()));
            ServiceInstance updating = created.withPlan(plan.id(), "{\"a\":1}").withUsable(false)
                    .withOperation(new LastOperation(OperationType.UPDATE, OperationState.FAILED, "op-2", "it broke"),
                            created.updatedAt().plusSeconds(1))
                    .withPending(plan.id(), "{\"b\":2}").asReady();

            ServiceInstance updated = instances().update(updating);

            assertThat(instances().get(created.id())).contains(updated);
            assertThat(updated.version()).isEqualTo(2);
        }

        @Test
        @DisplayName("a binding comes back as it was stored")
        void bindingRoundTrip() {
            ServiceInstance instance = instances().create(instance(plan.id(), platform.id()));
            ServiceBinding created = bindings().create(binding(instance.id(), platform.id()));

            assertThat(bindings().get(created.id())).contains(created);
        }

        @Test
        @DisplayName("offering tags and requires keep their order and any character")
        void offeringLists() {
            ServiceOffering template = fixtures.offering(store.repository(EntityTypes.SERVICE_BROKERS)
                    .list(Query.all(), PageRequest.unbounded()).items().get(0).id());
            ServiceOffering offering = new ServiceOffering(template.id(), template.name(), null, false, true, true,
                    true, true, List.of("b \"quoted\"", "a\\back", "new\nline", "ü€"), List.of(), "{\"m\":1}",
                    template.catalogId(), null, template.brokerId(), null, Labels.empty(), template.createdAt(),
                    null, false, 0);

            ServiceOffering created = store.repository(EntityTypes.SERVICE_OFFERINGS).create(offering);

            assertThat(store.repository(EntityTypes.SERVICE_OFFERINGS).get(created.id())).contains(created);
        }

        @Test
        @DisplayName("the values of a label keep their order")
        void labelValueOrder() {
            Platform labelled = Fixtures.withLabels(fixtures.platform(),
                    Labels.of(Map.of("zone", List.of("c", "a", "b"), "env", List.of("prod"))));

            Platform created = store.repository(EntityTypes.PLATFORMS).create(labelled);

            assertThat(store.repository(EntityTypes.PLATFORMS).get(created.id()).orElseThrow().labels().get("zone"))
                    .containsExactly("c", "a", "b");
        }

        @Test
        @DisplayName("an unknown field in a query is refused")
        void unknownField() {
            assertThatThrownBy(() -> instances().count(Query.of(
                    new FieldCriterion("nope", Operator.EQ, List.of("x")))))
                    .isInstanceOf(InvalidFieldQueryException.class)
                    .hasMessageContaining("nope");
        }

        @Test
        @DisplayName("a contains literal with LIKE wildcards matches them literally")
        void containsEscapesWildcards() {
            Repository<Platform> platforms = store.repository(EntityTypes.PLATFORMS);
            platforms.create(fixtures.platform("a%b_c!d"));
            platforms.create(fixtures.platform("axxbyc"));

            List<String> names = new ArrayList<>();
            platforms.list(Query.of(new FieldCriterion("name", Operator.CONTAINS, List.of("%b_c!"))),
                    PageRequest.unbounded()).items().forEach(p -> names.add(p.name()));

            assertThat(names).containsExactly("a%b_c!d");
        }
    }

    @Nested
    @DisplayName("Transactions")
    class Transactions {

        @Test
        @DisplayName("a nested transaction that throws is undone even when the outer one catches it and commits")
        void nestedFailureCaught() {
            store.inTransaction(outer -> {
                outer.repository(EntityTypes.PLATFORMS).create(fixtures.platform("kept"));
                assertThatThrownBy(() -> outer.inTransaction(inner -> {
                    inner.repository(EntityTypes.PLATFORMS).create(fixtures.platform("undone"));
                    throw new IllegalStateException("boom");
                })).hasMessage("boom");
                return null;
            });

            assertThat(store.repository(EntityTypes.PLATFORMS).count(Query.fieldEquals("name", "kept"))).isEqualTo(1);
            assertThat(store.repository(EntityTypes.PLATFORMS).count(Query.fieldEquals("name", "undone"))).isZero();
        }

        @Test
        @DisplayName("an error, not only an exception, rolls the transaction back")
        void errorRollsBack() {
            assertThatThrownBy(() -> store.inTransaction(tx -> {
                tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform("gone"));
                throw new AssertionError("error");
            })).isInstanceOf(AssertionError.class);

            assertThat(store.repository(EntityTypes.PLATFORMS).count(Query.fieldEquals("name", "gone"))).isZero();
        }
    }

    @Nested
    @DisplayName("Races the checks cannot see")
    class Races {

        @Test
        @DisplayName("a unique name taken by a transaction still open is reported like one the check finds")
        void uniqueViolationFromTheDatabase() throws Exception {
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                CountDownLatch inserted = new CountDownLatch(1);
                Future<Object> racer = store.inTransaction(tx -> {
                    tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform("contended"));
                    // The other create passes the check (it cannot see this row yet) and then
                    // meets the database's unique constraint once this transaction commits.
                    Future<Object> outcome = other.submit(() -> {
                        inserted.countDown();
                        try {
                            return store.repository(EntityTypes.PLATFORMS).create(fixtures.platform("contended"));
                        } catch (RuntimeException e) {
                            return e;
                        }
                    });
                    await(inserted);
                    sleep(300);
                    return outcome;
                });

                Object outcome = racer.get(30, TimeUnit.SECONDS);
                assertThat(outcome).isInstanceOf(UniqueViolationException.class);
                UniqueViolationException e = (UniqueViolationException) outcome;
                assertThat(e.fields()).containsExactly("name");
                assertThat(e).hasMessage("a platform with name 'contended' already exists");
            } finally {
                other.shutdownNow();
            }
        }

        private void await(CountDownLatch latch) {
            try {
                assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Nested
    @DisplayName("Construction and lifecycle")
    class Lifecycle {

        @Test
        @DisplayName("the dialect is detected from the database")
        void detectsDialect() {
            assertThat(store.dialect()).isEqualTo(expectedDialect());
            assertThat(store.supportsPersistence()).isTrue();
            assertThat(store.isClustered()).isEqualTo(expectedDialect() == Dialect.POSTGRESQL);
        }

        @Test
        @DisplayName("a second store on the same database sees what the first stored")
        void sharedDatabase() {
            JdbcStore second = JdbcStore.builder(dataSource).dialect(expectedDialect()).build();
            try {
                assertThat(second.repository(EntityTypes.PLATFORMS).get(platform.id())).contains(platform);
            } finally {
                second.close();
            }
        }

        @Test
        @DisplayName("after close every operation throws IllegalStateException, and the data source stays open")
        void closed() throws Exception {
            store.close();

            assertThatThrownBy(() -> store.repository(EntityTypes.PLATFORMS).get(platform.id()))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.inTransaction(tx -> null)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(store::ping).isInstanceOf(IllegalStateException.class);
            assertThatCode(store::close).doesNotThrowAnyException();
            try (Connection connection = dataSource.getConnection()) {
                assertThat(connection.isValid(5)).isTrue();
            }
        }

        @Test
        @DisplayName("the builder refuses a missing data source or dialect, naming it")
        void builderFailsFast() {
            assertThatThrownBy(() -> JdbcStore.builder(null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("dataSource");
            assertThatThrownBy(() -> JdbcStore.builder(dataSource).dialect(null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("dialect");
        }
    }
}
