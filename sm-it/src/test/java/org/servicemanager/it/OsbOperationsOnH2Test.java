package org.servicemanager.it;

import java.security.SecureRandom;
import org.junit.jupiter.api.DisplayName;
import org.servicemanager.core.ServiceManager;

/**
 * The same stored operations of OSB calls, with the Service Manager on the JDBC store (H2): each is
 * written in one transaction with its record change, which a JDBC store really runs as one.
 */
@DisplayName("/v1/osb calls are stored operations, on the JDBC store (H2)")
class OsbOperationsOnH2Test extends OsbOperationsTest {
    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        // Replaces the memory store SmServer set; SmServer closes whichever store the Service Manager has.
        builder.store(H2.freshStore()).encryptionKey(key);
    }
}
