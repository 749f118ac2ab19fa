package org.servicemanager.it;

import org.junit.jupiter.api.DisplayName;
import org.servicemanager.api.store.Store;

/** The same tests on the JDBC store (H2). */
@DisplayName("operations engine robustness on the JDBC store (H2)")
class OperationRobustnessOnH2Test extends OperationRobustnessTest {
    @Override
    Store newStore() {
        return H2.freshStore();
    }
}
