package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.ConcurrencyLimits;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Sampler;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
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
 * <p>The negative control runs inside the fleet too, on the same workers: {@value #NAIVE_JOBS}
 * jobs of a handler that limits itself the hand-rolled way. It counts the executions of its kind in
 * progress and, below the limit, records its own and works 20 ms; at the limit it asks to be
 * retried shortly. Handlers on different workers count at the same time, all see room, and more
 * than the limit work at once. Store's {@code G4ConcurrencyLimitIT} has a control against the claim
 * statement itself.
 */
@ExtendWith(Fleet.Extension.class)
class FleetG4ConcurrencyLimitIT {
    private static final int JOBS = 300;
    private static final int LIMIT = 3;
    private static final int NAIVE_JOBS = 100;
    private static final int NAIVE_ROUNDS = 8;
    private static final String KEY = "g4-fleet";

    private static Fleet fleet;
    private static ConcurrencyLimits limits;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp(Fleet shared) {
        fleet = shared;
        limits = new ConcurrencyLimits(fleet.db.dataSource());
        jdbc = JdbcClient.create(fleet.db.dataSource());
    }

    /** The handlers of this test, registered on every worker of the fleet. */
    static List<JobHandler> handlers(DataSource dataSource) {
        return List.of(new CountThenRun(dataSource));
    }

    @Test
    void fourWorkersNeverRunMoreJobsOfAKeyThanItsLimit() {
        long naiveStarted = System.nanoTime();
        // the naive race window is one round trip wide: a round of 100 jobs on a loaded machine can miss
        // it (CI saw exactly 3 at once, once in 1 round and once in 3), so up to NAIVE_ROUNDS rounds, stopping at
        // the first overlap
        int naiveRounds = 0;
        long naiveMax = 0;
        while (naiveRounds < NAIVE_ROUNDS && naiveMax <= LIMIT) {
            naiveRounds++;
            for (int i = 0; i < NAIVE_JOBS; i++) {
                fleet.kafka.send(event(CountThenRun.TYPE, "{}", null));
            }
            long expected = (long) naiveRounds * NAIVE_JOBS;
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> jdbc.sql("SELECT count(*) FROM jobs WHERE type = ? AND state IN ('SUCCEEDED', 'DEAD')")
                                    .param(CountThenRun.TYPE)
                                    .query(Long.class)
                                    .single()
                            == expected);
            naiveMax = maxOverlappingExecutions("j.type = ?", CountThenRun.TYPE);
        }
        long naiveJobs = (long) naiveRounds * NAIVE_JOBS;
        long naiveMillis = (System.nanoTime() - naiveStarted) / 1_000_000;
        long naiveSucceeded = jdbc.sql("SELECT count(*) FROM jobs WHERE type = ? AND state = 'SUCCEEDED'")
                .param(CountThenRun.TYPE)
                .query(Long.class)
                .single();
        Map<String, Long> naiveByWorker = executionsByWorker("j.type = ?", CountThenRun.TYPE);
        long naiveExecutions =
                naiveByWorker.values().stream().mapToLong(Long::longValue).sum();

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
        long overlap = maxOverlappingExecutions("j.concurrency_key = ?", KEY);
        Map<String, Long> byWorker = executionsByWorker("j.concurrency_key = ?", KEY);

        System.out.printf(
                "G4 across %d workers x %d slots, limit %d: naive count-then-run handler on the same workers had"
                        + " %d executions at once (%d jobs in %d round(s), %d ms, by worker %s); jobfleet peaked at %d running"
                        + " (%d samples), executions overlapping at most %d; %d jobs in %d ms, by worker %s%n",
                Fleet.INSTANCES,
                Fleet.CONCURRENCY,
                LIMIT,
                naiveMax,
                naiveJobs,
                naiveRounds,
                naiveMillis,
                naiveByWorker,
                max,
                samples,
                overlap,
                JOBS,
                millis,
                byWorker);
        // the control's own preconditions: every naive job ran to its end, once, on several workers
        assertThat(naiveSucceeded).as("every naive job succeeded").isEqualTo(naiveJobs);
        assertThat(naiveExecutions).as("each naive job worked once").isEqualTo(naiveJobs);
        assertThat(naiveByWorker).as("the naive jobs ran across the instances").hasSizeGreaterThanOrEqualTo(2);
        assertThat(naiveMax).as("the naive handler must exceed the limit").isGreaterThan(LIMIT);
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
        return new JobEvent(JobIds.next(), type, JobCodec.mapper().readTree(payload), null, null, 1000, key, null);
    }

    private static long count(String sql) {
        return jdbc.sql(sql).param(KEY).query(Long.class).single();
    }

    private static long maxOverlappingExecutions(String where, String value) {
        return jdbc.sql("""
                        WITH e AS (
                            SELECT d.started_at, d.finished_at FROM demo_execution d JOIN jobs j ON j.id = d.job_id
                            WHERE %s)
                        SELECT coalesce(max((SELECT count(*) FROM e b
                                             WHERE b.started_at <= a.started_at AND b.finished_at > a.started_at)), 0)
                        FROM e a""".formatted(where)).param(value).query(Long.class).single();
    }

    private static Map<String, Long> executionsByWorker(String where, String value) {
        Map<String, Long> byWorker = new java.util.TreeMap<>();
        jdbc.sql("""
                        SELECT d.worker_id, count(*) FROM demo_execution d JOIN jobs j ON j.id = d.job_id
                        WHERE %s GROUP BY d.worker_id""".formatted(where))
                .param(value)
                .query((rs, n) -> byWorker.put(rs.getString(1), rs.getLong(2)))
                .list();
        return byWorker;
    }

    /**
     * Hand-rolled limiting in the handler: count the executions of this type in progress; below the
     * limit, record this one and work 20 ms; at the limit, ask to be retried in 20 ms.
     */
    private static final class CountThenRun implements JobHandler {
        static final String TYPE = "g4.naive.handler";
        private final JobRepository jobs;
        private final JdbcClient jdbc;

        CountThenRun(DataSource dataSource) {
            this.jobs = new JobRepository(dataSource);
            this.jdbc = JdbcClient.create(dataSource);
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            long inProgress = jdbc.sql("""
                            SELECT count(*) FROM demo_execution d JOIN jobs j ON j.id = d.job_id
                            WHERE j.type = ? AND d.finished_at IS NULL""").param(TYPE).query(Long.class).single();
            if (inProgress >= LIMIT) {
                return Outcome.retryAfter(Duration.ofMillis(20), inProgress + " running, limit " + LIMIT);
            }
            long execution =
                    jobs.startExecution(context.jobId(), context.workerId(), context.claimToken(), context.attempt());
            // the work the job stands for
            TimeUnit.MILLISECONDS.sleep(20);
            jobs.endExecution(execution);
            return Outcome.completed();
        }
    }
}
