package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.security.Role;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.http.ApiClient;

/** Drives the extension's callbacks by hand, as JUnit does for an instance field, to see what it starts and stops. */
@DisplayName("ServiceManagerExtension.Builder")
class ServiceManagerExtensionBuilderTest {

    @Test
    @DisplayName("refuses a blank admin user name, naming it")
    void refusesBlankAdmin() {
        assertThatThrownBy(() -> ServiceManagerExtension.newInstance().adminUser(" ", "pw"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was ' '");
    }

    @Test
    @DisplayName("refuses an empty admin password")
    void refusesEmptyPassword() {
        assertThatThrownBy(() -> ServiceManagerExtension.newInstance().adminUser("root", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password");
    }

    @Test
    @DisplayName("refuses a null store supplier or configuration")
    void refusesNulls() {
        assertThatThrownBy(() -> ServiceManagerExtension.newInstance().store(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("storeSupplier");
        assertThatThrownBy(() -> ServiceManagerExtension.newInstance().configure(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("configuration");
    }

    @Test
    @DisplayName("uses the chosen administrator and applies every configure(...) to the Service Manager")
    void adminAndConfigure() throws Exception {
        ServiceManagerExtension extension = ServiceManagerExtension.newInstance()
                .adminUser("root", "root-password")
                .configure(b -> b.user("viewer", "viewer-password", Role.READ_ONLY))
                .build();
        extension.beforeEach(null);
        try {
            ApiClient client = new ApiClient(extension.baseUrl());
            assertThat(extension.admin().get("/v1/platforms").status()).isEqualTo(200);
            assertThat(client.withCredentials("root", "root-password").get("/v1/platforms").status()).isEqualTo(200);
            assertThat(client.withCredentials("viewer", "viewer-password").get("/v1/platforms").status())
                    .isEqualTo(200);
            assertThat(client.withCredentials("viewer", "viewer-password")
                    .post("/v1/platforms", "{\"name\":\"x\",\"type\":\"cf\"}").status()).isEqualTo(403);
        } finally {
            extension.afterEach(null);
        }
    }

    @Test
    @DisplayName("stops broker stubs, the server, the Service Manager and the store it made when the test ends")
    void closesEverything() throws Exception {
        AtomicBoolean storeClosed = new AtomicBoolean();
        ServiceManagerExtension extension = ServiceManagerExtension.newInstance()
                .store(() -> new ForwardingStore(MemoryStore.create()) {
                    @Override
                    public void close() {
                        storeClosed.set(true);
                        super.close();
                    }
                })
                .build();
        extension.beforeEach(null);
        BrokerStub stub = extension.runtimeInfo().brokerStub();
        ApiClient admin = extension.admin();

        extension.afterEach(null);

        assertThat(stub.server().isRunning()).isFalse();
        assertThat(storeClosed).isTrue();
        assertThatThrownBy(() -> admin.get("/v1/info")).isInstanceOf(java.io.UncheckedIOException.class);
        assertThatThrownBy(extension::runtimeInfo).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not running");
    }
}
