package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * G4 from the moment the limit call returns, when the limit is created or lowered while jobs of
 * the key run. 16 claimers run jobs of one key with no limit (100 to 1,000 ms each); once 12 run, a limit of
 * {@value #LIMIT} is set, with the claimers still claiming. Counted from the execution audit: every
 * execution that started after the call returned, and how many executions of the key were in
 * progress then (itself included). A start with more than the limit in progress broke G4.
 *
 * <p>The negative control is the limit call as it was before version 4: write the limit and create
 * n free slots, whatever runs. The claimers take the free slots beside the ~16 unslotted runs. Then
 * jobfleet's call, with the same claimers, creates the limit over running jobs (they take the first
 * slots, the excess blocks the key until it drains), and lowers another key's limit from 8 to 2.
 */
class G4LimitChangeIT {
    private static final int CLAIMERS = 16;
    private static final int JOBS = 1_500;
    private static final int LIMIT = 3;
    private static final Duration LEASE = Duration.ofMinutes(5);
    /** How many jobs of the key start after the limit call returned before the claimers stop. */
    private static final int STARTS_AFTER = 20;

    private static TestDatabase db;
    private static JobRepository repository;
    private static ConcurrencyLimits limits;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(CLAIMERS + 6);
        repository = new JobRepository(db.dataSource());
        limits = new ConcurrencyLimits(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void aLimitCreatedOrLoweredWhileJobsRunIsNeverOvershotOnceTheCallReturns() throws Exception {
        Phase naive = race("g4.set.naive", "set-naive", 12, key -> naiveSet(key, LIMIT));
        Phase created = race("g4.set.job", "set-jobfleet", 12, key -> limits.set(key, LIMIT));
        limits.set("lower-jobfleet", 8);
        Phase lowered = race("g4.lower.job", "lower-jobfleet", 8, key -> limits.set(key, 2));

        System.out.printf(
                "G4 limit set while jobs run: %d claimers; naive (n free slots whatever runs): %d running when the"
                        + " limit %d was set, %d starts after the call returned with more than %d in progress"
                        + " (peak %d); jobfleet: %d running, call %d ms, %d in excess at return, %d such starts"
                        + " of %d (peak %d after the call); lowered 8 -> 2 with %d running: %d such starts of %d%n",
                CLAIMERS,
                naive.runningBefore,
                LIMIT,
                naive.overshootingStarts(LIMIT),
                LIMIT,
                naive.peakAfter,
                created.runningBefore,
                created.callMillis,
                created.excessAtReturn,
                created.overshootingStarts(LIMIT),
                created.startsAfter(),
                created.peakAfter,
                lowered.runningBefore,
                lowered.overshootingStarts(2),
                lowered.startsAfter());

        naive.assertRan();
        assertThat(naive.runningBefore).as("the naive call met running jobs").isGreaterThan(LIMIT);
        assertThat(naive.overshootingStarts(LIMIT))
                .as("the naive call lets jobs start beside the runs it did not count")
                .isPositive();

        created.assertRan();
        assertThat(created.runningBefore).isGreaterThan(LIMIT);
        assertThat(created.overshootingStarts(LIMIT)).isZero();
        assertThat(created.startsAfter())
                .as("the key went on once the excess drained")
                .isPositive();
        assertThat(created.excessAtReturn)
                .as("the runs above the limit at return were counted")
                .isPositive();
        lowered.assertRan();
        assertThat(lowered.runningBefore).isGreaterThan(2);
        assertThat(lowered.overshootingStarts(2)).isZero();
        assertThat(lowered.startsAfter()).isPositive();
        for (String key : List.of("set-jobfleet", "lower-jobfleet")) {
            assertThat(limits.find(key).orElseThrow().taken())
                    .as("every slot of %s came back", key)
                    .isZero();
        }
    }

    /** What one race measured. */
    private record Phase(
            String key,
            long runningBefore,
            long callMillis,
            long excessAtReturn,
            OffsetDateTime returnedAt,
            long peakAfter,
            long claimed,
            int claimersDone) {

        void assertRan() {
            assertThat(claimersDone)
                    .as("every claimer of %s ran to the end", key)
                    .isEqualTo(CLAIMERS);
            assertThat(claimed).as("jobs of %s ran", key).isGreaterThan(CLAIMERS);
        }

        long startsAfter() {
            return G4LimitChangeIT.startsAfter(key, returnedAt);
        }

        /** Executions that started after the call returned while {@code limit} or more others were in progress. */
        long overshootingStarts(int limit) {
            return jdbc.sql("""
                            SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                            WHERE ja.concurrency_key = ? AND a.started_at > ?
                              AND (SELECT count(*) FROM demo_execution b JOIN jobs jb ON jb.id = b.job_id
                                   WHERE jb.concurrency_key = ja.concurrency_key AND b.started_at <= a.started_at
                                     AND (b.finished_at IS NULL OR b.finished_at > a.started_at)) > ?""")
                    .params(key, returnedAt, limit)
                    .query(Long.class)
                    .single();
        }
    }

    /**
     * Claimers run jobs of {@code key} until {@code running} of them run at once, then {@code
     * limitCall} is made while they go on claiming, and they stop once {@value #STARTS_AFTER} jobs
     * of the key started after the call returned.
     */
    private static Phase race(String type, String key, int running, Consumer<String> limitCall) throws Exception {
        List<JobEvent> events = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            events.add(new JobEvent(
                    JobIds.next(), type, JobCodec.mapper().createObjectNode(), null, null, null, key, null));
        }
        repository.insertMissing(events, "test");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong claimed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS);
        List<Future<?>> claimers = new ArrayList<>();
        long runningBefore;
        long callMillis;
        OffsetDateTime returnedAt;
        long excess;
        long peak;
        try (Sampler sampler = new Sampler(key, () -> limits.running(key))) {
            for (int c = 0; c < CLAIMERS; c++) {
                String owner = key + "-" + c;
                claimers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        for (Claim claim : repository.claimDue(Set.of(type), 1, owner, LEASE)) {
                            claimed.incrementAndGet();
                            work(claim, owner);
                        }
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> limits.running(key) >= running);
            runningBefore = limits.running(key);
            long started = System.nanoTime();
            limitCall.accept(key);
            callMillis = (System.nanoTime() - started) / 1_000_000;
            returnedAt = jdbc.sql("SELECT clock_timestamp()")
                    .query(OffsetDateTime.class)
                    .single();
            excess = limits.find(key).map(ConcurrencyLimits.Limit::excess).orElse(0L);
            long before = sampler.samples();
            OffsetDateTime after = returnedAt;
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> startsAfter(key, after) >= STARTS_AFTER);
            assertThat(sampler.samples()).as("the sampler ran").isGreaterThan(before);
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        int done = 0;
        for (Future<?> f : claimers) {
            f.get();
            done++;
        }
        peak = jdbc.sql("""
                        SELECT coalesce(max((SELECT count(*) FROM demo_execution b JOIN jobs jb ON jb.id = b.job_id
                                             WHERE jb.concurrency_key = ja.concurrency_key AND b.started_at <= a.started_at
                                               AND (b.finished_at IS NULL OR b.finished_at > a.started_at))), 0)
                        FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        WHERE ja.concurrency_key = ? AND a.started_at > ?""").params(key, returnedAt).query(Long.class).single();
        return new Phase(key, runningBefore, callMillis, excess, returnedAt, peak, claimed.get(), done);
    }

    /** Executions of the key's jobs that started after {@code instant}. */
    private static long startsAfter(String key, OffsetDateTime instant) {
        return jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        WHERE ja.concurrency_key = ? AND a.started_at > ?""").params(key, instant).query(Long.class).single();
    }

    /**
     * The handler's work: an audited execution of 100 to 1,000 ms, then the outcome. The spread
     * matters for the control: with one fixed length, the runs the naive call did not count all
     * end before the first slotted run ends, and the claimers that take the free slots the instant
     * the call commits may do so before the test reads the clock. With lengths spread, uncounted
     * runs are still in progress when later slotted runs start.
     */
    private static void work(Claim claim, String owner) {
        long execution = repository.startExecution(claim.jobId(), owner, claim.token(), 1);
        double seconds = 0.1 + (Math.floorMod(claim.jobId().hashCode(), 10)) * 0.1;
        jdbc.sql("SELECT pg_sleep(?)").param(seconds).query().singleValue();
        repository.endExecution(execution);
        repository.finish(List.of(RunOutcome.succeeded(claim.jobId(), claim.token())), owner);
    }

    /**
     * The limit call as it was before version 4: the limit row and n free slots, whatever runs
     * (here also the limit on the key's gate, so that today's claim sees it at all), committed
     * without waiting for the claims in flight.
     */
    private static void naiveSet(String key, int limit) {
        new TransactionTemplate(new DataSourceTransactionManager(db.dataSource())).executeWithoutResult(status -> {
            jdbc.sql("INSERT INTO concurrency_limit (key, max_running) VALUES (?, ?)")
                    .params(key, limit)
                    .update();
            jdbc.sql("INSERT INTO concurrency_slot (key, slot) SELECT ?, generate_series(1, ?)")
                    .params(key, limit)
                    .update();
            jdbc.sql("UPDATE concurrency_key SET max_running = ?, generation = generation + 1 WHERE key = ?")
                    .params(limit, key)
                    .update();
        });
    }
}
