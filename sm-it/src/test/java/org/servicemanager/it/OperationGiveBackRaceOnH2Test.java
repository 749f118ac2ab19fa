package org.servicemanager.it;

import org.junit.jupiter.api.DisplayName;
import org.servicemanager.api.store.Store;

/** The same test on the JDBC store (H2). */
@DisplayName("operations engine: a create ending while its interrupting delete fails, on the JDBC store (H2)")
class OperationGiveBackRaceOnH2Test extends OperationGiveBackRaceTest {
    @Override
    Store rawStore() {
        return H2.freshStore();
    }
}
