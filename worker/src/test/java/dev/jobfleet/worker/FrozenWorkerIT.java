package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.ConcurrencyLimits;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.LogEntry;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import dev.jobfleet.worker.api.LeaseLostException;
import dev.jobfleet.worker.run.WorkerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Issue 3, the frozen worker: worker A claims two jobs whose handler blocks, then freezes (its
 * heartbeat stops, as in a paused pod), so its leases expire; the reaper rescues both jobs and
 * worker B runs them, holding the limit-1 concurrency slot of each job's key. When A wakes up,
 * nothing it does under its old tokens changes a row: its handler's metadata, counter and log
 * writes are refused, its outcome is not written, and its late finish, lease extension and
 * release move nothing, so B keeps its slot and a third job of the key waits for B. The job ends
 * with B's outcome (CANCELLED), and its history shows one rescue and B's claim.
 *
 * <p>Negative control, on the second job of the same scenario: A's finish written the naive way,
 * guarded by {@code state = 'RUNNING'} without the token, changes 1 row: it overwrites B's run
 * while B still runs it and frees B's slot (the next job of that limit-1 key then runs next to B's,
 * or just after B's heartbeat finds the lease gone and interrupts it: printed, a race of a heartbeat).
 */
class FrozenWorkerIT {
    private static final String TYPE = "frozen.job";
    private static final String KEY = "frozen-key";
    private static final String NAIVE_KEY = "frozen-naive-key";
    private static final Map<String, String> SETTINGS = Map.of(
            "jobfleet.worker.lease", "2s",
            "jobfleet.worker.reaper-interval", "300ms",
            "jobfleet.worker.poll-interval", "100ms",
            "spring.datasource.hikari.maximum-pool-size", "4");

    private TestDatabase db;
    private JobRepository jobs;
    private ConcurrencyLimits limits;
    private JdbcClient jdbc;
    private TestBroker kafka;
    private ConfigurableApplicationContext a;
    private ConfigurableApplicationContext b;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(4);
        jobs = new JobRepository(db.dataSource());
        limits = new ConcurrencyLimits(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
        kafka = TestBroker.start();
    }

    @AfterEach
    void tearDown() {
        for (ConfigurableApplicationContext worker : new ConfigurableApplicationContext[] {a, b}) {
            if (worker != null) {
                worker.close();
            }
        }
        kafka.close();
        db.close();
    }

    @Test
    void aFrozenWorkerThatWakesUpChangesNothing() throws Exception {
        limits.set(KEY, 1);
        limits.set(NAIVE_KEY, 1);
        UUID job = submit(KEY, true);
        UUID copy = submit(NAIVE_KEY, true);

        LatchedHandler onA = new LatchedHandler("worker-a");
        a = WorkerApp.start("worker-a", db, kafka, with("jobfleet.worker.concurrency", "2"), List.of(onA));
        assertThat(onA.started.await(90, TimeUnit.SECONDS)).isTrue();
        UUID tokenA = onA.contexts.get(job).claimToken();
        a.getBean(WorkerEngine.class).heartbeat().stop(); // A freezes: nothing extends its leases any more
        long frozen = System.nanoTime();

        LatchedHandler onB = new LatchedHandler("worker-b");
        b = WorkerApp.start("worker-b", db, kafka, with("jobfleet.worker.concurrency", "4"), List.of(onB));
        assertThat(onB.started.await(90, TimeUnit.SECONDS)).isTrue();
        long rescuedAndRunMillis = (System.nanoTime() - frozen) / 1_000_000;
        UUID tokenB = onB.contexts.get(job).claimToken();
        UUID third = submit(KEY, false);
        UUID naiveThird = submit(NAIVE_KEY, false);

        // negative control: A's finish without the token, on the copy of the scenario. Its precondition: B
        // runs the copy too (B's start above may be the other job's; until B claims the copy, the unfenced
        // finish would overwrite A's expired run instead, and the key's third job would run alone)
        await("B runs the copy").atMost(Duration.ofSeconds(60)).until(() -> onB.contexts.containsKey(copy));
        int naiveRows = jdbc.sql("""
                        UPDATE jobs SET state = 'SUCCEEDED', finished_at = now(), lease_owner = NULL,
                                        lease_expires_at = NULL
                        WHERE id = ? AND state = 'RUNNING'""").param(copy).update();
        awaitState(naiveThird, JobState.SUCCEEDED);
        // printed, not asserted: whether the key's third job starts before B's heartbeat finds the copy's lease
        // gone and interrupts B's run is a race (both happen within a heartbeat); either way B's run was taken
        boolean bStillRanTheCopy = onB.running(NAIVE_KEY) > 0;
        int naivePeak = onB.peak(NAIVE_KEY);

        // jobfleet: while B holds the slot, the third job of the key is not claimed
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> state(third) == JobState.PENDING);

