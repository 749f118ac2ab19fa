package org.servicemanager.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Backoff")
class BackoffTest {
    private static final Duration MIN = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(60);

    /** Always the largest bounded value: the top of the jitter range. */
    private static final RandomGenerator HIGHEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    /** Always zero: the bottom of the jitter range. */
    private static final RandomGenerator LOWEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(long bound) {
            return 0;
        }
    };

    @Test
    @DisplayName("doubles from the minimum per attempt")
    void doubles() {
        Backoff backoff = new Backoff(MIN, MAX, HIGHEST);

        assertThat(backoff.delay(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(3)).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    @DisplayName("never waits longer than the maximum, however many attempts failed")
    void capped() {
        Backoff backoff = new Backoff(MIN, MAX, HIGHEST);

        assertThat(backoff.delay(6)).isEqualTo(MAX);
        assertThat(backoff.delay(30)).isEqualTo(MAX);
        assertThat(backoff.delay(1_000)).isEqualTo(MAX);
    }

    @Test
    @DisplayName("jitters down to half of the capped delay, never below")
    void jitter() {
        assertThat(new Backoff(MIN, MAX, LOWEST).delay(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(new Backoff(MIN, MAX, LOWEST).delay(100)).isEqualTo(Duration.ofSeconds(30));
        Backoff random = new Backoff(MIN, MAX, new Random(42));
        for (int attempt = 0; attempt < 100; attempt++) {
            Duration ceiling = attempt < 6 ? MIN.multipliedBy(1L << attempt) : MAX;
            assertThat(random.delay(attempt)).isBetween(ceiling.dividedBy(2), ceiling);
        }
    }

    @Test
    @DisplayName("rejects a minimum above the maximum, naming both")
    void rejectsBadBounds() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(1), LOWEST))
                .hasMessageContaining("min PT5S").hasMessageContaining("max PT1S");
    }
}
