package org.servicemanager.storage.jdbc;

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

    @Override
    protected Store createStore() {
        return JdbcStore.builder(databases.fresh()).build();
    }

    @AfterEach
    void dropDatabases() {
        databases.dropAll();
    }
}
