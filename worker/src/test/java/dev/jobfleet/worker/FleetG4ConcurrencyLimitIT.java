package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.ConcurrencyLimits;
import dev.jobfleet.store.Race;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.store.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G4 across worker instances: {@value #JOBS} {@code demo.sleep} jobs of 20 ms on one concurrency
 * key with limit {@value #LIMIT}, published to Kafka and run by the {@link Fleet}'s four workers
 * of concurrency 8 (32 handler slots). A sampler reads the key's RUNNING count from the database
 * all along; it never exceeds the limit, and every job succeeds.
 *
 * <p>The negative control, in the same test with as many threads as the fleet has slots, counts
 * the key's running jobs in Java and claims if there is room (check-then-claim), and overshoots.
 * Store's {@code G4ConcurrencyLimitIT} has the same control against the claim statement itself.
 */
@ExtendWith(Fleet.Extension.class)
class FleetG4ConcurrencyLimitIT {
    private static final int JOBS = 300;
    private static final int LIMIT = 3;
    private static final int NAIVE_JOBS = 100;
    private static final String KEY = "g4-fleet";
    private static final String NAIVE_KEY = "g4-naive";
    private static final String NAIVE_TYPE = "g4.naive";

    private static Fleet fleet;
    private static ConcurrencyLimits limits;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp(Fleet shared) {
        fleet = shared;
        limits = new ConcurrencyLimits(fleet.db.dataSource());
        jdbc = JdbcClient.create(fleet.db.dataSource());
    }

    @Test
    void fourWorkersNeverRunMoreJobsOfAKeyThanItsLimit() {
        int slots = Fleet.INSTANCES * Fleet.CONCURRENCY;
        for (int i = 0; i < NAIVE_JOBS; i++) {
            fleet.jobs.submit(event(NAIVE_TYPE, "{}", NAIVE_KEY), "test");
        }
        long naiveMax;
        try (Sampler sampler = new Sampler("naive", () -> limits.running(NAIVE_KEY))) {
            Race.run(slots, t -> () -> naiveCheckThenClaim("naive-" + t));
            naiveMax = sampler.max();
        }

        limits.set(KEY, LIMIT);
        long started = System.nanoTime();
        long max;
        long samples;
        try (Sampler sampler = new Sampler("fleet", () -> limits.running(KEY))) {
            for (int i = 0; i < JOBS; i++) {
                fleet.kafka.send(event("demo.sleep", "{\"ms\": 20}", KEY));
            }
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> count("SELECT count(*) FROM jobs WHERE concurrency_key = ? AND state = 'SUCCEEDED'")
                            == JOBS);
            max = sampler.max();
            samples = sampler.samples();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        long overlap = maxOverlappingExecutions();
        Map<String, Long> byWorker = executionsByWorker();

        System.out.printf(
                "G4 across %d workers x %d slots, limit %d: naive check-then-claim peaked at %d running;"
                        + " jobfleet at %d (%d samples), executions overlapping at most %d; %d jobs in %d ms, by worker %s%n",
                Fleet.INSTANCES, Fleet.CONCURRENCY, LIMIT, naiveMax, max, samples, overlap, JOBS, millis, byWorker);
        assertThat(naiveMax).as("the naive version must exceed the limit").isGreaterThan(LIMIT);
        assertThat(max).isLessThanOrEqualTo(LIMIT).isPositive();
        assertThat(overlap).isLessThanOrEqualTo(LIMIT).isPositive();
        assertThat(count("SELECT count(*) FROM jobs WHERE concurrency_key = ? AND state <> 'SUCCEEDED'"))
                .isZero();
        assertThat(byWorker).as("the jobs ran across the instances").hasSizeGreaterThanOrEqualTo(3);
        assertThat(byWorker.values().stream().mapToLong(Long::longValue).sum())
                .as("each job ran once")
                .isEqualTo(JOBS);
        assertThat(limits.find(KEY).orElseThrow().taken())
                .as("every slot came back")
                .isZero();
    }

    private static JobEvent event(String type, String payload, String key) {
        return new JobEvent(JobIds.next(), type, JobCodec.mapper().readTree(payload), null, null, 3, key, null);
    }

    private static long count(String sql) {
        return jdbc.sql(sql).param(KEY).query(Long.class).single();
    }

    /** Hand-rolled: count the running jobs of the key, and claim one if there is room. */
    private static Void naiveCheckThenClaim(String owner) {
        while (true) {
            if (fleet.jobs.list(JobState.PENDING, NAIVE_TYPE, 1).isEmpty()) {
                return null;
            }
            if (limits.running(NAIVE_KEY) >= LIMIT) {
                continue;
            }
            List<Map.Entry<UUID, UUID>> claimed = jdbc.sql("""
                            UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, claim_token = gen_random_uuid(),
                                lease_owner = ?, lease_expires_at = now() + interval '5 minutes'
                            WHERE id = (SELECT id FROM jobs WHERE type = ? AND state = 'PENDING'
                                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                            RETURNING id, claim_token""")
                    .params(owner, NAIVE_TYPE)
                    .query((rs, n) -> Map.entry(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                    .list();
            for (Map.Entry<UUID, UUID> c : claimed) {
                jdbc.sql("SELECT pg_sleep(0.02)").query().singleValue();
                fleet.jobs.finish(List.of(RunOutcome.succeeded(c.getKey(), c.getValue())), owner);
            }
        }
    }

    private static long maxOverlappingExecutions() {
        return jdbc.sql("""
                        WITH e AS (
                            SELECT d.started_at, d.finished_at FROM demo_execution d JOIN jobs j ON j.id = d.job_id
                            WHERE j.concurrency_key = ?)
                        SELECT coalesce(max((SELECT count(*) FROM e b
                                             WHERE b.started_at <= a.started_at AND b.finished_at > a.started_at)), 0)
                        FROM e a""").param(KEY).query(Long.class).single();
    }

    private static Map<String, Long> executionsByWorker() {
        Map<String, Long> byWorker = new java.util.TreeMap<>();
        jdbc.sql("""
                        SELECT d.worker_id, count(*) FROM demo_execution d JOIN jobs j ON j.id = d.job_id
                        WHERE j.concurrency_key = ? GROUP BY d.worker_id""")
                .param(KEY)
                .query((rs, n) -> byWorker.put(rs.getString(1), rs.getLong(2)))
                .list();
        return byWorker;
    }
}
