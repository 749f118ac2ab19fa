package org.servicemanager.it;

import org.junit.jupiter.api.DisplayName;
import org.servicemanager.api.store.Store;

/** The same tests on the JDBC store (H2), so that what the engine writes reads back the same from a database. */
@DisplayName("operations engine on the JDBC store (H2)")
class OperationProvisionOnH2Test extends OperationProvisionTest {
    @Override
    Store newStore() {
        return H2.freshStore();
    }
}
