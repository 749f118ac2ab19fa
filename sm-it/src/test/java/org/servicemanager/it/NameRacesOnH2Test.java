package org.servicemanager.it;

import org.junit.jupiter.api.DisplayName;
import org.servicemanager.core.ServiceManager;

/** The same races on the JDBC store (H2), where the creates really run in parallel transactions. */
@DisplayName("concurrent creates with one name, on the JDBC store (H2)")
class NameRacesOnH2Test extends NameRacesApiTest {
    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        // Replaces the memory store SmServer set; SmServer closes whichever store the Service Manager has.
        builder.store(H2.freshStore());
    }
}
