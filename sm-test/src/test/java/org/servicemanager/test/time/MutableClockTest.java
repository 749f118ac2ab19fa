package org.servicemanager.test.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MutableClock")
class MutableClockTest {
    private static final Instant START = Instant.parse("2026-11-29T08:00:00Z");

    @Test
    @DisplayName("stands still until advanced or set, in UTC whatever zone is asked for")
    void movesOnlyWhenTold() {
        MutableClock clock = new MutableClock(START);
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.instant()).isEqualTo(START);

        clock.advance(Duration.ofMinutes(5));
        assertThat(clock.millis()).isEqualTo(START.plusSeconds(300).toEpochMilli());
        clock.set(START.minusSeconds(1));
        assertThat(clock.instant()).isEqualTo(START.minusSeconds(1));
        assertThat(clock.withZone(ZoneId.of("Europe/Berlin"))).isSameAs(clock);
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    @DisplayName("made ticking moves on by the tick after every reading, on top of what the test advances")
    void ticks() {
        MutableClock clock = MutableClock.ticking(START, Duration.ofSeconds(1));

        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(1));
        clock.advance(Duration.ofSeconds(10));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(12));
    }

    @Test
    @DisplayName("refuses a negative tick, naming it")
    void negativeTick() {
        assertThatThrownBy(() -> MutableClock.ticking(START, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tick must not be negative, was PT-1S");
    }
}
