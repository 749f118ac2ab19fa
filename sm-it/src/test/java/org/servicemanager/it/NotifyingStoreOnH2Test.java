package org.servicemanager.it;

import org.junit.jupiter.api.DisplayName;
import org.servicemanager.api.store.Store;

/** The same transaction semantics of the notifications on the JDBC store (H2). */
@DisplayName("NotifyingStore on the JDBC store (H2)")
class NotifyingStoreOnH2Test extends NotifyingStoreTest {
    @Override
    Store newStore() {
        return H2.freshStore();
    }
}