        // A wakes up
        onA.release.countDown();
        assertThat(onA.finished.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(a.getBean(WorkerEngine.class).awaitIdle(Duration.ofSeconds(10)))
                .as("A tried to write its outcomes")
                .isTrue();
        int historyBefore = jobs.history(job).size();
        int lateRows = lateWritesUnder(job, tokenA);
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> state(third) == JobState.PENDING);

        JobRow held = jobs.find(job).orElseThrow();
        assertThat(held.state()).isEqualTo(JobState.RUNNING);
        assertThat(held.claimToken()).isEqualTo(tokenB);
        assertThat(held.leaseOwner()).isEqualTo("worker-b");
        assertThat(jobs.history(job)).as("no late transition").hasSize(historyBefore);
        assertThat(held.metadata()).isEqualTo(JobCodec.mapper().readTree("{\"runBy\": \"worker-b\"}"));
        assertThat(held.counters().has(JobContext.PROGRESS)).isFalse();
        assertThat(jobs.logs(job))
                .as("each run's log entry from while it held the job, none from A's late run")
                .extracting(LogEntry::claimToken)
                .containsExactly(tokenA, tokenB);
        assertThat(limits.find(KEY).orElseThrow().taken()).isEqualTo(1);
        assertThat(slotHolder(KEY)).isEqualTo(Map.entry(job, tokenB));
        assertThat(onA.refusedWrites.get()).as("3 writes per job, all refused").isEqualTo(6);
        assertThat(onA.sawLeaseLost.get()).isEqualTo(2);
        assertThat(a.getBean(MeterRegistry.class)
                        .get("jobfleet.jobs.lease.lost")
                        .counter()
                        .count())
                .isEqualTo(2);

        // B finishes with its own outcome; only then does the third job of the key run
        onB.release.countDown();
        JobRow done = awaitState(job, JobState.CANCELLED);
        awaitState(third, JobState.SUCCEEDED);
        List<HistoryEntry> history = jobs.history(job);
        assertThat(history)
                .extracting(HistoryEntry::from, HistoryEntry::to)
                .containsExactly(
                        tuple(null, JobState.PENDING),
                        tuple(JobState.PENDING, JobState.RUNNING),
                        tuple(JobState.RUNNING, JobState.RETRY_SCHEDULED),
                        tuple(JobState.RETRY_SCHEDULED, JobState.PENDING),
                        tuple(JobState.PENDING, JobState.RUNNING),
                        tuple(JobState.RUNNING, JobState.CANCELLED));
        assertThat(history.get(1).claimToken()).isEqualTo(tokenA);
        assertThat(history.get(1).actor()).isEqualTo("worker-a");
        assertThat(history.get(2).detail()).startsWith("lease expired, held by worker-a");
        assertThat(history.get(4).claimToken()).isEqualTo(tokenB);
        assertThat(history.get(4).actor()).isEqualTo("worker-b");
        assertThat(history.get(5).claimToken()).isEqualTo(tokenB);
        assertThat(done.rescueCount()).isEqualTo(1);
        assertThat(done.attempts()).isEqualTo(2);
        HistoryEntry thirdClaim = jobs.history(third).stream()
                .filter(h -> h.to() == JobState.RUNNING)
                .findFirst()
                .orElseThrow();
        assertThat(thirdClaim.at())
                .as("the third job ran after B's run")
                .isAfterOrEqualTo(history.get(5).at());
        assertThat(onB.peak(KEY)).isEqualTo(1);
        assertThat(limits.find(KEY).orElseThrow().taken()).isZero();

        JobRow overwritten = jobs.find(copy).orElseThrow();
        System.out.printf(
                "frozen worker: A froze, the job was rescued and running on B %d ms later; A's late writes changed"
                        + " %d rows and its handler's 6 writes were refused; the job ended %s (B's outcome), the third job"
                        + " of the key ran after it, peak running of the limit-1 key %d. Naive unfenced finish by A"
                        + " changed %d row: the copy ended %s (A's outcome) while B ran it, peak running of its limit-1"
                        + " key on B %d (B still in its run when the key's next job had ended: %s)%n",
                rescuedAndRunMillis,
                lateRows,
                done.state(),
                onB.peak(KEY),
                naiveRows,
                overwritten.state(),
                naivePeak,
                bStillRanTheCopy);
        assertThat(naiveRows).as("the unfenced finish overwrites B's run").isEqualTo(1);
        assertThat(overwritten.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(onB.contexts)
                .as("control precondition: B was running the copy")
                .containsKey(copy);
        assertThat(lateRows).isZero();
    }

