package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.storage.jdbc.internal.Migrations;

/**
 * The schema migration runner: scripts are applied once, recorded in {@code sm_schema_version}, and
 * several stores starting at once on one database all come up with the schema applied once. (No
 * class-level {@code @DisplayName}: Surefire would then drop the nested groups from its XML report.)
 */
class MigrationTest {
    private static final String[] ALL_SCRIPTS = {"1 registry V1__registry.sql",
        "2 change_revision V2__change_revision.sql", "3 label_pages V3__label_pages.sql",
        "4 notifications V4__notifications.sql", "5 operations V5__operations.sql",
        "6 signing_keys V6__signing_keys.sql", "7 instance_sharing V7__instance_sharing.sql",
        "8 tenant_pages V8__tenant_pages.sql"};
    /** The last version before operations were stored: the schema an upgrade starts from. */
    private static final int BEFORE_OPERATIONS = 4;
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private final H2Databases h2 = new H2Databases();
    private final PostgresDatabases postgres = new PostgresDatabases();

    @AfterEach
    void dropDatabases() {
        h2.dropAll();
        postgres.dropAll();
    }

    @Nested
    @DisplayName("On H2")
    class OnH2 {
        @Test
        @DisplayName("the first start applies every script and records it; a second start applies nothing")
        void appliedOnce() throws Exception {
            DataSource dataSource = h2.fresh();
            JdbcStore.builder(dataSource).build().close();
            List<String> first = versions(dataSource);

            JdbcStore.builder(dataSource).build().close();

            assertThat(first).containsExactly(ALL_SCRIPTS);
            assertThat(versions(dataSource)).isEqualTo(first);
            assertThat(installedAt(dataSource)).hasSize(ALL_SCRIPTS.length);
            assertTablesExist(dataSource);
        }

        @Test
        @DisplayName("a database of the release before operations is upgraded with its instances and bindings kept")
        void upgradedFromBeforeOperations() throws Exception {
            assertUpgrades(h2.fresh(), Dialect.H2);
        }

        @Test
        @DisplayName("a script changed after it was applied stops the start, naming the script")
        void changedScriptRefused() throws Exception {
            DataSource dataSource = h2.fresh();
            JdbcStore.builder(dataSource).build().close();
            execute(dataSource, "UPDATE sm_schema_version SET checksum = 42");

            assertThatThrownBy(() -> JdbcStore.builder(dataSource).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("V1__registry.sql")
                    .hasMessageContaining("changed");
        }

        @Test
        @DisplayName("with migration turned off the store starts on the schema as it is")
        void migrationOff() throws Exception {
            DataSource dataSource = h2.fresh();

            JdbcStore.builder(dataSource).migrate(false).build().close();

            try (Connection connection = dataSource.getConnection();
                    ResultSet tables = connection.getMetaData().getTables(null, null, "SM_SCHEMA_VERSION", null)) {
                assertThat(tables.next()).isFalse();
            }
        }
    }

    @Nested
    @DisplayName("On PostgreSQL")
    class OnPostgres {
        @Test
        @DisplayName("the first start applies every script and records it; a second start applies nothing")
        void appliedOnce() throws Exception {
            DataSource dataSource = postgres.fresh();
            JdbcStore.builder(dataSource).build().close();
            List<String> installed = installedAt(dataSource);

            JdbcStore.builder(dataSource).build().close();

            assertThat(versions(dataSource)).containsExactly(ALL_SCRIPTS);
            assertThat(installedAt(dataSource)).isEqualTo(installed);
            assertTablesExist(dataSource);
        }

        @Test
        @DisplayName("a database of the release before operations is upgraded with its instances and bindings kept")
        void upgradedFromBeforeOperations() throws Exception {
            assertUpgrades(postgres.fresh(), Dialect.POSTGRESQL);
        }

        @Test
        @DisplayName("stores starting at once on an empty database all succeed, and the schema is applied once")
        void concurrentStarts() throws Exception {
            DataSource dataSource = postgres.fresh();
            int nodes = 3;
            ExecutorService pool = Executors.newFixedThreadPool(nodes);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Dialect>> started = new ArrayList<>();
                for (int i = 0; i < nodes; i++) {
                    Callable<Dialect> node = () -> {
                        start.await();
                        JdbcStore store = JdbcStore.builder(dataSource).build();
                        store.ping();
                        store.close();
                        return store.dialect();
                    };
                    started.add(pool.submit(node));
                }
                start.countDown();
                for (Future<Dialect> node : started) {
                    assertThat(node.get(60, TimeUnit.SECONDS)).isEqualTo(Dialect.POSTGRESQL);
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(versions(dataSource)).containsExactly(ALL_SCRIPTS);
            assertTablesExist(dataSource);
        }
    }

