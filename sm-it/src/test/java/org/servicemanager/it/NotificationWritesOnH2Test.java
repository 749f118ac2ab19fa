package org.servicemanager.it;

import java.security.SecureRandom;
import org.junit.jupiter.api.DisplayName;
import org.servicemanager.core.ServiceManager;

/** The same notifications of REST changes, with the Service Manager on the JDBC store (H2). */
@DisplayName("Notifications written by registry changes, on the JDBC store (H2)")
class NotificationWritesOnH2Test extends NotificationWritesTest {
    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        // Replaces the memory store SmServer set; SmServer closes whichever store the Service Manager has.
        builder.store(H2.freshStore()).encryptionKey(key);
    }
}
