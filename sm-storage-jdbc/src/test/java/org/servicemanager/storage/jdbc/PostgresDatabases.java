package org.servicemanager.storage.jdbc;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Fresh PostgreSQL databases for tests: each is a new schema of one server, dropped when the test is
 * done, so tests are isolated without paying for a server or a database each.
 *
 * <p>The server is the one {@code SM_TEST_POSTGRES_URL} (with {@code SM_TEST_POSTGRES_USER} and
 * {@code SM_TEST_POSTGRES_PASSWORD}) names, if set; otherwise an embedded PostgreSQL from Maven Central
 * (zonky), started once per JVM on first use and stopped when the JVM exits. As root, which
 * PostgreSQL refuses to run as, it runs through {@link RootSafeBinaryResolver}. Not thread-safe.
 */
public final class PostgresDatabases {
    private static final String EXTERNAL_URL = System.getenv("SM_TEST_POSTGRES_URL");
    private static Server server;

    private final List<String> schemas = new ArrayList<>();

    /** A data source whose connections work in a new, empty schema. */
    public DataSource fresh() {
        String schema = "sm_test_" + UUID.randomUUID().toString().replace("-", "");
        execute("CREATE SCHEMA " + schema);
        schemas.add(schema);
        return server().dataSource(schema);
    }

    public void dropAll() {
        for (String schema : schemas) {
            execute("DROP SCHEMA " + schema + " CASCADE");
        }
        schemas.clear();
    }

    private static void execute(String sql) {
        try (Connection connection = server().dataSource(null).getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run " + sql, e);
        }
    }

    private static synchronized Server server() {
        if (server == null) {
            server = EXTERNAL_URL != null ? external() : embedded();
        }
        return server;
    }

    private static Server external() {
        String user = System.getenv("SM_TEST_POSTGRES_USER");
        String password = System.getenv("SM_TEST_POSTGRES_PASSWORD");
        return schema -> {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setURL(EXTERNAL_URL);
            if (user != null) {
                dataSource.setUser(user);
            }
            if (password != null) {
                dataSource.setPassword(password);
            }
            if (schema != null) {
                dataSource.setCurrentSchema(schema);
            }
            return dataSource;
        };
    }

    private static Server embedded() {
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder()
                    .setPgBinaryResolver(RootSafeBinaryResolver.runningAsRoot()
                            ? RootSafeBinaryResolver.INSTANCE : DefaultPostgresBinaryResolver.INSTANCE)
                    // Test data need not survive a crash: skip the fsyncs that dominate DDL-heavy tests.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
        String url = postgres.getJdbcUrl("postgres", "postgres");
        return schema -> {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setURL(url);
            if (schema != null) {
                dataSource.setCurrentSchema(schema);
            }
            return dataSource;
        };
    }

    /** A PostgreSQL server: data sources on it, in a given schema or the default one ({@code null}). */
    private interface Server {
        DataSource dataSource(String schema);
    }
}