    /**
     * Leaves {@code dataSource} as the release before operations did, with an instance (labelled)
     * and a binding written as that release wrote them; then starts a store on it, which applies the
     * rest. The old rows read back with no maintenance info, credentials or operation id, take them
     * on update, and operations can be stored beside them.
     */
    private static void assertUpgrades(DataSource dataSource, Dialect dialect) throws Exception {
        assertThat(Migrations.migrateThrough(dataSource, dialect, BEFORE_OPERATIONS)).isEqualTo(BEFORE_OPERATIONS);
        String at = "TIMESTAMP WITH TIME ZONE '2025-01-01 00:00:00+00'";
        execute(dataSource, "INSERT INTO platforms (id, created_at, updated_at, ready, version, name, type, username,"
                + " password_hash) VALUES ('p1', " + at + ", " + at + ", TRUE, 1, 'cf', 'cloudfoundry', 'u', 'h')");
        execute(dataSource, "INSERT INTO service_brokers (id, created_at, updated_at, ready, version, name, broker_url)"
                + " VALUES ('b1', " + at + ", " + at + ", TRUE, 1, 'broker', 'https://broker.example.com')");
        execute(dataSource, "INSERT INTO service_offerings (id, created_at, updated_at, ready, version, bindable,"
                + " instances_retrievable, bindings_retrievable, plan_updateable, allow_context_updates, catalog_id,"
                + " broker_id, tags, requires) VALUES ('o1', " + at + ", " + at + ", TRUE, 1, TRUE, FALSE, FALSE,"
                + " FALSE, FALSE, 'o-cat', 'b1', '[]', '[]')");
        execute(dataSource, "INSERT INTO service_plans (id, created_at, updated_at, ready, version, catalog_id, free,"
                + " service_offering_id) VALUES ('pl1', " + at + ", " + at + ", TRUE, 1, 'pl-cat', TRUE, 'o1')");
        execute(dataSource, "INSERT INTO service_instances (id, created_at, updated_at, ready, version, name,"
                + " service_plan_id, platform_id, usable, last_operation_type, last_operation_state,"
                + " last_operation_broker_operation, context) VALUES ('i1', " + at + ", " + at + ", TRUE, 3, 'old',"
                + " 'pl1', 'p1', TRUE, 'UPDATE', 'IN_PROGRESS', 'op-1', '{\"a\":1}')");
        execute(dataSource, "INSERT INTO service_instances_labels (entity_id, label_key, label_value, ord, created_at)"
                + " VALUES ('i1', 'env', 'prod', 0, " + at + ")");
        execute(dataSource, "INSERT INTO service_bindings (id, created_at, updated_at, ready, version, name,"
                + " service_instance_id, platform_id, last_operation_type, last_operation_state) VALUES ('bi1', "
                + at + ", " + at + ", TRUE, 1, 'old-binding', 'i1', 'p1', 'CREATE', 'SUCCEEDED')");

        try (JdbcStore store = JdbcStore.builder(dataSource).build()) {
            assertThat(versions(dataSource)).containsExactly(ALL_SCRIPTS);
            ServiceInstance instance = store.repository(EntityTypes.SERVICE_INSTANCES).get("i1").orElseThrow();
            ServiceBinding binding = store.repository(EntityTypes.SERVICE_BINDINGS).get("bi1").orElseThrow();
            assertThat(instance).isEqualTo(new ServiceInstance("i1", "old", "pl1", "p1", "{\"a\":1}", null, null, true,
                    new LastOperation(OperationType.UPDATE, OperationState.IN_PROGRESS, "op-1", null, null), null,
                    null, Labels.of("env", "prod"), T0, T0, true, 3));
            assertThat(binding).isEqualTo(new ServiceBinding("bi1", "old-binding", "i1", "p1", null, null, null,
                    LastOperation.succeeded(OperationType.CREATE), Labels.empty(), T0, T0, true, 1));

            Operation operation = store.repository(EntityTypes.OPERATIONS).create(Operation.start("op-id-1",
                    OperationType.UPDATE, "i1", Operation.SERVICE_INSTANCES, "p1", "c-1", "node-1", T0.plusSeconds(60),
                    T0));
            ServiceInstance updated = store.repository(EntityTypes.SERVICE_INSTANCES).update(instance
                    .withMaintenanceInfo("{\"version\":\"2\"}")
                    .withOperation(instance.lastOperation().withOperationId(operation.id()), T0.plusSeconds(1)));
            ServiceBinding sealed = store.repository(EntityTypes.SERVICE_BINDINGS).update(binding
                    .withCredentials("sealed")
                    .withOperation(binding.lastOperation().withOperationId(operation.id()), T0.plusSeconds(1)));
            assertThat(store.repository(EntityTypes.SERVICE_INSTANCES).get("i1")).contains(updated);
            assertThat(store.repository(EntityTypes.SERVICE_BINDINGS).get("bi1")).contains(sealed);
            assertThat(store.repository(EntityTypes.OPERATIONS).get("op-id-1")).contains(operation);
        }
    }

    private static List<String> versions(DataSource dataSource) throws SQLException {
        return query(dataSource, "SELECT version, description, script FROM sm_schema_version ORDER BY version",
                rs -> rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3));
    }

    private static List<String> installedAt(DataSource dataSource) throws SQLException {
        return query(dataSource, "SELECT installed_at FROM sm_schema_version ORDER BY version", rs -> rs.getString(1));
    }

    private static void assertTablesExist(DataSource dataSource) throws SQLException {
        for (EntityType<?> type : EntityTypes.ALL) {
            assertThat(query(dataSource, "SELECT COUNT(*) FROM " + type.name(), rs -> rs.getLong(1)))
                    .containsExactly(0L);
            assertThat(query(dataSource, "SELECT COUNT(*) FROM " + type.name() + "_labels", rs -> rs.getLong(1)))
                    .containsExactly(0L);
        }
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static <R> List<R> query(DataSource dataSource, String sql, RowMapper<R> mapper) throws SQLException {
        List<R> rows = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(mapper.map(rs));
            }
        }
        return rows;
    }

    @FunctionalInterface
    private interface RowMapper<R> {
        R map(ResultSet rs) throws SQLException;
    }
}