    /** Every write A could still make for {@code job} under its old token; returns the rows they changed. */
    private int lateWritesUnder(UUID job, UUID tokenA) {
        var patch = JobCodec.mapper().createObjectNode().put("late", "worker-a");
        int rows = jobs.finish(List.of(RunOutcome.succeeded(job, tokenA)), "worker-a")
                .size();
        rows += jobs.extendLeases(Map.of(job, tokenA), Duration.ofMinutes(1)).size();
        rows += jobs.release(Map.of(job, tokenA), "worker-a").size();
        rows += jobs.mergeMetadata(job, tokenA, patch) ? 1 : 0;
        rows += jobs.incrementCounter(job, tokenA, JobContext.PROGRESS, 1).isPresent() ? 1 : 0;
        rows += jobs.appendLog(job, tokenA, patch) ? 1 : 0;
        return rows;
    }

    private UUID submit(String key, boolean block) {
        String payload = "{\"key\": \"" + key + "\", \"block\": " + block + "}";
        JobEvent event =
                new JobEvent(JobIds.next(), TYPE, JobCodec.mapper().readTree(payload), null, null, 5, key, null);
        return jobs.submit(event, "test").job().id();
    }

    private Map.Entry<UUID, UUID> slotHolder(String key) {
        return jdbc.sql("SELECT job_id, claim_token FROM concurrency_slot WHERE key = ? AND job_id IS NOT NULL")
                .param(key)
                .query((rs, n) -> Map.entry(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                .single();
    }

    private JobState state(UUID id) {
        return jobs.find(id).orElseThrow().state();
    }

    private JobRow awaitState(UUID id, JobState state) {
        return await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> jobs.find(id).orElseThrow(), j -> j.state() == state);
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
        settings.put(key, value);
        return settings;
    }

    /**
     * {@code frozen.job}: a job with {@code "block": true} writes that this worker runs it, then
     * waits for {@link #release}; once released it tries to write again (refused when the run lost
     * its job) and returns {@code cancel}. Other jobs complete at once. Counts the runs of each
     * concurrency key ({@code "key"} in the payload) that are in the handler at the same time.
     */
    private static final class LatchedHandler implements JobHandler {
        final String worker;
        final CountDownLatch started = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch finished = new CountDownLatch(2);
        final Map<UUID, JobContext> contexts = new ConcurrentHashMap<>();
        final AtomicInteger refusedWrites = new AtomicInteger();
        final AtomicInteger sawLeaseLost = new AtomicInteger();
        private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> peaks = new ConcurrentHashMap<>();

        LatchedHandler(String worker) {
            this.worker = worker;
        }

        @Override
        public String type() {
            return TYPE;
        }

        int peak(String key) {
            return peaks.getOrDefault(key, new AtomicInteger()).get();
        }

        /** Runs of {@code key} in this handler right now. */
        int running(String key) {
            return running.getOrDefault(key, new AtomicInteger()).get();
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            String key = context.payload().get("key").asString();
            int now = running.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            peaks.computeIfAbsent(key, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            try {
                if (!context.payload().get("block").asBoolean()) {
                    return Outcome.completed();
                }
                contexts.put(context.jobId(), context);
                context.mergeMetadata(Map.of("runBy", worker));
                context.appendLog(Map.of("runBy", worker));
                started.countDown();
                release.await();
                tryWrite(() -> context.mergeMetadata(Map.of("late", worker)));
                tryWrite(() -> context.incrementProgress(1));
                tryWrite(() -> context.appendLog(Map.of("late", worker)));
                if (context.leaseLost()) {
                    sawLeaseLost.incrementAndGet();
                }
                finished.countDown();
                return Outcome.cancel("cancelled by " + worker);
            } finally {
                running.get(key).decrementAndGet();
            }
        }

        private void tryWrite(Runnable write) {
            try {
                write.run();
            } catch (LeaseLostException e) {
                refusedWrites.incrementAndGet();
            }
        }
    }
}
