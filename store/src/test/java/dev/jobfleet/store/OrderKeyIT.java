package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Per-key ordering: jobs of one order key run one at a time, in submission order, while keys run
 * in parallel. 16 claimers over 4 keys x 50 jobs; the same jobs without an order key (the naive
 * "just run them") overlap and run out of order.
 */
class OrderKeyIT {
    private static final int THREADS = 16;
    private static final int KEYS = 4;
    private static final int PER_KEY = 50;

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
    void jobsOfOneKeyRunOneAtATimeInSubmissionOrder() {
        submit("order.naive", false);
        Race.run(THREADS, t -> () -> runAll("order.naive", "naive-" + t));
        long naiveOverlaps = overlaps("order.naive");
        long naiveOutOfOrder = outOfOrder("order.naive");

        submit("order.job", true);
        Race.run(THREADS, t -> () -> runAll("order.job", "worker-" + t));
        long overlaps = overlaps("order.job");
        long outOfOrder = outOfOrder("order.job");
        long parallelKeys = jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        JOIN demo_execution b ON b.id <> a.id JOIN jobs jb ON jb.id = b.job_id
                        WHERE ja.type = 'order.job' AND jb.type = 'order.job' AND ja.payload ->> 'key' <> jb.payload ->> 'key'
                          AND a.started_at < b.finished_at AND b.started_at < a.finished_at""").query(Long.class).single();

        System.out.printf(
                "order keys: %d threads, %d keys x %d jobs; without order keys %d overlapping pairs and %d out of order;"
                        + " with them %d and %d (%d overlapping pairs across keys)%n",
                THREADS, KEYS, PER_KEY, naiveOverlaps, naiveOutOfOrder, overlaps, outOfOrder, parallelKeys);
        assertThat(naiveOverlaps + naiveOutOfOrder)
                .as("the naive run must show the anomaly")
                .isPositive();
        assertThat(overlaps).isZero();
        assertThat(outOfOrder).isZero();
        assertThat(parallelKeys).as("different keys still run in parallel").isPositive();
        assertThat(repository.list(JobState.SUCCEEDED, "order.job", KEYS * PER_KEY + 1))
                .hasSize(KEYS * PER_KEY);
    }

    private static void submit(String type, boolean ordered) {
        for (int i = 0; i < PER_KEY; i++) {
            for (int k = 0; k < KEYS; k++) {
                String key = "account-" + k;
                JobEvent event = new JobEvent(
                        JobIds.next(),
                        type,
                        JobCodec.mapper().createObjectNode().put("key", key).put("n", i),
                        null,
                        null,
                        null,
                        null,
                        null);
                repository.submit(event, new JobOptions(null, null, ordered ? key : null, null, null), "test");
            }
        }
    }

    private static Void runAll(String type, String owner) {
        while (true) {
            List<Claim> claims = repository.claimDue(Set.of(type), 2, owner, Duration.ofMinutes(5));
            if (claims.isEmpty()) {
                if (repository.list(JobState.PENDING, type, 1).isEmpty()) {
                    return null;
                }
                continue;
            }
            for (Claim c : claims) {
                long execution = repository.startExecution(c.jobId(), owner, c.token(), 1);
                jdbc.sql("SELECT pg_sleep(0.001)").query().singleValue();
                repository.endExecution(execution);
                repository.finish(List.of(RunOutcome.succeeded(c.jobId(), c.token())), owner);
            }
        }
    }

    /** Pairs of executions of one key whose time spans overlap. */
    private static long overlaps(String type) {
        return jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        JOIN demo_execution b ON b.id > a.id JOIN jobs jb ON jb.id = b.job_id
                        WHERE ja.type = ? AND jb.type = ja.type AND ja.payload ->> 'key' = jb.payload ->> 'key'
                          AND a.started_at < b.finished_at AND b.started_at < a.finished_at""").param(type).query(Long.class).single();
    }

    /** Pairs of one key where the later-submitted job started first. */
    private static long outOfOrder(String type) {
        return jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        JOIN demo_execution b ON b.id <> a.id JOIN jobs jb ON jb.id = b.job_id
                        WHERE ja.type = ? AND jb.type = ja.type AND ja.payload ->> 'key' = jb.payload ->> 'key'
                          AND CAST(ja.payload ->> 'n' AS int) < CAST(jb.payload ->> 'n' AS int)
                          AND b.started_at < a.started_at""").param(type).query(Long.class).single();
    }
}
