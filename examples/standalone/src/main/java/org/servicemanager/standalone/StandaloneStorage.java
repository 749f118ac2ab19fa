package org.servicemanager.standalone;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.h2.jdbcx.JdbcDataSource;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.storage.memory.MemoryStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses and opens the standalone server's storage from the environment: an H2 file database
 * under {@code SM_DATA_DIR} by default, PostgreSQL when {@code SM_JDBC_URL} is set, or the memory
 * store with {@code SM_STORAGE=memory}; and the key that encrypts broker credentials.
 */
final class StandaloneStorage {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneStorage.class);
    static final String KEY_FILE = "encryption.key";
    /** The H2 database's name in the data directory; its files are this name plus H2's suffixes. */
    static final String DATABASE_NAME = "service-manager";

    /**
     * An opened store, the key for its secrets ({@code null}: the store needs none) and what to close
     * after the store: a connection pool, or the embedded database.
     */
    record Opened(Store store, byte[] encryptionKey, AutoCloseable pool, String description) {
        /** The connection pool, for its metrics; {@code null} for the memory store. */
        HikariDataSource hikari() {
            return pool instanceof PooledH2 h2 ? h2.dataSource() : pool instanceof HikariDataSource hikari ? hikari : null;
        }

        void close() {
            store.close();
            if (pool != null) {
                try {
                    pool.close();
                } catch (Exception e) {
                    LOG.warn("closing the database or its connection pool failed: {}", e.getMessage());
                }
            }
        }
    }

    /**
     * The H2 connection pool; closing it shuts the database down first, since the database outlives
     * the pool's connections (DB_CLOSE_DELAY=-1).
     */
    record PooledH2(HikariDataSource dataSource) implements AutoCloseable {
        @Override
        public void close() throws java.sql.SQLException {
            javax.sql.DataSource direct = dataSource.getDataSource();
            // The pool first: shut down under it, the pool would refill itself with a fresh
            // connection, which reopens the database (DB_CLOSE_DELAY=-1 keeps it open after that
            // connection too) and leaves the file locked until the JVM ends.
            dataSource.close();
            try (Connection connection = direct.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("SHUTDOWN");
            } catch (java.sql.SQLException e) {
                // Closing the statement and connection of a database just shut down reports it as
                // closed: that is the shutdown having worked.
                if (e.getErrorCode() != org.h2.api.ErrorCode.DATABASE_CALLED_AT_SHUTDOWN) {
                    throw e;
                }
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable, RuntimeException failure) {
        try {
            closeable.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    private StandaloneStorage() {
    }

    static Opened open(Map<String, String> env) {
        String jdbcUrl = blankToNull(env.get("SM_JDBC_URL"));
        String kind = blankToNull(env.get("SM_STORAGE"));
        kind = kind == null ? (jdbcUrl == null ? "h2" : "postgresql") : kind.toLowerCase(Locale.ROOT);
        Path dataDir = Path.of(blankToNull(env.get("SM_DATA_DIR")) == null ? "sm-data" : env.get("SM_DATA_DIR").trim())
                .toAbsolutePath();
        switch (kind) {
            case "memory" -> {
                return new Opened(new MemoryStore(), key(env, null), null, "memory (nothing is kept after a stop)");
            }
            case "h2" -> {
                if (jdbcUrl != null) {
                    throw new StandaloneServer.ConfigurationException("SM_JDBC_URL is for PostgreSQL; with SM_STORAGE=h2 the database "
                            + "lives under SM_DATA_DIR");
                }
                createPrivateDirectory(dataDir);
                restrictExistingFiles(dataDir);
                OwnerOnlyFilePath.register();
                byte[] key = key(env, dataDir);
                HikariDataSource pool = h2Pool(dataDir);
                PooledH2 shutdown = new PooledH2(pool);
                try {
                    return new Opened(JdbcStore.builder(pool).build(), key, shutdown, "H2 in " + dataDir);
                } catch (RuntimeException e) {
                    closeQuietly(shutdown, e);
                    throw e;
                }
            }
            case "postgresql" -> {
                if (jdbcUrl == null) {
                    throw new StandaloneServer.ConfigurationException("SM_STORAGE=postgresql needs SM_JDBC_URL");
                }
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(jdbcUrl);
                config.setUsername(blankToNull(env.get("SM_JDBC_USERNAME")));
                config.setPassword(blankToNull(env.get("SM_JDBC_PASSWORD")));
                config.setMaximumPoolSize(10);
                config.setPoolName("sm-postgresql");
                HikariDataSource pool;
                try {
                    pool = new HikariDataSource(config);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("cannot connect to " + jdbcUrl + ": " + e.getMessage(), e);
                }
                try {
                    return new Opened(JdbcStore.builder(pool).build(), key(env, dataDir), pool, "PostgreSQL");
                } catch (RuntimeException e) {
                    pool.close();
                    throw e;
                }
            }
            default -> throw new StandaloneServer.ConfigurationException("SM_STORAGE must be h2, postgresql or memory, was '" + kind
                    + "'");
        }
    }

    /**
     * A pool of connections to the H2 file database. Without one, every store call opened a
     * connection of its own, and as H2 closes a database with its last connection, each call
     * reopened the file: about 30 ms of CPU per call, 100 times the rest of a forwarded request.
     */
    private static HikariDataSource h2Pool(Path dataDir) {
        JdbcDataSource h2 = new JdbcDataSource();
        // WRITE_DELAY=0: a commit is written before it is acknowledged, so a kill -9 loses nothing.
        // DB_CLOSE_DELAY=-1: H2 closes a database with its last connection, and reopening is slow
        // and is where H2's "Double mark" corruption strikes (h2database#2752); it is shut down on
        // close. DB_CLOSE_ON_EXIT=FALSE: the server closes it itself after the requests in flight
        // have ended; H2's own shutdown hook could otherwise close the database under them.
        // QUERY_CACHE_SIZE=64: H2 keeps 8 parsed statements per connection by default, fewer than
        // the store runs for one provision and deprovision (about 13 distinct ones), so it parsed
        // most of them again on every call.
        // The owner-only file system: the directory may be readable by others (it may have
        // existed before), so every file H2 makes is owner-only from its creation.
        h2.setURL("jdbc:h2:" + OwnerOnlyFilePath.databaseName(dataDir.resolve(DATABASE_NAME))
                + ";WRITE_DELAY=0;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE;QUERY_CACHE_SIZE=64");
        HikariConfig config = new HikariConfig();
        config.setDataSource(h2);
        config.setMaximumPoolSize(10);
        config.setPoolName("sm-h2");
        return new HikariDataSource(config);
    }

    /**
     * {@code SM_ENCRYPTION_KEY} (base64 of 32 bytes), or else the key file in the data directory,
     * made on first start. With {@code dataDir == null} (memory store) no file is made: the core
     * then uses a key that lives as long as the process, like the data.
     */
    static byte[] key(Map<String, String> env, Path dataDir) {
        String configured = blankToNull(env.get("SM_ENCRYPTION_KEY"));
        if (configured != null) {
            return decodeKey(configured, "SM_ENCRYPTION_KEY");
        }
        if (dataDir == null) {
            return null;
        }
        Path file = dataDir.resolve(KEY_FILE);
        try {
            if (Files.exists(file)) {
                return decodeKey(Files.readString(file).trim(), file.toString());
            }
            createPrivateDirectory(dataDir);
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))), Base64.getEncoder().encodeToString(key) + "\n");
            LOG.warn("No SM_ENCRYPTION_KEY is set: generated one in {} (readable by this user only). Without it "
                    + "the stored broker credentials cannot be read; back it up, or set SM_ENCRYPTION_KEY.", file);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the encryption key file " + file, e);
        }
    }

    private static byte[] decodeKey(String base64, String source) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new StandaloneServer.ConfigurationException(source + " must be base64 of 32 random bytes, and is not base64");
        }
        if (key.length != 32) {
            throw new StandaloneServer.ConfigurationException(source + " must be base64 of 32 random bytes, was " + key.length
                    + " bytes");
        }
        return key;
    }

    /**
     * Makes the files an earlier version (or an earlier start with a wider umask) left in the data
     * directory owner-only: the H2 files and the key file. The directory's own mode is the user's.
     */
    private static void restrictExistingFiles(Path dataDir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dataDir,
                p -> p.getFileName().toString().startsWith(DATABASE_NAME + ".")
                        || p.getFileName().toString().equals(KEY_FILE))) {
            for (Path file : files) {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    OwnerOnlyFilePath.restrict(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data directory " + dataDir, e);
        }
    }

    private static void createPrivateDirectory(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dir, e);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
