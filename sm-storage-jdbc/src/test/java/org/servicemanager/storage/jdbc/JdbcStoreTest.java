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
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.test.store.Fixtures;

/**
 * What the JDBC store does beyond the contract kit: faithful storage of what the kit does not
 * vary, the times it can keep, races only a database shows, and its construction and lifecycle. Run per database by a subclass. (No class-level
 * {@code @DisplayName}: Surefire would then drop the nested groups from its XML report.)
 */
abstract class JdbcStoreTest {
    protected JdbcStore store;
    protected DataSource dataSource;
    protected final Fixtures fixtures = new Fixtures();
    private Platform platform;

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
        store.repository(EntityTypes.SERVICE_PLANS).create(fixtures.plan(offering.id()));
    }

    @AfterEach
    void closeStore() {
        store.close();
        dropDatabases();
    }

    private Repository<ServiceInstance> instances() {
        return store.repository(EntityTypes.SERVICE_INSTANCES);
    }

    @Nested
    @DisplayName("Storage of every component")
    class Components {

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
        @DisplayName("an entity created or updated at a time the database cannot keep is refused naming the time")
        void timeOutOfRange() {
            Repository<Platform> platforms = store.repository(EntityTypes.PLATFORMS);
            for (String far : List.of("+300000-01-01T00:00:00Z", "+200000-01-01T00:00:00Z", "-5000-01-01T00:00:00Z")) {
                Instant time = Instant.parse(far);

                assertThatThrownBy(() -> platforms.create(Fixtures.withIdAndTime(fixtures.platform(), "far", time)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("createdAt of platform 'far'").hasMessageContaining(time.toString());
                Platform stored = platforms.get(platform.id()).orElseThrow();
                Platform moved = new Platform(stored.id(), stored.name(), stored.type(), stored.description(),
                        stored.credentials(), null, stored.labels(), stored.createdAt(), time, true,
                        stored.version());
                assertThatThrownBy(() -> platforms.update(moved))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("updatedAt").hasMessageContaining(time.toString());
            }
            assertThat(platforms.get(platform.id())).contains(platform);
            assertThat(platforms.count(Query.all())).isEqualTo(1);
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
