package org.servicemanager.storage.jdbc;

import javax.sql.DataSource;

/** {@link JdbcStoreTest} on PostgreSQL (embedded, or {@code SM_TEST_POSTGRES_URL}). */
class PostgresJdbcStoreTest extends JdbcStoreTest {
    private final PostgresDatabases databases = new PostgresDatabases();

    @Override
    protected DataSource freshDatabase() {
        return databases.fresh();
    }

    @Override
    protected Dialect expectedDialect() {
        return Dialect.POSTGRESQL;
    }

    @Override
    protected void dropDatabases() {
        databases.dropAll();
    }
}
