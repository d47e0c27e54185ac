package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.node.ObjectNode;

/**
 * Side data a client or a handler adds to a job stays bounded, whatever the number of writers:
 * metadata after every merge (not only each patch on its own), and the errors array (the last 20
 * attempts).
 */
class BoundedSideDataIT {
    private static final int THREADS = 16;
    private static final int ROUNDS = 6;
    private static final int BUDGET = 4_000;

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 2);
        repository = new JobRepository(db.appDataSource(), BUDGET);
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /**
     * 16 threads merge a 100-byte key per round, 6 rounds, into one running job whose metadata may
     * hold 4,000 bytes: far more is offered than fits. The naive version checks the size, then
     * merges, all threads checking before any merges (a barrier between the two steps makes the
     * interleaving certain); it ends far over the budget. jobfleet's merge checks the merged size in
     * its own statement, on the locked row: never over, and every refused merge is reported.
     */
    @Test
    void concurrentMergesNeverTakeMetadataPastItsBudget() throws Exception {
        Claim naive = running("bounded.naive");
        Claim guarded = running("bounded.guarded");
        CyclicBarrier naiveStep = new CyclicBarrier(THREADS);
        CyclicBarrier guardedStep = new CyclicBarrier(THREADS);
        AtomicInteger naiveMerged = new AtomicInteger();
        AtomicInteger merged = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();

        Race.run(THREADS, t -> () -> {
            for (int round = 0; round < ROUNDS; round++) {
                ObjectNode patch = patch(t, round);
                long size = size(naive.jobId());
                naiveStep.await(30, TimeUnit.SECONDS); // every thread has checked; now each acts on its check
                if (size + patchSize(patch) <= BUDGET) {
                    jdbc.sql("UPDATE jobs SET metadata = metadata || CAST(? AS jsonb) WHERE id = ?")
                            .params(JobCodec.mapper().writeValueAsString(patch), naive.jobId())
                            .update();
                    naiveMerged.incrementAndGet();
                }
                naiveStep.await(30, TimeUnit.SECONDS);
            }
            return null;
        });
        Race.run(THREADS, t -> () -> {
            for (int round = 0; round < ROUNDS; round++) {
                guardedStep.await(30, TimeUnit.SECONDS);
                try {
                    assertThat(repository.mergeMetadata(guarded.jobId(), guarded.token(), patch(t, round)))
                            .isTrue();
                    merged.incrementAndGet();
                } catch (MetadataTooLargeException e) {
                    assertThat(e.size()).isGreaterThan(BUDGET);
                    refused.incrementAndGet();
                }
                guardedStep.await(30, TimeUnit.SECONDS);
            }
            return null;
        });

        // the control's preconditions: its merges happened, and more was offered than fits
        assertThat(naiveMerged.get()).isPositive();
        assertThat((long) THREADS * ROUNDS * patchSize(patch(0, 0))).isGreaterThan(2L * BUDGET);
        assertThat(size(naive.jobId())).as("naive metadata size").isGreaterThan(BUDGET);
        assertThat(size(guarded.jobId())).as("jobfleet metadata size").isLessThanOrEqualTo(BUDGET);
        assertThat(merged.get() + refused.get()).isEqualTo(THREADS * ROUNDS);
        assertThat(refused.get()).isPositive();
        assertThat(keys(guarded.jobId())).isEqualTo(merged.get());
        System.out.printf(
                "metadata budget %d bytes, %d threads x %d merges: naive ended at %d bytes; jobfleet at %d"
                        + " (%d merged, %d refused)%n",
                BUDGET, THREADS, ROUNDS, size(naive.jobId()), size(guarded.jobId()), merged.get(), refused.get());
    }

    @Test
    void theErrorsArrayKeepsTheLastTwentyAttempts() {
        UUID id = repository
                .submit(Jobs.event("bounded.errors", 25), "test")
                .job()
                .id();
        for (int attempt = 1; attempt <= 25; attempt++) {
            List<Claim> claims = repository.claim(List.of(id), Set.of("bounded.errors"), "w", Duration.ofMinutes(1));
            assertThat(claims).as("claim %d", attempt).hasSize(1);
            Claim claim = claims.getFirst();
            RunOutcome outcome =
                    RunOutcome.retry(id, claim.token(), Duration.ZERO, AttemptError.of(attempt, "failure " + attempt));
            assertThat(repository.finish(List.of(outcome), "test")).containsKey(id);
            if (attempt < 25) {
                assertThat(repository.promoteDueRetries(10, "test")).isEqualTo(1);
            }
        }

        JobRow job = repository.find(id).orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.DEAD);
        assertThat(job.errors().size()).isEqualTo(20);
        assertThat(job.errors().get(0).get("attempt").intValue()).isEqualTo(6);
        assertThat(job.errors().get(19).get("attempt").intValue()).isEqualTo(25);
        assertThat(job.lastError()).isEqualTo("failure 25");
        System.out.printf(
                "errors array: 25 failed attempts, %d kept (attempts 6-25)%n",
                job.errors().size());
    }

    private static Claim running(String type) {
        UUID id = repository.submit(Jobs.event(type), "test").job().id();
        return repository
                .claim(List.of(id), Set.of(type), "w", Duration.ofMinutes(5))
                .getFirst();
    }

    private static ObjectNode patch(int thread, int round) {
        return JobCodec.mapper().createObjectNode().put("t" + thread + "r" + round, "x".repeat(100));
    }

    private static long patchSize(ObjectNode patch) {
        return JobCodec.mapper().writeValueAsString(patch).length();
    }

    private static long size(UUID id) {
        return jdbc.sql("SELECT octet_length(CAST(metadata AS text)) FROM jobs WHERE id = ?")
                .param(id)
                .query(Long.class)
                .single();
    }

    private static long keys(UUID id) {
        return jdbc.sql("SELECT count(*) FROM jobs, jsonb_object_keys(metadata) WHERE id = ?")
                .param(id)
                .query(Long.class)
                .single();
    }
}
