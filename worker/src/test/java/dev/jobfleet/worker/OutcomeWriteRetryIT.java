package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Outcome writes survive the database: while two workers finish 400 jobs, every backend of theirs
 * is terminated five times a second for four seconds. Failed outcome writes are retried (the run
 * keeps its lease meanwhile): every job ends with one execution and one outcome, none re-run.
 *
 * <p>Negative control, at the same time and under the same kills: a naive worker that gives up on
 * a failed outcome write; the reaper later takes those jobs back and they run a second time. While the
 * kills go on, its own backends are terminated between its work and its outcome write, so each of
 * its writes meets the fault: left to the kill loop's rhythm, its claims took the kills on quiet
 * machines and its writes none, and the control could not fail.
 */
class OutcomeWriteRetryIT {
    private static final String TYPE = "test.counted";
    private static final String NAIVE_TYPE = "naive.counted";
    private static final String APP = "jobfleet-worker-under-fire";
    private static final String NAIVE_APP = "naive-worker-under-fire";
    private static final int JOBS = 400;
    private static final int NAIVE_JOBS = 100;

    @Test
    void everyOutcomeIsWrittenOnceThoughTheWorkersBackendsAreKilled() throws Exception {
        Counted handler = new Counted(TYPE);
        try (TestDatabase db = TestDatabase.create(6);
                TestBroker kafka = TestBroker.start()) {
            Map<String, String> settings = Map.of(
                    "spring.datasource.hikari.data-source-properties.ApplicationName", APP,
                    "jobfleet.worker.concurrency", "16",
                    "jobfleet.worker.lease", "6s",
                    "jobfleet.worker.poll-interval", "100ms",
                    "jobfleet.worker.reaper-interval", "300ms",
                    "jobfleet.worker.retry-promoter-interval", "200ms",
                    "jobfleet.worker.backoff.base", "100ms",
                    "jobfleet.worker.backoff.max", "200ms");
            try (ConfigurableApplicationContext a = WorkerApp.start("fire-a", db, kafka, settings, List.of(handler));
                    ConfigurableApplicationContext b =
                            WorkerApp.start("fire-b", db, kafka, settings, List.of(handler));
                    HikariDataSource naivePool = naivePool(db)) {
                JobRepository jobs = new JobRepository(db.dataSource());
                JdbcClient jdbc = JdbcClient.create(db.dataSource());
                List<UUID> ids = submit(jobs, TYPE, JOBS);
                List<UUID> naiveIds = submit(jobs, NAIVE_TYPE, NAIVE_JOBS);
                NaiveWorker naive = new NaiveWorker(
                        new JobRepository(naivePool),
                        () -> jdbc.sql("""
                                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                                WHERE datname = current_database() AND application_name = ?""").param(NAIVE_APP).query(Long.class).single());

                AtomicLong terminated = new AtomicLong();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                int rounds = 0;
                while (System.nanoTime() < until) {
                    terminated.addAndGet(
                            jdbc.sql("""
                                    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                                    WHERE datname = current_database() AND application_name = ?
                                      AND pid <> pg_backend_pid()""").param(APP).query(Long.class).single());
                    rounds++;
                    if (rounds == 1) {
                        naive.underFire(true);
                        naive.start(); // it works while the kills go on, from the first round
                    }
                    TimeUnit.MILLISECONDS.sleep(200); // the fault's rhythm: five kills a second
                }
                naive.underFire(false); // the fault is over
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> succeeded(jdbc, ids) == JOBS && succeeded(jdbc, naiveIds) == NAIVE_JOBS);
                boolean naiveRanToTheEnd = naive.stop();

                double writeFailures = failures(a) + failures(b);
                long outcomes = jdbc.sql("SELECT count(*) FROM job_history WHERE from_state = 'RUNNING' AND to_state ="
                                + " 'SUCCEEDED' AND job_id = ANY (CAST(? AS uuid[]))")
                        .param(array(ids))
                        .query(Long.class)
                        .single();
                long reRun = ids.stream().filter(id -> handler.runs(id) > 1).count();
                long naiveReRun =
                        naiveIds.stream().filter(id -> naive.runs(id) > 1).count();
                System.out.printf(
                        "backends killed: %d terminations in %d rounds over 4 s; %.0f outcome writes failed and were"
                                + " retried; jobfleet %d of %d jobs SUCCEEDED, %d run twice, %d outcomes; naive worker"
                                + " claimed %d jobs during the kills, gave up on %d writes and %d of %d jobs ran twice%n",
                        terminated.get(),
                        rounds,
                        writeFailures,
                        succeeded(jdbc, ids),
                        JOBS,
                        reRun,
                        outcomes,
                        naive.claimedDuringKills.get(),
                        naive.gaveUp.get(),
                        naiveReRun,
                        NAIVE_JOBS);
                assertThat(terminated.get()).as("the fault was injected").isPositive();
                assertThat(naiveRanToTheEnd)
                        .as("control: the naive worker's thread ran to the end without failing")
                        .isTrue();
                assertThat(naive.claimedDuringKills.get())
                        .as("control: the naive worker claimed jobs while the kills went on")
                        .isPositive();
                assertThat(naive.killedBackends.get())
                        .as("control: its backends were terminated before its writes")
                        .isPositive();
                assertThat(naive.gaveUp.get())
                        .as("control: some of its writes failed")
                        .isPositive();
                assertThat(naiveReRun)
                        .as("control: a given-up write means a second run")
                        .isPositive();
                assertThat(writeFailures)
                        .as("jobfleet's writes failed too, and were retried")
                        .isPositive();
                assertThat(reRun).isZero();
                assertThat(ids).allSatisfy(id -> assertThat(handler.runs(id)).isEqualTo(1));
                assertThat(outcomes).isEqualTo(JOBS);
                for (UUID id : ids.subList(0, 50)) {
                    assertThat(jobs.history(id))
                            .extracting(HistoryEntry::to)
                            .containsExactly(JobState.PENDING, JobState.RUNNING, JobState.SUCCEEDED);
                }
            }
        }
    }

    private static double failures(ConfigurableApplicationContext worker) {
        return worker.getBean(MeterRegistry.class)
                .get("jobfleet.outcomes.write.failures")
                .counter()
                .count();
    }

    private static HikariDataSource naivePool(TestDatabase db) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setUsername(db.user());
        config.setMaximumPoolSize(2);
        config.addDataSourceProperty("ApplicationName", NAIVE_APP);
        return new HikariDataSource(config);
    }

    private static List<UUID> submit(JobRepository jobs, String type, int n) {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(jobs.submit(WorkerFlowIT.event(JobIds.next(), type, "{}", 10), "test")
                    .job()
                    .id());
        }
        return ids;
    }

    private static long succeeded(JdbcClient jdbc, List<UUID> ids) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'SUCCEEDED' AND id = ANY (CAST(? AS uuid[]))")
                .param(array(ids))
                .query(Long.class)
                .single();
    }

    private static String array(List<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.joining(",", "{", "}"));
    }

    /** Works 150 ms and counts its runs per job, in memory: the database under fire cannot lose them. */
    static final class Counted implements JobHandler {
        private final String type;
        private final Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();

        Counted(String type) {
            this.type = type;
        }

        int runs(UUID id) {
            return runs.getOrDefault(id, new AtomicInteger()).get();
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            runs.computeIfAbsent(context.jobId(), k -> new AtomicInteger()).incrementAndGet();
            TimeUnit.MILLISECONDS.sleep(150); // the work
            return Outcome.completed();
        }
    }

    /** Claims due jobs of its type, runs them, writes each outcome once and gives up if that fails. */
    static final class NaiveWorker {
        final AtomicInteger gaveUp = new AtomicInteger();
        final AtomicInteger claimedDuringKills = new AtomicInteger();
        final AtomicLong killedBackends = new AtomicLong();
        private final JobRepository jobs;
        private final Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        private volatile boolean running = true;
        private final Supplier<Long> killMyBackends;
        private volatile boolean underFire;
        private volatile Throwable failure;

        /** Whether the kills go on: while they do, its outcome writes meet a terminated backend. */
        void underFire(boolean on) {
            underFire = on;
        }

        private Thread thread;

        NaiveWorker(JobRepository jobs, Supplier<Long> killMyBackends) {
            this.jobs = jobs;
            this.killMyBackends = killMyBackends;
        }

        int runs(UUID id) {
            return runs.getOrDefault(id, new AtomicInteger()).get();
        }

        void start() {
            thread = Thread.ofPlatform()
                    .name("naive-worker")
                    .uncaughtExceptionHandler((t, e) -> failure = e)
                    .start(() -> {
                        while (running) {
                            List<Claim> claims = new ArrayList<>();
                            try {
                                claims.addAll(
                                        jobs.claimDue(Set.of(NAIVE_TYPE), 16, "naive-worker", Duration.ofSeconds(6)));
                                // rescued jobs are suspects, claimed one at a time
                                claims.addAll(
                                        jobs.claimSuspect(Set.of(NAIVE_TYPE), "naive-worker", Duration.ofSeconds(6)));
                            } catch (RuntimeException e) {
                                continue; // no claim this turn
                            }
                            if (claims.isEmpty()) {
                                pause();
                                continue;
                            }
                            boolean fault = underFire;
                            if (fault) {
                                claimedDuringKills.addAndGet(claims.size());
                            }
                            claims.forEach(c -> runs.computeIfAbsent(c.jobId(), k -> new AtomicInteger())
                                    .incrementAndGet());
                            pause();
                            if (fault) {
                                killedBackends.addAndGet(killMyBackends.get());
                            }
                            try {
                                jobs.finish(
                                        claims.stream()
                                                .map(c -> RunOutcome.succeeded(c.jobId(), c.token()))
                                                .toList(),
                                        "naive-worker");
                            } catch (RuntimeException e) {
                                gaveUp.addAndGet(claims.size()); // the naive part: the outcome is dropped
                            }
                        }
                    });
        }

        private void pause() {
            try {
                TimeUnit.MILLISECONDS.sleep(150); // the work, and the naive worker's poll interval
            } catch (InterruptedException e) {
                running = false;
            }
        }

        /** Stops it; whether its thread ran to the end without failing. */
        boolean stop() throws InterruptedException {
            running = false;
            thread.join(5000);
            return !thread.isAlive() && failure == null;
        }
    }
}
