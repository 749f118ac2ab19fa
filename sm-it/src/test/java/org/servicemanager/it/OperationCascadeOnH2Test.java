package org.servicemanager.it;

import org.junit.jupiter.api.DisplayName;
import org.servicemanager.api.store.Store;

/** The same cascades on the JDBC store (H2): the tree's queries and transactions on a database. */
@DisplayName("operations engine: cascade delete, on the JDBC store (H2)")
class OperationCascadeOnH2Test extends OperationCascadeTest {
    @Override
    Store newStore() {
        return H2.freshStore();
    }
}
