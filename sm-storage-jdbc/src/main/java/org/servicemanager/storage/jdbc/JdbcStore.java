package org.servicemanager.storage.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import javax.sql.DataSource;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.NotificationLog;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.jdbc.internal.Database;
import org.servicemanager.storage.jdbc.internal.JdbcNotificationLog;
import org.servicemanager.storage.jdbc.internal.JdbcRepository;
import org.servicemanager.storage.jdbc.internal.Migrations;

/**
 * A {@link Store} in a relational database reached through a host-provided {@link DataSource}:
 * PostgreSQL for production (several Service Manager nodes may share one database) or H2 for an
 * embedded single node. It has the same constraints, cascades, queries and transaction semantics as
 * every store; queries run in SQL on indexed columns and label tables.
 *
 * <pre>{@code
 * JdbcStore store = JdbcStore.builder(dataSource).build(); // dialect detected, schema migrated
 * }</pre>
 *
 * <p>Thread-safe. {@link #inTransaction} binds one connection to the calling thread for the duration
 * of the work; nested calls join it. Outside a transaction every repository call is a transaction of
 * its own. Concurrent writers are kept apart by optimistic locking ({@code version}) and the
 * database's constraints, not by locks held across calls.
 */
public final class JdbcStore implements Store {
    private final Database database;
    private final Map<EntityType<?>, Repository<?>> repositories = new IdentityHashMap<>();
    private final NotificationLog notifications;

    private JdbcStore(DataSource dataSource, Dialect dialect) {
        this.database = new Database(dataSource, dialect);
        this.notifications = new JdbcNotificationLog(database);
        for (EntityType<?> type : EntityTypes.ALL) {
            add(type);
        }
    }

    private <T extends Entity> void add(EntityType<T> type) {
        repositories.put(type, JdbcRepository.of(database, type).orElseThrow());
    }

    /** Starts configuring a store on {@code dataSource}, which stays the host's: closing the store leaves it open. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** The dialect the store speaks. */
    public Dialect dialect() {
        return database.dialect();
    }

    /** @throws IllegalArgumentException if {@code type} is not one of {@link EntityTypes#ALL} */
    @Override
    @SuppressWarnings("unchecked")
    public <T extends Entity> Repository<T> repository(EntityType<T> type) {
        Objects.requireNonNull(type, "type");
        Repository<T> repository = (Repository<T>) repositories.get(type);
        if (repository == null) {
            throw new IllegalArgumentException("this store does not hold " + type.name());
        }
        return repository;
    }

    @Override
    public <R> R inTransaction(Function<Store, R> work) {
        Objects.requireNonNull(work, "work");
        return database.transaction(() -> work.apply(this));
    }

    /**
     * The log in the database, shared by every node on it. An append takes part in the calling
     * thread's transaction and holds the notification counter's row lock until that transaction
     * ends: appending transactions run one after the other, which is what makes revisions visible in
     * their order across nodes.
     */
    @Override
    public NotificationLog notifications() {
        return notifications;
    }

    /**
     * The one row of {@code sm_change_revision}, which every write to a registry table bumps in its
     * own transaction: a round trip to the database per call.
     *
     * @throws JdbcStoreException if the database does not answer
     */
    @Override
    public long changeRevision() {
        return database.changeRevision();
    }

    @Override
    public boolean supportsPersistence() {
        return true;
    }

    /** True on PostgreSQL: several nodes can share the database. */
    @Override
    public boolean isClustered() {
        return database.dialect().isClustered();
    }

    /**
     * Runs a trivial query.
     *
     * @throws JdbcStoreException    if the database does not answer
     * @throws IllegalStateException once the store is closed
     */
    @Override
    public void ping() {
        database.ping();
    }

    /** Refuses every later call but {@code close}; does not close the host's data source. Idempotent. */
    @Override
    public void close() {
        database.close();
    }

    /**
     * Configures a {@link JdbcStore}. Not thread-safe; {@link #build()} fails fast on anything wrong,
     * naming it.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private Dialect dialect;
        private boolean migrate = true;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
        }

        /** The database's dialect; when not set, it is detected from the database's product name. */
        public Builder dialect(Dialect value) {
            this.dialect = Objects.requireNonNull(value, "dialect must not be null");
            return this;
        }

        /**
         * Whether {@link #build()} applies the schema scripts the database lacks (default {@code true}).
         * Turn it off where a separate deployment step owns the schema.
         */
        public Builder migrate(boolean value) {
            this.migrate = value;
            return this;
        }

        /**
         * Connects once to detect the dialect (unless set) and apply the schema scripts, then returns
         * the store.
         *
         * @throws IllegalStateException if the database is not PostgreSQL or H2, or a schema script
         *                               was changed after it was applied
         * @throws JdbcStoreException    if the database cannot be reached or a script fails
         */
        public JdbcStore build() {
            Dialect resolved = dialect != null ? dialect : detect(dataSource);
            if (migrate) {
                Migrations.migrate(dataSource, resolved);
            }
            return new JdbcStore(dataSource, resolved);
        }

        private static Dialect detect(DataSource dataSource) {
            String product;
            try (Connection connection = dataSource.getConnection()) {
                product = connection.getMetaData().getDatabaseProductName();
            } catch (SQLException e) {
                throw new JdbcStoreException("cannot connect to detect the database", e);
            }
            return Dialect.fromProductName(product).orElseThrow(() -> new IllegalStateException(
                    "unsupported database '" + product + "': the JDBC store supports PostgreSQL and H2"));
        }
    }
}
