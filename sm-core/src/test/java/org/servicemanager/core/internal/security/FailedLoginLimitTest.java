package org.servicemanager.core.internal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.TooManyRequestsException;

@DisplayName("FailedLoginLimit")
class FailedLoginLimitTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FailedLoginLimit limit = new FailedLoginLimit(3, Duration.ofSeconds(60), 1_000, now::get);

    @Test
    @DisplayName("one user name from many addresses is refused after the limit, with the wait and the limit named")
    void perUser() {
        for (int i = 0; i < 3; i++) {
            limit.failed("admin", "192.0.2." + i);
        }
        now.addAndGet(Duration.ofSeconds(10).toNanos());

        TooManyRequestsException refused = catchThrowableOfType(TooManyRequestsException.class,
                () -> limit.failed("admin", "198.51.100.1"));

        assertThat(refused.retryAfterSeconds()).isEqualTo(50);
        assertThat(refused.getMessage()).contains("for this user name").contains("the limit is 3 per 60 seconds");
    }

    @Test
    @DisplayName("one address guessing many user names is refused after the limit")
    void perSource() {
        for (int i = 0; i < 3; i++) {
            limit.failed("user-" + i, "192.0.2.7");
        }

        assertThatThrownBy(() -> limit.failed("another", "192.0.2.7")).isInstanceOf(TooManyRequestsException.class)
                .hasMessageContaining("from this address");
        limit.failed("another", "192.0.2.8");
    }

    @Test
    @DisplayName("failures without a user name count against the address")
    void withoutUser() {
        for (int i = 0; i < 3; i++) {
            limit.failed(null, "192.0.2.7");
        }

        assertThatThrownBy(() -> limit.failed(null, "192.0.2.7")).isInstanceOf(TooManyRequestsException.class);
    }

    @Test
    @DisplayName("the window expires on the injected clock, and refused guesses do not extend it")
    void windowExpires() {
        for (int i = 0; i < 3; i++) {
            limit.failed("admin", "192.0.2.7");
        }
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThatThrownBy(() -> limit.failed("admin", "192.0.2.7")).isInstanceOf(TooManyRequestsException.class);

        now.addAndGet(Duration.ofSeconds(1).toNanos());

        limit.failed("admin", "192.0.2.7");
        limit.failed("admin", "192.0.2.7");
        limit.failed("admin", "192.0.2.7");
        assertThatThrownBy(() -> limit.failed("admin", "192.0.2.7")).isInstanceOf(TooManyRequestsException.class);
    }

    @Test
    @DisplayName("a flood of invented user names and addresses is remembered only up to the bound")
    void memoryBound() {
        for (int i = 0; i < 20_000; i++) {
            limit.failed("user-" + i, "10.0." + (i / 256) + "." + (i % 256));
        }

        assertThat(limit.remembered()).isLessThanOrEqualTo(2_000);
    }

    @Test
    @DisplayName("a user name of kilobytes is remembered by a short key, and still counted as itself")
    void longNames() {
        String huge = "x".repeat(8_000);
        assertThat(FailedLoginLimit.key(huge).length()).isLessThanOrEqualTo(FailedLoginLimit.MAX_KEY + 10);
        for (int i = 0; i < 3; i++) {
            limit.failed(huge, "192.0.2." + i);
        }

        assertThatThrownBy(() -> limit.failed(huge, "198.51.100.1")).isInstanceOf(TooManyRequestsException.class);
        limit.failed("x".repeat(7_999), "198.51.100.2");
    }

    @Test
    @DisplayName("limits that cannot work are refused, naming the value")
    void badValues() {
        assertThatThrownBy(() -> new FailedLoginLimit(0, Duration.ofSeconds(1), 10, now::get))
                .hasMessageContaining("perWindow must be positive, was 0");
        assertThatThrownBy(() -> new FailedLoginLimit(1, Duration.ZERO, 10, now::get))
                .hasMessageContaining("window");
    }
}
