package org.servicemanager.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("ServiceManager.Builder notification settings")
class NotificationOptionsTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    @DisplayName("a queue size below one fails at once, naming the value")
    void queueSize(int size) {
        assertThatThrownBy(() -> ServiceManager.builder().notificationQueueSize(size))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("notificationQueueSize must be at least 1, was " + size);
    }

    @Test
    @DisplayName("a retention that is not positive fails at once, naming the value")
    void retention() {
        assertThatThrownBy(() -> ServiceManager.builder().notificationRetention(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("notificationRetention must be positive, was PT0S");
    }

    @Test
    @DisplayName("a max ping period that is not positive fails at once, naming the value")
    void maxPingPeriod() {
        assertThatThrownBy(() -> ServiceManager.builder().maxPingPeriod(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPingPeriod must be positive, was PT-1S");
    }
}
