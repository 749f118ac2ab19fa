package org.servicemanager.it;

import org.junit.jupiter.api.DisplayName;
import org.servicemanager.api.store.Store;

/**
 * The same races on the JDBC store (H2), where overlapping transactions really overlap: the
 * bind's write of the instance row and the delete's make one of them fail.
 */
@DisplayName("/v1/service_bindings POST racing /v1/service_instances DELETE, on the JDBC store (H2)")
class BindDeleteRaceOnH2Test extends BindDeleteRaceTest {
    @Override
    Store rawStore() {
        return H2.freshStore();
    }
}
