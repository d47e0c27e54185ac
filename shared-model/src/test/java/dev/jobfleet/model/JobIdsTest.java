package dev.jobfleet.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobIdsTest {

    @Test
    void idsAreVersion7AndOrderedByTime() {
        UUID early = JobIds.next(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        UUID late = JobIds.next(Clock.fixed(Instant.parse("2026-01-01T00:00:01Z"), ZoneOffset.UTC));
        assertThat(early.version()).isEqualTo(7);
        assertThat(early.variant()).isEqualTo(2);
        assertThat(early.toString()).isLessThan(late.toString());
    }

    @Test
    void idsDoNotCollide() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(JobIds.next());
        }
        assertThat(ids).hasSize(100_000);
    }
}
