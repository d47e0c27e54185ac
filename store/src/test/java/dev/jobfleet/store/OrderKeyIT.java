package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Per-key ordering: jobs of one order key run one at a time, in submission order, while keys run
 * in parallel, also while they are being submitted from many threads, and across re-drive, retry
 * and cancel.
 *
 * <p>Submission: 16 threads submit {@value #KEYS} keys x {@value #PER_KEY} jobs while 16 claimers
 * run them. The negative control gives each job the key's next number the way hand-rolled code
 * does ({@code SELECT max(order_seq) + 1}, then insert) and runs it with the same claim: two
 * submitters read the same maximum, two jobs of a key share a number, and both run at once.
 *
 * <p>Re-drive, retry and cancel: jobs that die once and are re-driven by a racing thread, jobs that
 * retry once (promoted by a racing thread), and jobs cancelled by a racing thread, run by 16
 * claimers. The negative control re-drives the way version 2 did, keeping the job's number: the
 * re-driven job is the head of its key again while a later job of the key runs, and both run.
 */
class OrderKeyIT {
    private static final int THREADS = 16;
    private static final int KEYS = 4;
    private static final int PER_KEY = 50;
    private static final Duration LEASE = Duration.ofMinutes(5);

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(2 * THREADS + 6);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void jobsOfOneKeySubmittedFromManyThreadsRunOneAtATimeInSubmissionOrder() throws Exception {
        Race naive = submitAndRun("order.naive", OrderKeyIT::naiveSubmit);
        Race ordered = submitAndRun(
                "order.job",
                (event) -> repository.submit(
                        event,
                        new JobOptions(null, null, event.payload().get("key").asString(), null, null),
                        "test"));
        long naiveSharedNumbers = sharedNumbers("order.naive");
        long parallelKeys = jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        JOIN demo_execution b ON b.id <> a.id JOIN jobs jb ON jb.id = b.job_id
                        WHERE ja.type = 'order.job' AND jb.type = 'order.job' AND ja.order_key <> jb.order_key
                          AND a.started_at < b.finished_at AND b.started_at < a.finished_at""").query(Long.class).single();

        System.out.printf(
                "order keys, %d submitting threads racing %d claimers over %d keys x %d jobs: naive max+1 numbering"
                        + " gave %d jobs a shared number, %d overlapping pairs, %d out of order; jobfleet %d shared,"
                        + " %d overlapping, %d out of submission order, %d out of number order (%d overlapping pairs"
                        + " across keys)%n",
                THREADS,
                THREADS,
                KEYS,
                PER_KEY,
                naiveSharedNumbers,
                naive.overlaps,
                naive.outOfSubmissionOrder,
                sharedNumbers("order.job"),
                ordered.overlaps,
                ordered.outOfSubmissionOrder,
                outOfNumberOrder("order.job"),
                parallelKeys);
        naive.assertRan();
        assertThat(naive.overlaps + naive.outOfSubmissionOrder)
                .as("the naive numbering must run jobs of a key together or out of order")
                .isPositive();
        ordered.assertRan();
        assertThat(sharedNumbers("order.job")).isZero();
        assertThat(ordered.overlaps).isZero();
        assertThat(ordered.outOfSubmissionOrder).isZero();
        assertThat(outOfNumberOrder("order.job")).isZero();
        assertThat(parallelKeys).as("different keys still run in parallel").isPositive();
    }

    @Test
    void orderHoldsAcrossRedriveRetryAndCancel() throws Exception {
        Lifecycle naive = runWithFailures("order.redrive.naive", OrderKeyIT::naiveRedrive);
        Lifecycle ordered = runWithFailures(
                "order.redrive.job", id -> repository.redrive(id, "redriver") == JobRepository.RedriveResult.REDRIVEN);

        System.out.printf(
                "order keys across re-drive, retry and cancel: %d claimers + re-driver + promoter + canceller,"
                        + " %d keys x %d jobs; naive re-drive (keeps its number): %d re-drives, %d retries,"
                        + " %d cancels, %d overlapping pairs, %d out of order; jobfleet: %d re-drives, %d retries,"
                        + " %d cancels, %d overlapping pairs, %d out of order%n",
                THREADS,
                KEYS,
                PER_KEY,
                naive.redriven,
                naive.retried,
                naive.cancelled,
                naive.overlaps,
                naive.outOfOrder,
                ordered.redriven,
                ordered.retried,
                ordered.cancelled,
                ordered.overlaps,
                ordered.outOfOrder);
        naive.assertRan();
        assertThat(naive.overlaps)
                .as("a job re-driven with its old number must run beside a later job of its key")
                .isPositive();
        ordered.assertRan();
        assertThat(ordered.overlaps).isZero();
        assertThat(ordered.outOfOrder).isZero();
    }

    // ---- submission from many threads ----------------------------------------------------------

    private record Race(String type, int submittersDone, int claimersDone, long overlaps, long outOfSubmissionOrder) {
        void assertRan() {
            assertThat(submittersDone)
                    .as("every submitter of %s ran to the end", type)
                    .isEqualTo(THREADS);
            assertThat(claimersDone)
                    .as("every claimer of %s ran to the end", type)
                    .isEqualTo(THREADS);
            assertThat(count(type, JobState.SUCCEEDED))
                    .as("every job of %s was submitted and ran", type)
                    .isEqualTo(KEYS * PER_KEY);
        }
    }

    /**
     * Submitter t submits jobs (key k, thread t, i) for its share, one after another, while the
     * claimers run them; the claimers stop once every job is submitted and none is left.
     */
    private static Race submitAndRun(String type, Consumer<JobEvent> submit) throws Exception {
        AtomicBoolean submitted = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS);
        try {
            List<Future<?>> claimers = new ArrayList<>();
            for (int c = 0; c < THREADS; c++) {
                String owner = type + "-" + c;
                claimers.add(pool.submit(() -> {
                    while (!submitted.get() || count(type, JobState.PENDING) + count(type, JobState.RUNNING) > 0) {
                        for (Claim claim : repository.claimDue(Set.of(type), 1, owner, LEASE)) {
                            run(claim, owner, RunOutcome.succeeded(claim.jobId(), claim.token()));
                        }
                    }
                    return null;
                }));
            }
            List<Future<?>> submitters = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                submitters.add(pool.submit(() -> {
                    for (int n = thread; n < KEYS * PER_KEY; n += THREADS) {
                        submit.accept(event(type, "account-" + n % KEYS, thread, n));
                    }
                    return null;
                }));
            }
            int submittersDone = awaitAll(submitters);
            submitted.set(true);
            int claimersDone = awaitAll(claimers);
            return new Race(type, submittersDone, claimersDone, overlaps(type), outOfSubmissionOrder(type));
        } finally {
            pool.shutdownNow();
        }
    }

    private static JobEvent event(String type, String key, int thread, int n) {
        return new JobEvent(
                JobIds.next(),
                type,
                JobCodec.mapper()
                        .createObjectNode()
                        .put("key", key)
                        .put("thread", thread)
                        .put("n", n),
                null,
                null,
                null,
                null,
                null);
    }

    /** Hand-rolled ordering: the key's highest number plus one, read, then inserted. */
    private static void naiveSubmit(JobEvent event) {
        String key = event.payload().get("key").asString() + "/" + event.type();
        long next = jdbc.sql("SELECT coalesce(max(order_seq), 0) + 1 FROM jobs WHERE order_key = ?")
                .param(key)
                .query(Long.class)
                .single();
        jdbc.sql("INSERT INTO jobs (id, type, payload, order_key, order_seq) VALUES (?, ?, CAST(? AS jsonb), ?, ?)")
                .params(event.id(), event.type(), JobCodec.mapper().writeValueAsString(event.payload()), key, next)
                .update();
    }

    /** Jobs of one key with the same number. */
    private static long sharedNumbers(String type) {
        return jdbc.sql("""
                        SELECT coalesce(sum(n - 1), 0) FROM (
                            SELECT count(*) AS n FROM jobs WHERE type = ? GROUP BY order_key, order_seq) x""").param(type).query(Long.class).single();
    }

    /** Pairs of one submitting thread and key where the job it submitted later started first. */
    private static long outOfSubmissionOrder(String type) {
        return jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        JOIN demo_execution b ON b.id <> a.id JOIN jobs jb ON jb.id = b.job_id
                        WHERE ja.type = ? AND jb.type = ja.type AND ja.order_key = jb.order_key
                          AND ja.payload ->> 'thread' = jb.payload ->> 'thread'
                          AND CAST(ja.payload ->> 'n' AS int) < CAST(jb.payload ->> 'n' AS int)
                          AND b.started_at < a.started_at""").param(type).query(Long.class).single();
    }

    /** Pairs of one key where the job with the larger number started first. */
    private static long outOfNumberOrder(String type) {
        return jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        JOIN demo_execution b ON b.id <> a.id JOIN jobs jb ON jb.id = b.job_id
                        WHERE ja.type = ? AND jb.type = ja.type AND ja.order_key = jb.order_key
                          AND ja.order_seq < jb.order_seq AND b.started_at < a.started_at""").param(type).query(Long.class).single();
    }

    // ---- re-drive, retry and cancel ------------------------------------------------------------

    private record Lifecycle(
            String type,
            int threadsDone,
            long redriven,
            long retried,
            long cancelled,
            long succeeded,
            long overlaps,
            long outOfOrder) {
        void assertRan() {
            assertThat(threadsDone)
                    .as("every thread of %s ran to the end", type)
                    .isEqualTo(THREADS + 3);
            assertThat(redriven).as("jobs of %s died and were re-driven", type).isGreaterThanOrEqualTo(KEYS);
            assertThat(retried).as("jobs of %s retried", type).isGreaterThanOrEqualTo(KEYS);
            assertThat(cancelled).as("jobs of %s were cancelled", type).isPositive();
            assertThat(succeeded + cancelled).as("every job of %s ended", type).isEqualTo(KEYS * PER_KEY);
        }
    }

    /**
     * Jobs of {@code KEYS} order keys, submitted in order: every 5th dies on its first run, every
     * 7th retries once, every 11th is a cancel target. 16 claimers run them while a re-driver
     * re-drives the dead ones with {@code redrive}, a promoter promotes due retries and a canceller
     * cancels the targets it finds waiting.
     */
    private static Lifecycle runWithFailures(String type, Predicate<UUID> redrive) throws Exception {
        List<UUID> cancelTargets = new ArrayList<>();
        for (int i = 0; i < PER_KEY; i++) {
            for (int k = 0; k < KEYS; k++) {
                String mode = i % 5 == 1 ? "die" : i % 7 == 2 ? "retry" : i % 11 == 3 ? "cancel" : "ok";
                JobEvent event = new JobEvent(
                        JobIds.next(),
                        type,
                        JobCodec.mapper().createObjectNode().put("mode", mode),
                        null,
                        null,
                        null,
                        null,
                        null);
                repository.submit(event, new JobOptions(null, null, type + "-" + k, null, null), "test");
                if (mode.equals("cancel")) {
                    cancelTargets.add(event.id());
                }
            }
        }
        Set<UUID> failedOnce = ConcurrentHashMap.newKeySet();
        AtomicLong redriven = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        AtomicLong cancelled = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 3);
        List<Future<?>> threads = new ArrayList<>();
        try {
            for (int c = 0; c < THREADS; c++) {
                String owner = type + "-" + c;
                threads.add(pool.submit(() -> {
                    while (!stop.get()) {
                        for (Claim claim : repository.claimDue(Set.of(type), 1, owner, LEASE)) {
                            run(claim, owner, outcome(claim, failedOnce, retried));
                        }
                    }
                    return null;
                }));
            }
            threads.add(pool.submit(() -> {
                while (!stop.get()) {
                    for (UUID dead : ids(type, JobState.DEAD)) {
                        try {
                            if (redrive.test(dead)) {
                                redriven.incrementAndGet();
                            }
                        } catch (DataAccessException e) {
                            if (!JobRepository.isLockNotAvailable(e)) {
                                throw e;
                            }
                        }
                    }
                }
                return null;
            }));
            threads.add(pool.submit(() -> {
                while (!stop.get()) {
                    repository.promoteDueRetries(100, "promoter");
                }
                return null;
            }));
            threads.add(pool.submit(() -> {
                List<UUID> left = new ArrayList<>(cancelTargets);
                while (!stop.get()) {
                    for (UUID id : List.copyOf(left)) {
                        JobRepository.CancelResult result = repository.cancel(id, "canceller", "not needed");
                        if (result == JobRepository.CancelResult.CANCELLED) {
                            cancelled.incrementAndGet();
                        }
                        if (result != JobRepository.CancelResult.BUSY) {
                            left.remove(id);
                        }
                    }
                }
                return null;
            }));
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> count(type, JobState.SUCCEEDED) + count(type, JobState.CANCELLED) == KEYS * PER_KEY);
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        int done = awaitAll(threads);
        long outOfOrder = jdbc.sql("""
                        WITH last_run AS (
                            SELECT j.id, j.order_key, j.order_seq, max(e.started_at) AS started_at
                            FROM jobs j JOIN demo_execution e ON e.job_id = j.id
                            WHERE j.type = ? AND j.state = 'SUCCEEDED' GROUP BY j.id)
                        SELECT count(*) FROM last_run a JOIN last_run b ON a.order_key = b.order_key
                        WHERE a.order_seq < b.order_seq AND b.started_at < a.started_at""").param(type).query(Long.class).single();
        return new Lifecycle(
                type,
                done,
                redriven.get(),
                retried.get(),
                cancelled.get(),
                count(type, JobState.SUCCEEDED),
                overlaps(type),
                outOfOrder);
    }

    private static RunOutcome outcome(Claim claim, Set<UUID> failedOnce, AtomicLong retried) {
        String mode = claim.job().payload().get("mode").asString();
        if (mode.equals("die") && failedOnce.add(claim.jobId())) {
            return RunOutcome.dead(
                    claim.jobId(), claim.token(), AttemptError.of(claim.job().attempts(), "dies once"));
        }
        if (mode.equals("retry") && failedOnce.add(claim.jobId())) {
            retried.incrementAndGet();
            return RunOutcome.retry(
                    claim.jobId(),
                    claim.token(),
                    Duration.ZERO,
                    AttemptError.of(claim.job().attempts(), "once more"));
        }
        return RunOutcome.succeeded(claim.jobId(), claim.token());
    }

    /** Re-drive as version 2 did: back to PENDING with the job's old number. */
    private static boolean naiveRedrive(UUID id) {
        return jdbc.sql("""
                        UPDATE jobs SET state = 'PENDING', attempts = 0, run_at = now(), finished_at = NULL
                        WHERE id = ? AND state = 'DEAD'""").param(id).update() == 1;
    }

    // ---- shared --------------------------------------------------------------------------------

    /** The handler's work: an audited execution of a few milliseconds, then its outcome. */
    private static void run(Claim claim, String owner, RunOutcome outcome) {
        long execution = repository.startExecution(
                claim.jobId(), owner, claim.token(), claim.job().attempts());
        jdbc.sql("SELECT pg_sleep(0.01)").query().singleValue();
        repository.endExecution(execution);
        repository.finish(List.of(outcome), owner);
    }

    /** Pairs of executions of one key whose time spans overlap. */
    private static long overlaps(String type) {
        return jdbc.sql("""
                        SELECT count(*) FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                        JOIN demo_execution b ON b.id > a.id JOIN jobs jb ON jb.id = b.job_id
                        WHERE ja.type = ? AND jb.type = ja.type AND ja.order_key = jb.order_key
                          AND a.started_at < b.finished_at AND b.started_at < a.finished_at""").param(type).query(Long.class).single();
    }

    private static long count(String type, JobState state) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE type = ? AND state = CAST(? AS job_state)")
                .params(type, state.name())
                .query(Long.class)
                .single();
    }

    private static List<UUID> ids(String type, JobState state) {
        return jdbc.sql("SELECT id FROM jobs WHERE type = ? AND state = CAST(? AS job_state) ORDER BY id")
                .params(type, state.name())
                .query(UUID.class)
                .list();
    }

    private static int awaitAll(List<Future<?>> futures) throws Exception {
        int done = 0;
        for (Future<?> f : futures) {
            f.get(3, TimeUnit.MINUTES);
            done++;
        }
        return done;
    }
}
