package org.servicemanager.storage.jdbc;

import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.servicemanager.api.store.Store;
import org.servicemanager.test.store.StoreContractTest;

/**
 * Runs the store contract against {@link JdbcStore} on H2, with a fresh in-memory database per test.
 * No class-level {@code @DisplayName}: with one, Surefire writes the nested groups' results to no XML
 * report.
 */
class H2StoreContractTest extends StoreContractTest {
    private final H2Databases databases = new H2Databases();

    private DataSource dataSource;

    @Override
    protected Store createStore() {
        dataSource = databases.fresh();
        return JdbcStore.builder(dataSource).build();
    }

    /** A new store on the same database, as a restarted node would open. */
    @Override
    protected Store reopenStore() {
        store.close();
        return JdbcStore.builder(dataSource).build();
    }

    @AfterEach
    void dropDatabases() {
        databases.dropAll();
    }
}
