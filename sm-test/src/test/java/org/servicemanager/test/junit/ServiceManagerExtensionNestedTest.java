package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("A ServiceManagerExtension in a static field of a class with @Nested classes")
class ServiceManagerExtensionNestedTest {
    @RegisterExtension
    static ServiceManagerExtension sm = ServiceManagerExtension.newInstance().build();

    private static String outerBaseUrl;

    @BeforeAll
    static void remember(ServiceManagerRuntimeInfo info) {
        outerBaseUrl = info.baseUrl();
    }

    /** Runs after every nested class: a nested class's class callbacks must not have stopped the Service Manager. */
    @AfterAll
    static void stillRunningAfterTheNestedClasses() {
        assertThat(sm.baseUrl()).isEqualTo(outerBaseUrl);
        assertThat(sm.admin().get("/v1/info").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("serves the outer class")
    void outer(ServiceManagerRuntimeInfo info) {
        assertThat(info.baseUrl()).isEqualTo(outerBaseUrl);
    }

    @Nested
    @DisplayName("in a nested class")
    class Inner {
        @Test
        @DisplayName("is the same Service Manager, still running after the nested class's own class callbacks")
        void sameServiceManager(ServiceManagerRuntimeInfo info) {
            assertThat(info.baseUrl()).isEqualTo(outerBaseUrl);
            assertThat(info.admin().get("/v1/info").status()).isEqualTo(200);
        }
    }

    @Nested
    @DisplayName("in a second nested class, after the first one's class callbacks")
    class Second {
        @Test
        @DisplayName("is still the same running Service Manager")
        void sameServiceManager(ServiceManagerRuntimeInfo info) {
            assertThat(info.baseUrl()).isEqualTo(outerBaseUrl);
            assertThat(info.admin().get("/v1/info").status()).isEqualTo(200);
        }
    }
}
