package org.servicemanager.storage.jdbc;

import javax.sql.DataSource;

/** {@link JdbcStoreTest} on in-memory H2. */
class H2JdbcStoreTest extends JdbcStoreTest {
    private final H2Databases databases = new H2Databases();

    @Override
    protected DataSource freshDatabase() {
        return databases.fresh();
    }

    @Override
    protected Dialect expectedDialect() {
        return Dialect.H2;
    }

    @Override
    protected void dropDatabases() {
        databases.dropAll();
    }
}
