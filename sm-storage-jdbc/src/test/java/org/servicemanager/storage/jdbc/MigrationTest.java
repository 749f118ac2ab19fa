package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;

/**
 * The schema migration runner: scripts are applied once, recorded in {@code sm_schema_version}, and
 * several stores starting at once on one database all come up with the schema applied once. (No
 * class-level {@code @DisplayName}: Surefire would then drop the nested groups from its XML report.)
 */
class MigrationTest {
    private static final String[] ALL_SCRIPTS = {"1 registry V1__registry.sql",
        "2 change_revision V2__change_revision.sql", "3 label_pages V3__label_pages.sql",
        "4 notifications V4__notifications.sql"};

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
