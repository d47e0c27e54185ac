package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Fan-in: a batch whose 1,000 children finish concurrently completes exactly once and submits its
 * callback exactly once. The count-down runs in the transaction of each child's transition. The
 * naive count-down (read remaining, write remaining - 1) loses decrements and never completes.
 */
class BatchFanInIT {
    private static final int THREADS = 16;
    private static final int CHILDREN = 1_000;

    private static TestDatabase db;
    private static JobRepository repository;
    private static Batches batches;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 2);
        repository = new JobRepository(db.dataSource());
        batches = new Batches(db.dataSource(), repository);
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void aThousandChildrenFinishingAtOnceCompleteTheParentExactlyOnce() {
        jdbc.sql(
                        "CREATE TABLE naive_batch (id int PRIMARY KEY, remaining int NOT NULL, completions int NOT NULL DEFAULT 0)")
                .update();
        jdbc.sql("INSERT INTO naive_batch (id, remaining) VALUES (1, ?)")
                .param(CHILDREN)
                .update();
        List<UUID> naiveChildren = Jobs.submit(repository, "batch.naive", CHILDREN);
        Race.run(THREADS, t -> () -> {
            runAll("batch.naive", "naive-" + t, () -> {
                int remaining = jdbc.sql("SELECT remaining FROM naive_batch WHERE id = 1")
                        .query(Integer.class)
                        .single();
                jdbc.sql("UPDATE naive_batch SET remaining = ? WHERE id = 1")
                        .param(remaining - 1)
                        .update();
                if (remaining - 1 == 0) {
                    jdbc.sql("UPDATE naive_batch SET completions = completions + 1 WHERE id = 1")
                            .update();
                }
            });
            return null;
        });
        int naiveRemaining = jdbc.sql("SELECT remaining FROM naive_batch")
                .query(Integer.class)
                .single();
        int naiveCompletions = jdbc.sql("SELECT completions FROM naive_batch")
                .query(Integer.class)
                .single();

        UUID batchId = UUID.randomUUID();
        List<JobEvent> children = new ArrayList<>();
        for (int i = 0; i < CHILDREN; i++) {
            children.add(Jobs.event("batch.child"));
        }
        batches.create(
                batchId, Batches.Policy.COMPLETE_ALWAYS, new Batches.Callback("batch.done", null), children, "api");
        Race.run(THREADS, t -> () -> {
            runAll("batch.child", "worker-" + t, () -> {});
            return null;
        });
        Batches.Batch batch = batches.find(batchId).orElseThrow();
        List<JobRow> callbacks = repository.list(null, "batch.done", 10);

        System.out.printf(
                "fan-in: %d children finished by %d threads; naive count-down ended at remaining=%d with %d completions;"
                        + " jobfleet remaining=%d, completions=%d, callbacks=%d%n",
                CHILDREN,
                THREADS,
                naiveRemaining,
                naiveCompletions,
                batch.remaining(),
                batch.completions(),
                callbacks.size());
        assertThat(naiveRemaining != 0 || naiveCompletions != 1)
                .as("the naive count-down must go wrong")
                .isTrue();
        assertThat(batch.remaining()).isZero();
        assertThat(batch.succeeded()).isEqualTo(CHILDREN);
        assertThat(batch.completions()).isEqualTo(1);
        assertThat(batch.state()).isEqualTo("SUCCEEDED");
        assertThat(callbacks).singleElement().satisfies(cb -> {
            assertThat(cb.id()).isEqualTo(batch.callbackJobId());
            assertThat(cb.metadata().get("batchId").asString()).isEqualTo(batchId.toString());
            assertThat(cb.state()).isEqualTo(JobState.PENDING);
        });
        assertThat(naiveChildren).hasSize(CHILDREN);
    }

    @Test
    void failOnAnyFailsTheBatchWhenAChildDiesAndItsChildCannotBeRedrivenAfterwards() {
        UUID batchId = UUID.randomUUID();
        Batches.Created created = batches.create(
                batchId,
                Batches.Policy.FAIL_ON_ANY,
                null,
                List.of(Jobs.event("batch.fail"), Jobs.event("batch.fail")),
                "api");
        List<Claim> claims = repository.claimDue(Set.of("batch.fail"), 10, "w", Duration.ofMinutes(1));
        assertThat(claims).hasSize(2);
        repository.finish(
                List.of(
                        RunOutcome.succeeded(
                                claims.get(0).jobId(), claims.get(0).token()),
                        RunOutcome.dead(claims.get(1).jobId(), claims.get(1).token(), AttemptError.of(1, "bad input"))),
                "w");
        Batches.Batch batch = batches.find(batchId).orElseThrow();
        assertThat(batch.state()).isEqualTo("FAILED");
        assertThat(batch.failed()).isEqualTo(1);
        assertThat(batch.completions()).isEqualTo(1);
        assertThatThrownBy(() -> repository.redrive(claims.get(1).jobId(), "api"))
                .hasStackTraceContaining("cannot be re-driven");
        assertThat(repository.find(claims.get(1).jobId()).orElseThrow().state()).isEqualTo(JobState.DEAD);
        assertThat(created.children()).allMatch(Submission::created);
    }

    private static void runAll(String type, String owner, Runnable afterEachChild) {
        while (true) {
            List<Claim> claims = repository.claimDue(Set.of(type), 5, owner, Duration.ofMinutes(5));
            if (claims.isEmpty()) {
                if (repository.list(JobState.PENDING, type, 1).isEmpty()) {
                    return;
                }
                continue;
            }
            for (Claim c : claims) {
                repository.finish(List.of(RunOutcome.succeeded(c.jobId(), c.token())), owner);
                afterEachChild.run();
            }
        }
    }
}
