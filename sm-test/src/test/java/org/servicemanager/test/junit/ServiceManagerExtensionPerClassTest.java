package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("A ServiceManagerExtension in a static field")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceManagerExtensionPerClassTest {
    @RegisterExtension
    static ServiceManagerExtension sm = ServiceManagerExtension.newInstance().build();

    private static String baseUrlBeforeAll;

    @BeforeAll
    static void remember(ServiceManagerRuntimeInfo info) {
        baseUrlBeforeAll = info.baseUrl();
    }

    @Test
    @Order(1)
    @DisplayName("serves the Service Manager over loopback HTTP, injected already into @BeforeAll")
    void servesOverLoopback(ServiceManagerRuntimeInfo info) {
        assertThat(info.baseUrl()).startsWith("http://127.0.0.1:").isEqualTo(baseUrlBeforeAll);
        assertThat(info.admin().get("/v1/info").status()).isEqualTo(200);
        info.registerPlatform("kept-for-the-next-test");
    }

    @Test
    @Order(2)
    @DisplayName("keeps one Service Manager, and its data, for every test of the class")
    void oneForTheClass(ServiceManagerRuntimeInfo info) {
        assertThat(sm.baseUrl()).isEqualTo(baseUrlBeforeAll);
        assertThat(info.admin().get("/v1/platforms").body()).contains("kept-for-the-next-test");
    }

    @Test
    @Order(3)
    @DisplayName("refuses clients without the administrator's credentials")
    void refusesAnonymousClients(ServiceManagerRuntimeInfo info) {
        assertThat(info.anonymous().get("/v1/platforms").status()).isEqualTo(401);
        assertThat(info.anonymous().withCredentials(info.adminUsername(), "wrong").get("/v1/platforms").status())
                .isEqualTo(401);
    }
}
