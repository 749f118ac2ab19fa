package org.servicemanager.core.internal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.TooManyRequestsException;

@DisplayName("FailedLoginLimit")
class FailedLoginLimitTest {
    private static final String A = "192.0.2.7";
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    /** 3 per minute: once throttled, one check every 20 seconds. */
    private final FailedLoginLimit limit = new FailedLoginLimit(3, Duration.ofSeconds(60), 1_000, now::get,
            warnings::add);

    /** A check that failed, as the authenticator makes it. */
    private void wrongGuess(String user, String source) {
        limit.before(user, source);
        limit.failed(user, source);
    }

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }

    @Test
    @DisplayName("below the limit every attempt is checked")
    void belowTheLimit() {
        for (int i = 0; i < 3; i++) {
            assertThatCode(() -> wrongGuess("admin", A)).doesNotThrowAnyException();
        }
    }

    @Test
    @DisplayName("over the limit a user name from one address is refused before the check, naming the wait and the limit")
    void pairRefusedBeforeTheCheck() {
        for (int i = 0; i < 3; i++) {
            wrongGuess("admin", A);
        }

        TooManyRequestsException refused = catchThrowableOfType(TooManyRequestsException.class,
                () -> limit.before("admin", A));

        assertThat(refused.retryAfterSeconds()).isEqualTo(20);
        assertThat(refused.getMessage()).contains("for this user name from this address")
                .contains("the limit is 3 per 60 seconds").contains("one login is checked every 20 seconds");
    }

    @Test
    @DisplayName("after Retry-After exactly one check is made, and the next attempt waits a whole interval again")
    void oneCheckPerInterval() {
        for (int i = 0; i < 3; i++) {
            wrongGuess("admin", A);
        }
        advance(Duration.ofSeconds(20));

        limit.before("admin", A);

        TooManyRequestsException refused = catchThrowableOfType(TooManyRequestsException.class,
                () -> limit.before("admin", A));
        assertThat(refused.retryAfterSeconds()).isEqualTo(20);
    }

    @Test
    @DisplayName("a client honouring Retry-After gets its right password checked, and is then forgiven")
    void rightPasswordAfterRetryAfter() {
        for (int i = 0; i < 3; i++) {
            wrongGuess("admin", A);
        }
        advance(Duration.ofSeconds(20));

        limit.before("admin", A);
        limit.succeeded("admin", A);

        assertThatCode(() -> limit.before("admin", A)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("refused attempts are not counted: they do not push the next check further out")
    void refusedAttemptsNotCounted() {
        for (int i = 0; i < 3; i++) {
            wrongGuess("admin", A);
        }
        for (int i = 0; i < 50; i++) {
            assertThatThrownBy(() -> limit.before("admin", A)).isInstanceOf(TooManyRequestsException.class);
        }

        advance(Duration.ofSeconds(20));

        assertThatCode(() -> limit.before("admin", A)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("a throttled user name from one address leaves the same user from another address and other users alone")
    void pairDoesNotAffectOthers() {
        for (int i = 0; i < 3; i++) {
            wrongGuess("admin", A);
        }

        assertThatCode(() -> limit.before("admin", "198.51.100.1")).doesNotThrowAnyException();
        assertThatCode(() -> limit.before("operator", A)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("one user name failing from many addresses is never refused, only reported once")
    void userAcrossAddressesOnlyWarned() {
        for (int i = 0; i < 30; i++) {
            wrongGuess("admin", "10.0.0." + i);
        }

        assertThatCode(() -> limit.before("admin", "198.51.100.1")).doesNotThrowAnyException();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("user name 'admin'").contains("never refused as a whole");
    }

    @Test
    @DisplayName("an address spraying many user names is throttled as a whole after ten times the limit")
    void sourceSpraying() {
        for (int i = 0; i < 3 * FailedLoginLimit.SOURCE_FACTOR; i++) {
            wrongGuess("user-" + i, A);
        }

        assertThatThrownBy(() -> limit.before("another", A)).isInstanceOf(TooManyRequestsException.class)
                .hasMessageContaining("from this address").hasMessageContaining("the limit is 30 per 60 seconds");
        assertThatCode(() -> limit.before("another", "192.0.2.8")).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("failures without a user name (bearer tokens) throttle the address only")
    void withoutUser() {
        for (int i = 0; i < 3 * FailedLoginLimit.SOURCE_FACTOR; i++) {
            wrongGuess(null, A);
        }

        assertThatThrownBy(() -> limit.before(null, A)).isInstanceOf(TooManyRequestsException.class);
        assertThatCode(() -> limit.before(null, "192.0.2.8")).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("IPv6 sources count by their /64: a fresh address in the same /64 is the same source")
    void ipv6ByPrefix() {
        for (int i = 0; i < 3; i++) {
            wrongGuess("admin", "2001:db8:1:2::" + Integer.toHexString(i + 1));
        }

        assertThatThrownBy(() -> limit.before("admin", "2001:db8:1:2:ffff::9")).isInstanceOf(TooManyRequestsException.class);
        assertThatCode(() -> limit.before("admin", "2001:db8:1:3::1")).doesNotThrowAnyException();
        assertThat(FailedLoginLimit.sourceKey("[2001:db8:1:2::1%eth0]")).isEqualTo("2001:db8:1:2::/64");
        assertThat(FailedLoginLimit.sourceKey("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(FailedLoginLimit.sourceKey("192.0.2.1")).isEqualTo("192.0.2.1");
    }

    @Test
    @DisplayName("a throttled key recovers after a whole window without a failure, not while guessing goes on")
    void recovery() {
        for (int i = 0; i < 3; i++) {
            wrongGuess("admin", A);
        }
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofSeconds(20));
            wrongGuess("admin", A); // one guess per interval keeps it throttled
        }
        assertThatThrownBy(() -> limit.before("admin", A)).isInstanceOf(TooManyRequestsException.class);

        advance(Duration.ofSeconds(60));

        for (int i = 0; i < 3; i++) {
            assertThatCode(() -> wrongGuess("admin", A)).doesNotThrowAnyException();
        }
        assertThatThrownBy(() -> limit.before("admin", A)).isInstanceOf(TooManyRequestsException.class);
    }

    @Test
    @DisplayName("the interval is at least one second, however many failures the window allows")
    void intervalAtLeastOneSecond() {
        FailedLoginLimit generous = new FailedLoginLimit(1_000, Duration.ofSeconds(1), 100, now::get, warnings::add);
        for (int i = 0; i < 1_000; i++) {
            generous.before("admin", A);
            generous.failed("admin", A);
        }

        TooManyRequestsException refused = catchThrowableOfType(TooManyRequestsException.class,
                () -> generous.before("admin", A));
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    @DisplayName("a flood of invented user names and addresses is remembered only up to the bound")
    void memoryBound() {
        for (int i = 0; i < 20_000; i++) {
            limit.failed("user-" + i, "10.0." + (i / 256) + "." + (i % 256));
        }

        assertThat(limit.remembered()).isLessThanOrEqualTo(3_000);
    }

    @Test
    @DisplayName("a user name of kilobytes is remembered by a short key, and still counted as itself")
    void longNames() {
        String huge = "x".repeat(8_000);
        assertThat(FailedLoginLimit.key(huge).length()).isLessThanOrEqualTo(FailedLoginLimit.MAX_KEY + 10);
        for (int i = 0; i < 3; i++) {
            wrongGuess(huge, A);
        }

        assertThatThrownBy(() -> limit.before(huge, A)).isInstanceOf(TooManyRequestsException.class);
        assertThatCode(() -> limit.before("x".repeat(7_999), A)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("limits that cannot work are refused, naming the value")
    void badValues() {
        assertThatThrownBy(() -> new FailedLoginLimit(0, Duration.ofSeconds(1), 10, now::get, warnings::add))
                .hasMessageContaining("perWindow must be positive, was 0");
        assertThatThrownBy(() -> new FailedLoginLimit(1, Duration.ZERO, 10, now::get, warnings::add))
                .hasMessageContaining("window");
    }
}
