package org.servicemanager.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("ServiceManager.Builder operations settings")
class OperationOptionsTest {

    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of("operationsPollInterval", (Consumer<Duration>) d -> ServiceManager.builder().operationsPollInterval(d)),
                Arguments.of("operationsRetryInterval", (Consumer<Duration>) d -> ServiceManager.builder().operationsRetryInterval(d)),
                Arguments.of("operationsMaxPollingDuration",
                        (Consumer<Duration>) d -> ServiceManager.builder().operationsMaxPollingDuration(d)),
                Arguments.of("operationRetention", (Consumer<Duration>) d -> ServiceManager.builder().operationRetention(d)),
                Arguments.of("operationLease", (Consumer<Duration>) d -> ServiceManager.builder().operationLease(d)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    @DisplayName("a duration that is not positive fails at once, naming the setting and the value")
    void notPositive(String name, Consumer<Duration> setting) {
        assertThatThrownBy(() -> setting.accept(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(name + " must be positive, was PT0S");
    }
}
