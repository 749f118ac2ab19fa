package org.servicemanager.storage.memory;

import org.servicemanager.api.store.Store;
import org.servicemanager.test.store.StoreContractTest;

/**
 * Runs the store contract against {@link MemoryStore}. No class-level {@code @DisplayName}: with one,
 * Surefire writes the nested groups' results to no XML report.
 */
class MemoryStoreContractTest extends StoreContractTest {
    @Override
    protected Store createStore() {
        return MemoryStore.create();
    }
}
