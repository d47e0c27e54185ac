package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Optimistic concurrency for people: a change names the version it read; a stale version changes
 * nothing. 16 threads each add 20 to a count in the metadata by read-then-patch; with the version
 * guard every add lands (the losers re-read), without it adds are lost.
 */
class OptimisticPatchIT {
    private static final int THREADS = 16;
    private static final int ADDS = 20;

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 2);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void aStaleVersionChangesNothingSoNoAddIsLost() {
        UUID naive = repository.submit(Jobs.event("patch.naive"), "test").job().id();
        Race.run(THREADS, t -> () -> {
            for (int i = 0; i < ADDS; i++) {
                JobRow row = repository.find(naive).orElseThrow();
                long count = row.metadata().has("count")
                        ? row.metadata().get("count").asLong()
                        : 0;
                // the same patch with the version check left out
                jdbc.sql("UPDATE jobs SET metadata = metadata || CAST(? AS jsonb) WHERE id = ?")
                        .params("{\"count\":" + (count + 1) + "}", naive)
                        .update();
            }
            return null;
        });
        long naiveLost = THREADS * ADDS - count(naive);

        UUID id = repository.submit(Jobs.event("patch.job"), "test").job().id();
        AtomicInteger stale = new AtomicInteger();
        Race.run(THREADS, t -> () -> {
            for (int i = 0; i < ADDS; i++) {
                while (true) {
                    JobRow row = repository.find(id).orElseThrow();
                    long count = row.metadata().has("count")
                            ? row.metadata().get("count").asLong()
                            : 0;
                    PatchResult result = repository.patch(
                            id,
                            row.version(),
                            null,
                            null,
                            JobCodec.mapper().createObjectNode().put("count", count + 1));
                    if (result instanceof PatchResult.Patched) {
                        break;
                    }
                    assertThat(result).isInstanceOf(PatchResult.StaleVersion.class);
                    stale.incrementAndGet();
                }
            }
            return null;
        });
        long lost = THREADS * ADDS - count(id);
        System.out.printf(
                "If-Match: %d threads x %d read-then-patch; without the version %d adds lost; with it %d lost (%d stale answers)%n",
                THREADS, ADDS, naiveLost, lost, stale.get());
        assertThat(naiveLost).as("the unguarded patch must lose adds").isPositive();
        assertThat(lost).isZero();
        assertThat(stale.get()).isPositive();
    }

    @Test
    void aRunningJobCannotBePatchedAndNothingChanges() {
        UUID id = repository.submit(Jobs.event("patch.running"), "test").job().id();
        Claim claim = repository
                .claim(List.of(id), Set.of("patch.running"), "w", Duration.ofMinutes(1))
                .get(0);
        JobRow before = repository.find(id).orElseThrow();
        PatchResult result = repository.patch(id, before.version(), 5, null, null);
        assertThat(result).isInstanceOf(PatchResult.NotPatchable.class);
        JobRow after = repository.find(id).orElseThrow();
        assertThat(after.priority()).isEqualTo(before.priority());
        assertThat(after.version()).isEqualTo(before.version());
        assertThat(repository.patch(UUID.randomUUID(), 0, 5, null, null)).isInstanceOf(PatchResult.NotFound.class);
        assertThat(claim.token()).isNotNull();
    }

    @Test
    void aPatchedPriorityIsWhatTheClaimOrdersBy() {
        UUID low = repository.submit(Jobs.event("patch.priority"), "test").job().id();
        UUID high =
                repository.submit(Jobs.event("patch.priority"), "test").job().id();
        JobRow row = repository.find(low).orElseThrow();
        assertThat(repository.patch(low, row.version(), 7, null, null)).isInstanceOf(PatchResult.Patched.class);
        assertThat(repository.find(low).orElseThrow().effectivePriority()).isEqualTo(7);
        List<Claim> first = repository.claimDue(Set.of("patch.priority"), 1, "w", Duration.ofMinutes(1));
        assertThat(first).extracting(Claim::jobId).containsExactly(high);
    }

    private static long count(UUID id) {
        var metadata = repository.find(id).orElseThrow().metadata();
        return metadata.has("count") ? metadata.get("count").asLong() : 0;
    }
}
