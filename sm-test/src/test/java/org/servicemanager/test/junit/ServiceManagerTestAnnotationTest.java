package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiResponse;

@ServiceManagerTest
@DisplayName("@ServiceManagerTest")
class ServiceManagerTestAnnotationTest {

    @Test
    @DisplayName("starts a Service Manager with the default administrator and injects its runtime info")
    void injectsRuntimeInfo(ServiceManagerRuntimeInfo info) {
        assertThat(info.adminUsername()).isEqualTo(ServiceManagerExtension.DEFAULT_ADMIN_USERNAME);
        assertThat(info.admin().get("/v1/platforms").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("gives a registered platform credentials that open the OSB face of a registered broker")
    void platformFactory(ServiceManagerRuntimeInfo info) {
        String brokerId = info.registerBrokerStub("annotated-broker").id();
        info.makePlansVisible(brokerId);
        TestPlatform platform = info.registerPlatform("cf-annotated", "cloudfoundry");

        ApiResponse catalog = platform.client().get(TestPlatform.osbPath(brokerId) + "/v2/catalog");

        assertThat(catalog.status()).isEqualTo(200);
        assertThat(catalog.body()).contains("fake-service", "small", "large");
        assertThat(platform.toString()).doesNotContain(platform.password());
    }
}
