package org.servicemanager.storage.jdbc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.servicemanager.storage.jdbc.Dialect;
import org.servicemanager.storage.jdbc.JdbcStoreException;

/**
 * Connections and transactions of one {@code JdbcStore}. A transaction binds a connection to the
 * current thread until it ends; everything the thread does through the store meanwhile uses that
 * connection, and a nested transaction joins it. Outside a transaction each call borrows a connection
 * for a transaction of its own.
 *
 * <p>Inside a transaction every write, and every nested transaction, runs under a savepoint: when it
 * throws, its own changes are undone and the transaction can go on if the caller catches the
 * exception. Without that a failed statement would poison a PostgreSQL transaction, and the memory
 * store's semantics (a caught failure leaves the rest intact) would not hold.
 *
 * <p>Thread-safe; the isolation is the connection's (READ COMMITTED by default on both databases),
 * which optimistic locking on {@code version} makes sufficient.
 */
public final class Database {
    private final DataSource dataSource;
    private final Dialect dialect;
    private final ThreadLocal<Connection> current = new ThreadLocal<>();
    /** How many savepoints the thread's transaction has set so far (see {@link #underSavepoint}). */
    private final ThreadLocal<int[]> savepoints = ThreadLocal.withInitial(() -> new int[1]);
    /**
     * The first savepoints of a transaction are left for the commit to end (a RELEASE is one more
     * statement, and a short transaction of an OSB call or an operation has two to four writes);
     * later ones are released at once, so that a long transaction (a catalog sync writing
     * thousands of plans) never nests more than this many subtransactions on PostgreSQL.
     */
    private static final int UNRELEASED_SAVEPOINTS = 8;
    private volatile boolean closed;

    public Database(DataSource dataSource, Dialect dialect) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Runs {@code work} in one transaction, joining the thread's transaction if there is one. */
    public <R> R transaction(Supplier<R> work) {
        ensureOpen();
        Connection joined = current.get();
        if (joined != null) {
            return underSavepoint(joined, c -> work.get(), Database::unexpected);
        }
        Connection connection = begin();
        current.set(connection);
        savepoints.get()[0] = 0;
        try {
            R result = work.get();
            commit(connection);
            return result;
        } catch (RuntimeException | Error e) {
            rollback(connection, e);
            throw e;
        } finally {
            current.remove();
            release(connection);
        }
    }

    /** Runs a read, in the thread's transaction or a short one of its own. */
    <R> R read(SqlWork<R> work, Function<SQLException, RuntimeException> translator) {
        ensureOpen();
        Connection joined = current.get();
        if (joined != null) {
            try {
                return work.run(joined);
            } catch (SQLException e) {
                throw translator.apply(e);
            }
        }
        return standalone(work, translator);
    }

    /** Runs a write, under a savepoint of the thread's transaction or in a transaction of its own. */
    <R> R write(SqlWork<R> work, Function<SQLException, RuntimeException> translator) {
        ensureOpen();
        Connection joined = current.get();
        if (joined != null) {
            return underSavepoint(joined, work, translator);
        }
        return standalone(work, translator);
    }

    private <R> R standalone(SqlWork<R> work, Function<SQLException, RuntimeException> translator) {
        Connection connection = begin();
        try {
            R result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException e) {
            RuntimeException translated = translator.apply(e);
            rollback(connection, translated);
            throw translated;
        } catch (RuntimeException | Error e) {
            rollback(connection, e);
            throw e;
        } finally {
            release(connection);
        }
    }

    private <R> R underSavepoint(Connection connection, SqlWork<R> work,
            Function<SQLException, RuntimeException> translator) {
        Savepoint savepoint;
        boolean release = ++savepoints.get()[0] > UNRELEASED_SAVEPOINTS;
        try {
            savepoint = connection.setSavepoint();
        } catch (SQLException e) {
            throw unexpected(e);
        }
        try {
            R result = work.run(connection);
            if (release) {
                connection.releaseSavepoint(savepoint);
            }
            return result;
        } catch (SQLException e) {
            RuntimeException translated = translator.apply(e);
            rollbackTo(connection, savepoint, translated);
            throw translated;
        } catch (RuntimeException | Error e) {
            rollbackTo(connection, savepoint, e);
            throw e;
        }
    }

    /** See {@code Store.changeRevision()}: the row of {@code sm_change_revision}, as this transaction sees it. */
    public long changeRevision() {
        return read(connection -> {
            try (Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT revision FROM sm_change_revision WHERE id = 1")) {
                if (!rs.next()) {
                    throw new IllegalStateException("the row of sm_change_revision is missing: was the schema"
                            + " migrated to V2?");
                }
                return rs.getLong(1);
            }
        }, e -> new JdbcStoreException("cannot read the change revision", e));
    }

    /**
     * Grows the change revision in the transaction of {@code connection}, so that it commits (or rolls
     * back) with the write. Callers bump before their first lock on registry rows: every registry
     * writer then queues on this one row first and never holds a registry row another writer waits
     * for while waiting itself.
     */
    static void bumpChangeRevision(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE sm_change_revision SET revision = revision + 1 WHERE id = 1");
        }
    }

    public void ping() {
        read(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
            }
            return null;
        }, e -> new JdbcStoreException("the database does not answer", e));
    }

    /** Refuses every later call; the data source stays the host's. Idempotent. */
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the JDBC store is closed");
        }
    }

    private Connection begin() {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new JdbcStoreException("cannot get a connection", e);
        }
        try {
            connection.setAutoCommit(false);
            return connection;
        } catch (SQLException e) {
            closeQuietly(connection, null);
            throw new JdbcStoreException("cannot start a transaction", e);
        }
    }

    private static void commit(Connection connection) {
        try {
            connection.commit();
        } catch (SQLException e) {
            throw new JdbcStoreException("cannot commit", e);
        }
    }

    private static void rollback(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void rollbackTo(Connection connection, Savepoint savepoint, Throwable cause) {
        try {
            connection.rollback(savepoint);
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Hands the connection back as it came, in auto-commit mode, which pools expect. */
    private static void release(Connection connection) {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            // The connection is broken; closing it below is all that is left to do.
        }
        closeQuietly(connection, null);
    }

    private static void closeQuietly(Connection connection, Throwable cause) {
        try {
            connection.close();
        } catch (SQLException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    static JdbcStoreException unexpected(SQLException e) {
        return new JdbcStoreException("database failure", e);
    }
}
