package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.ArrayNode;

/**
 * Fan-in: a batch whose 1,000 children finish concurrently completes exactly once and submits its
 * callback exactly once. The count-down runs in the transaction of each child's transition. The
 * naive count-down (read remaining, write remaining - 1) loses decrements and never completes.
 *
 * <p>Many batches: {@value #BATCHES} batches whose children are spread over the id order, finished
 * {@value #PER_STATEMENT} per statement by 16 finishers, so that one statement counts down many
 * batches. The naive finish statement (version 3's) lets the count-down trigger lock each batch row
 * as the update reaches its child, in no fixed order, and two finishers deadlock; jobfleet's locks
 * the batch rows in id order first.
 */
class BatchFanInIT {
    private static final int THREADS = 16;
    private static final int CHILDREN = 1_000;
    private static final int BATCHES = 50;
    private static final int PER_BATCH = 20;
    private static final int PER_STATEMENT = 6;

    /** The finish statement of version 3: batch rows are locked by the trigger, in update order. */
    private static final String NAIVE_FINISH = """
            WITH outcome AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS o(id uuid, token uuid, state job_state)
            ), locked AS (
                SELECT j.id, o.token, o.state AS next_state FROM jobs j JOIN outcome o ON o.id = j.id
                WHERE j.state = 'RUNNING' AND j.claim_token = o.token
                ORDER BY j.id
                FOR UPDATE OF j
            ), finished AS (
                UPDATE jobs j
                SET state = l.next_state, finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                    updated_at = now()
                FROM locked l
                WHERE j.id = l.id AND j.state = 'RUNNING' AND j.claim_token = l.token
                RETURNING j.id, j.state, j.claim_token, j.attempts
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT id, 'RUNNING', state, ?, claim_token, attempts, 'succeeded' FROM finished
            )
            SELECT id FROM finished
            """;

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

    @Test
    void finishersOfChildrenOfManyBatchesNeverDeadlock() {
        Fleet naive = finishManyBatches("batches.naive", (claims, owner) -> {
            TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(db.dataSource()));
            tx.executeWithoutResult(status -> {
                // detect quickly: the default deadlock_timeout is 1 s
                jdbc.sql("SET LOCAL deadlock_timeout = '50ms'").update();
                jdbc.sql(NAIVE_FINISH).params(outcomes(claims), owner).query().listOfRows();
            });
        });
        Fleet fleet = finishManyBatches(
                "batches.job",
                (claims, owner) -> repository.finish(
                        claims.stream()
                                .map(c -> RunOutcome.succeeded(c.jobId(), c.token()))
                                .toList(),
                        owner));

        System.out.printf(
                "fan-in over many batches: %d batches x %d children, %d finishers, %d children per statement;"
                        + " naive (trigger locks batches in update order) deadlocked %d times in %d statements;"
                        + " jobfleet (batches locked in id order first) %d times in %d statements; each batch"
                        + " completed once: naive %s, jobfleet %s%n",
                BATCHES,
                PER_BATCH,
                THREADS,
                PER_STATEMENT,
                naive.deadlocks,
                naive.statements,
                fleet.deadlocks,
                fleet.statements,
                naive.completedOnce,
                fleet.completedOnce);
        naive.assertRan();
        assertThat(naive.deadlocks).as("the naive statement must deadlock").isPositive();
        fleet.assertRan();
        assertThat(fleet.deadlocks).isZero();
    }

    /** What one run of {@link #finishManyBatches} saw. */
    private record Fleet(String type, int threadsDone, long deadlocks, long statements, boolean completedOnce) {
        void assertRan() {
            assertThat(threadsDone)
                    .as("every finisher of %s ran to the end", type)
                    .isEqualTo(THREADS);
            assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE type = ? AND state = 'SUCCEEDED'")
                            .param(type)
                            .query(Long.class)
                            .single())
                    .as("every child of %s finished", type)
                    .isEqualTo(BATCHES * PER_BATCH);
            assertThat(completedOnce)
                    .as("every batch of %s completed once, with its callback", type)
                    .isTrue();
        }
    }

    /**
     * {@value #BATCHES} batches of {@value #PER_BATCH} children of {@code type}, the children
     * inserted in random order across the batches (so a statement's rows, in id or heap order, belong
     * to the batches in random order: the order a table has after a while of updates); 16 finishers
     * claim {@value #PER_STATEMENT} at a time and finish them with {@code finish}, retrying a
     * statement that deadlocked.
     */
    private static Fleet finishManyBatches(String type, BiConsumer<List<Claim>, String> finish) {
        List<UUID> batchIds = new ArrayList<>();
        List<UUID> childOf = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            UUID batchId = UUID.randomUUID();
            batchIds.add(batchId);
            jdbc.sql(BatchSql.INSERT_BATCH)
                    .params(batchId, "COMPLETE_ALWAYS", "{\"type\": \"" + type + ".done\", \"payload\": {}}", "test")
                    .update();
            for (int i = 0; i < PER_BATCH; i++) {
                childOf.add(batchId);
            }
        }
        Collections.shuffle(childOf, new Random(42));
        for (UUID batchId : childOf) {
            repository.submit(Jobs.event(type), JobOptions.NONE.withBatch(batchId), "api");
        }
        for (UUID batchId : batchIds) {
            jdbc.sql(BatchSql.SET_SIZE).params(PER_BATCH, PER_BATCH, batchId).update();
        }
        AtomicLong deadlocks = new AtomicLong();
        AtomicLong statements = new AtomicLong();
        List<Integer> done = Race.run(THREADS, t -> () -> {
            String owner = type + "-" + t;
            while (true) {
                List<Claim> claims = repository.claimDue(Set.of(type), PER_STATEMENT, owner, Duration.ofMinutes(5));
                if (claims.isEmpty()) {
                    if (repository.list(JobState.PENDING, type, 1).isEmpty()) {
                        return 1;
                    }
                    continue;
                }
                while (true) {
                    statements.incrementAndGet();
                    try {
                        finish.accept(claims, owner);
                        break;
                    } catch (DataAccessException e) {
                        if (!Deadlocks.isDeadlock(e)) {
                            throw e;
                        }
                        deadlocks.incrementAndGet();
                    }
                }
            }
        });
        boolean completedOnce = batchIds.stream()
                .map(id -> batches.find(id).orElseThrow())
                .allMatch(b -> b.remaining() == 0
                        && b.succeeded() == PER_BATCH
                        && b.completions() == 1
                        && b.callbackJobId() != null);
        long callbacks = repository.list(null, type + ".done", BATCHES + 1).size();
        return new Fleet(type, done.size(), deadlocks.get(), statements.get(), completedOnce && callbacks == BATCHES);
    }

    private static String outcomes(List<Claim> claims) {
        ArrayNode rows = JobCodec.mapper().createArrayNode();
        for (Claim c : claims) {
            rows.addObject()
                    .put("id", c.jobId().toString())
                    .put("token", c.token().toString())
                    .put("state", "SUCCEEDED");
        }
        return JobCodec.mapper().writeValueAsString(rows);
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
