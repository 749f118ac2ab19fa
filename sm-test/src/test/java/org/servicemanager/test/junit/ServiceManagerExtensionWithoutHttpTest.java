package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;

@DisplayName("A ServiceManagerExtension without HTTP")
class ServiceManagerExtensionWithoutHttpTest {
    @RegisterExtension
    static ServiceManagerExtension sm = ServiceManagerExtension.newInstance().http(false).build();

    @Test
    @DisplayName("has no base URL and says how to get one")
    void noBaseUrl(ServiceManagerRuntimeInfo info) {
        assertThat(info.isHttpEnabled()).isFalse();
        assertThatThrownBy(info::baseUrl).isInstanceOf(IllegalStateException.class).hasMessageContaining("http(true)");
    }

    @Test
    @DisplayName("answers direct calls, and registers platforms and broker stubs through them")
    void directCalls(ServiceManagerRuntimeInfo info) {
        String brokerId = info.registerBrokerStub("direct-broker").id();
        TestPlatform platform = info.registerPlatform("k8s-direct");
        info.makePlansVisible(brokerId);

        SmResponse catalog = info.handle(SmRequest.builder("GET", TestPlatform.osbPath(brokerId) + "/v2/catalog")
                .header("Authorization", platform.authorization()).header("X-Broker-API-Version", "2.17").build());

        assertThat(catalog.status()).isEqualTo(200);
        assertThat(catalog.bodyAsString()).contains("fake-service");
        assertThat(info.handleAsAdmin("GET", "/v1/service_brokers/" + brokerId, null).status()).isEqualTo(200);
    }
}
