package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * A fixture whose start fails closes what it had started. The extension's callbacks are called
 * directly (per-test mode, which reads nothing from the context) so the failure is the test's to see.
 */
@DisplayName("A ServiceManagerExtension whose start fails")
class ServiceManagerExtensionStartFailureTest {

    @Test
    @DisplayName("closes its store when the configuration throws an Error, rethrows it, and can start again")
    void closesTheStoreOnAnError() throws Exception {
        AtomicReference<MemoryStore> created = new AtomicReference<>();
        AtomicReference<Boolean> failNext = new AtomicReference<>(true);
        ServiceManagerExtension extension = ServiceManagerExtension.newInstance()
                .store(() -> {
                    created.set(MemoryStore.create());
                    return created.get();
                })
                .configure(builder -> {
                    if (failNext.getAndSet(false)) {
                        throw new AssertionError("configuration failed");
                    }
                })
                .build();

        assertThatThrownBy(() -> extension.beforeEach(null)).isInstanceOf(AssertionError.class)
                .hasMessage("configuration failed");

        assertThatThrownBy(created.get()::ping).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(extension::runtimeInfo).isInstanceOf(IllegalStateException.class);
        extension.beforeEach(null);
        try {
            assertThat(extension.admin().get("/v1/info").status()).isEqualTo(200);
        } finally {
            extension.afterEach(null);
        }
        assertThatThrownBy(created.get()::ping).isInstanceOf(IllegalStateException.class);
    }
}
