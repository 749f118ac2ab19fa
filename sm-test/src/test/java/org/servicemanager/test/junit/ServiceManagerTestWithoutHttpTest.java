package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@ServiceManagerTest(http = false)
@DisplayName("@ServiceManagerTest(http = false)")
class ServiceManagerTestWithoutHttpTest {

    @Test
    @DisplayName("starts a Service Manager that serves no HTTP but answers direct calls")
    void noHttp(ServiceManagerRuntimeInfo info) {
        assertThat(info.isHttpEnabled()).isFalse();
        assertThatThrownBy(info::baseUrl).isInstanceOf(IllegalStateException.class);
        assertThat(info.handleAsAdmin("GET", "/v1/platforms", null).status()).isEqualTo(200);
    }
}
