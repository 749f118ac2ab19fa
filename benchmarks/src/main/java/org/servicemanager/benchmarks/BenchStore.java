package org.servicemanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * The store a benchmark's Service Manager runs on: {@code memory}; {@code h2}, a file database in a
 * fresh temporary directory configured as the standalone server's default (a pool, commits written
 * before they are acknowledged); or {@code postgresql} at {@code SM_BENCH_JDBC_URL} (with
 * {@code SM_BENCH_JDBC_USERNAME}, {@code SM_BENCH_JDBC_PASSWORD}; the database should be empty).
 * Not thread-safe; the store it opens is.
 */
final class BenchStore implements AutoCloseable {
    private final String description;
    private final Store store;
    private final AutoCloseable close;

    private BenchStore(String description, Store store, AutoCloseable close) {
        this.description = description;
        this.store = store;
        this.close = close;
    }

    static BenchStore open(String kind) throws IOException {
        return switch (kind) {
            case "memory" -> new BenchStore("memory", new MemoryStore(), () -> { });
            case "h2" -> {
                Path dir = Files.createTempDirectory("sm-bench-h2");
                JdbcDataSource h2 = new JdbcDataSource();
                // As the standalone server's default (see StandaloneStorage): every commit written
                // before it is acknowledged, the database kept open, 64 parsed statements.
                h2.setURL("jdbc:h2:" + dir.resolve("sm") + ";WRITE_DELAY=0;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE"
                        + ";QUERY_CACHE_SIZE=64");
                HikariConfig config = new HikariConfig();
                config.setDataSource(h2);
                config.setMaximumPoolSize(10);
                config.setPoolName("sm-h2");
                HikariDataSource pool = new HikariDataSource(config);
                JdbcStore store = JdbcStore.builder(pool).build();
                yield new BenchStore("H2 file in " + dir, store, () -> {
                    store.close();
                    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                        s.execute("SHUTDOWN");
                    } catch (SQLException e) {
                        // Closing anyway.
                    }
                    pool.close();
                    deleteTree(dir);
                });
            }
            case "postgresql" -> {
                String url = System.getenv("SM_BENCH_JDBC_URL");
                if (url == null) {
                    throw new IllegalArgumentException("set SM_BENCH_JDBC_URL (and SM_BENCH_JDBC_USERNAME, "
                            + "SM_BENCH_JDBC_PASSWORD) to an empty PostgreSQL database");
                }
                HikariDataSource pool = new HikariDataSource(externalPostgres(url, 10));
                JdbcStore store = JdbcStore.builder(pool).build();
                yield new BenchStore("PostgreSQL at " + url, store, () -> {
                    store.close();
                    pool.close();
                });
            }
            default -> throw new IllegalArgumentException("store must be memory, h2 or postgresql, was " + kind);
        };
    }

    Store store() {
        return store;
    }

    String description() {
        return description;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Override
    public void close() {
        try {
            close.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the " + description + " store failed", e);
        }
    }

    /** A pool on the PostgreSQL at {@code url}, with {@code SM_BENCH_JDBC_USERNAME}/{@code _PASSWORD}. */
    static HikariConfig externalPostgres(String url, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(System.getenv("SM_BENCH_JDBC_USERNAME"));
        config.setPassword(System.getenv("SM_BENCH_JDBC_PASSWORD"));
        config.setMaximumPoolSize(poolSize);
        return config;
    }
}
