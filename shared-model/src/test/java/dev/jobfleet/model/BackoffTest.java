package dev.jobfleet.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void withoutJitterDoublesPerAttemptUpToTheCap() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0);
        SplittableRandom random = new SplittableRandom(1);
        assertThat(backoff.delay(1, random)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(2, random)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(3, random)).isEqualTo(Duration.ofSeconds(4));
        assertThat(backoff.delay(6, random)).isEqualTo(Duration.ofSeconds(32));
        assertThat(backoff.delay(7, random)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.delay(1000, random)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void jitterStaysWithinItsBandAndActuallySpreads() {
        Backoff backoff = new Backoff(Duration.ofSeconds(10), Duration.ofHours(1), 0.2);
        SplittableRandom random = new SplittableRandom(42);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long ms = backoff.delay(1, random).toMillis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        assertThat(min).isBetween(8_000L, 8_100L);
        assertThat(max).isBetween(11_900L, 12_000L);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0))
                .hasMessageContaining("base");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
                .hasMessageContaining("max");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0))
                .hasMessageContaining("jitter");
        assertThatThrownBy(() -> Backoff.DEFAULT.delay(0, new SplittableRandom()))
                .hasMessageContaining("1-based");
    }
}
