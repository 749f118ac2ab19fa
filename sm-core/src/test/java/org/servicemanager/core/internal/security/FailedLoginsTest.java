package org.servicemanager.core.internal.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("FailedLogins")
class FailedLoginsTest {
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final FailedLogins failedLogins = new FailedLogins(lines::add, now::get);

    @Test
    @DisplayName("names the user, the source and the reason")
    void namesUserAndSource() {
        failedLogins.failed("admin", "192.0.2.7", "wrong password");

        assertThat(lines).containsExactly("failed login for user 'admin' from 192.0.2.7: wrong password");
    }

    @Test
    @DisplayName("a flood gives ten lines a minute, and the next line counts what was left out")
    void floodIsAggregated() {
        for (int i = 0; i < 1_000; i++) {
            failedLogins.failed("admin", "192.0.2.7", "wrong password");
        }
        assertThat(lines).hasSize(FailedLogins.BURST);

        now.addAndGet(Duration.ofMinutes(1).toNanos());
        failedLogins.failed("admin", null, "wrong password");

        assertThat(lines).hasSize(FailedLogins.BURST + 1);
        assertThat(lines.get(FailedLogins.BURST)).isEqualTo("failed login for user 'admin' from an unknown source: "
                + "wrong password (990 more failed logins were not logged)");
    }

    @Test
    @DisplayName("a user name cannot forge log lines: control characters and quotes are replaced, length is capped")
    void sanitizesNames() {
        failedLogins.failed("evil\n2026 INFO forged'\u0000" + "x".repeat(500), "10.0.0.1", "unknown user");

        assertThat(lines.get(0)).doesNotContain("\n").doesNotContain("\u0000")
                .startsWith("failed login for user 'evil?2026 INFO forged??xxx")
                .contains("...' from 10.0.0.1").hasSizeLessThan(150);
    }
}
