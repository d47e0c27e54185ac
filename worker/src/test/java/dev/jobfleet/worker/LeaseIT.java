package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Leases: a lost one interrupts its handler at once; lease extension cannot be starved by handlers. */
class LeaseIT {
    private static final String LONG = "test.long";
    private static final String HOG = "test.pool-hog";

    /**
     * 16 handlers run; their jobs are taken from the worker behind its back (lease expired, rescued).
     * The next heartbeat, at most one interval later, finds the leases gone and interrupts all 16.
     */
    @Test
    void aLostLeaseInterruptsItsHandlerWithinOneHeartbeat() throws Exception {
        LongRunner handler = new LongRunner();
        try (TestDatabase db = TestDatabase.create(4);
                TestBroker kafka = TestBroker.start();
                ConfigurableApplicationContext worker = WorkerApp.start(
                        "lease-lost-worker",
                        db,
                        kafka,
                        Map.of(
                                "jobfleet.worker.lease", "3s",
                                "jobfleet.worker.concurrency", "16",
                                "jobfleet.worker.poll-interval", "100ms",
                                "jobfleet.worker.reaper-interval", "1h"),
                        List.of(handler))) {
            JobRepository jobs = new JobRepository(db.dataSource());
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                ids.add(jobs.submit(WorkerFlowIT.event(JobIds.next(), LONG, "{}", 3), "test")
                        .job()
                        .id());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> handler.started.size() == 16);

            jdbc.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE state = 'RUNNING'")
                    .update();
            int rescued = jobs.rescueExpired(100, "test reaper").size();
            long lost = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.interrupted.size() == 16);
            long slowest = handler.interrupted.values().stream()
                    .mapToLong(t -> t - lost)
                    .max()
                    .orElseThrow();
            System.out.printf(
                    "lost lease: %d runs rescued behind the worker's back; all %d handlers interrupted within %d ms"
                            + " (heartbeat every 1000 ms)%n",
                    rescued, handler.interrupted.size(), TimeUnit.NANOSECONDS.toMillis(slowest));
            assertThat(rescued).as("the leases were really taken").isEqualTo(16);
            assertThat(TimeUnit.NANOSECONDS.toMillis(slowest))
                    .as("within one heartbeat interval, with room for a loaded machine")
                    .isLessThan(2000);
            assertThat(handler.sawCancelled.get()).isEqualTo(16);
            for (UUID id : ids) {
                UUID lostToken = jobs.history(id).get(1).claimToken();
                assertThat(jobs.history(id))
                        .as("nothing of the lost run was written after the rescue")
                        .filteredOn(h -> lostToken.equals(h.claimToken()))
                        .extracting(h -> h.actor())
                        .containsExactly("lease-lost-worker", "test reaper");
            }
        }
    }

    /**
     * The handlers' pool (4 connections) is taken by 16 handlers each holding a connection for 3 s.
     * jobfleet's heartbeat has connections of its own: with a 2 s lease, no run is lost. Negative
     * control, at the same time: a heartbeat that takes its connection from the handlers' pool (the
     * shape before the engine) cannot extend its leases in time, and the reaper rescues its runs.
     */
    @Test
    void theHeartbeatKeepsLeasesAliveWhileHandlersHoldEveryConnection() throws Exception {
        try (TestDatabase db = TestDatabase.create(4);
                TestBroker kafka = TestBroker.start()) {
            PoolHog hog = new PoolHog();
            try (ConfigurableApplicationContext worker = WorkerApp.start(
                    "starved-worker",
                    db,
                    kafka,
                    Map.of(
                            "spring.datasource.hikari.maximum-pool-size", "4",
                            "jobfleet.worker.lease", "2s",
                            "jobfleet.worker.concurrency", "16",
                            "jobfleet.worker.poll-interval", "100ms",
                            "jobfleet.worker.reaper-interval", "200ms"),
                    List.of(hog))) {
                DataSource handlersPool = worker.getBean(DataSource.class);
                hog.pool = handlersPool;
                JobRepository jobs = new JobRepository(db.dataSource());
                // the control: four runs claimed by a naive worker whose heartbeat uses the handlers' pool
                List<Claim> naive = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    UUID id = jobs.submit(WorkerFlowIT.event(JobIds.next(), "naive.run", "{}", 5), "test")
                            .job()
                            .id();
                    naive.addAll(jobs.claim(List.of(id), Set.of("naive.run"), "naive-worker", Duration.ofSeconds(2)));
                }
                List<UUID> ids = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    ids.add(jobs.submit(WorkerFlowIT.event(JobIds.next(), HOG, "{}", 5), "test")
                            .job()
                            .id());
                }
                // saturated: every connection held and handlers queued behind them (awaited, not sampled
                // once: under load the other handlers may still be starting when the first four hold theirs)
                HikariDataSource hikari = (HikariDataSource) handlersPool;
                AtomicInteger queued = new AtomicInteger();
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> {
                            queued.set(hikari.getHikariPoolMXBean().getThreadsAwaitingConnection());
                            return hog.holding.get() == 4 && queued.get() > 0;
                        });
                int waiting = queued.get();
                NaiveHeartbeat naiveBeat = new NaiveHeartbeat(new JobRepository(handlersPool), naive);
                naiveBeat.start();

                // the reaper of another pod (the test's own connections) rescues whatever expires meanwhile
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            jobs.rescueExpired(100, "other pod's reaper");
                            return ids.stream()
                                    .allMatch(id -> jobs.find(id).orElseThrow().state() == JobState.SUCCEEDED);
                        });
                naiveBeat.stop();
                long naiveRescued = naive.stream()
                        .filter(c -> jobs.find(c.jobId()).orElseThrow().rescueCount() > 0)
                        .count();
                long rescued = ids.stream()
                        .filter(id -> jobs.find(id).orElseThrow().rescueCount() > 0)
                        .count();
                System.out.printf(
                        "starved pool: 4 of 4 handler connections held, %d handlers waiting; jobfleet's heartbeat lost"
                                + " %d of 16 runs (all SUCCEEDED at attempt 1); the naive heartbeat on the handlers' pool"
                                + " tried %d times, extended %d times, and the reaper rescued %d of its 4 runs%n",
                        waiting, rescued, naiveBeat.tries.get(), naiveBeat.extended.get(), naiveRescued);
                assertThat(waiting).as("control: the pool was saturated").isPositive();
                assertThat(naiveBeat.tries.get())
                        .as("control: the naive heartbeat ran")
                        .isPositive();
                assertThat(naiveRescued).as("control: its leases expired").isEqualTo(4);
                assertThat(rescued).isZero();
                assertThat(ids)
                        .allSatisfy(id -> assertThat(jobs.find(id).orElseThrow().attempts())
                                .isEqualTo(1));
            }
        }
    }

    /** Runs for a minute, interruptibly; records when it was interrupted. */
    static final class LongRunner implements JobHandler {
        final Set<UUID> started = ConcurrentHashMap.newKeySet();
        final Map<UUID, Long> interrupted = new ConcurrentHashMap<>();
        final AtomicInteger sawCancelled = new AtomicInteger();

        @Override
        public String type() {
            return LONG;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            started.add(context.jobId());
            try {
                TimeUnit.MINUTES.sleep(1); // the work
            } catch (InterruptedException e) {
                interrupted.put(context.jobId(), System.nanoTime());
                if (context.isCancelled() && context.leaseLost()) {
                    sawCancelled.incrementAndGet();
                }
                throw e;
            }
            return Outcome.completed();
        }
    }

    /** Holds a connection of the handlers' pool for 3 s, as a handler with a slow query would. */
    static final class PoolHog implements JobHandler {
        final AtomicInteger holding = new AtomicInteger();
        volatile DataSource pool;

        @Override
        public String type() {
            return HOG;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            await().atMost(Duration.ofSeconds(30)).until(() -> pool != null);
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement()) {
                holding.incrementAndGet();
                s.execute("SELECT pg_sleep(3)");
            } finally {
                holding.decrementAndGet();
            }
            return Outcome.completed();
        }
    }

    /** The heartbeat as it was: every 600 ms, one statement on the shared pool for the runs it holds. */
    static final class NaiveHeartbeat {
        final AtomicInteger tries = new AtomicInteger();
        final AtomicInteger extended = new AtomicInteger();
        private final JobRepository jobs;
        private final Map<UUID, UUID> runs = new LinkedHashMap<>();
        private volatile boolean running = true;
        private Thread thread;

        NaiveHeartbeat(JobRepository jobs, List<Claim> claims) {
            this.jobs = jobs;
            claims.forEach(c -> runs.put(c.jobId(), c.token()));
        }

        void start() {
            thread = Thread.ofPlatform().name("naive-heartbeat").start(() -> {
                while (running) {
                    tries.incrementAndGet();
                    try {
                        extended.addAndGet(
                                jobs.extendLeases(runs, Duration.ofSeconds(2)).size());
                    } catch (RuntimeException e) {
                        // no connection in time: the lease is not extended, which is the point
                    }
                    try {
                        TimeUnit.MILLISECONDS.sleep(600); // the naive heartbeat's interval
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5000);
        }
    }
}
