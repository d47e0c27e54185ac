package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Schema;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, PostgreSQL restarted under a running fleet (G1, G2): 300 {@code demo.sleep} jobs are
 * submitted, and while they run the test stops its own PostgreSQL (fast shutdown: every session is
 * cut), keeps it down for a few seconds, and starts it again on the same data directory and port.
 * Nobody restarts the apps: their pools reconnect, the listener retries its failed batch, heartbeats,
 * poller and reaper carry on, and runs whose outcome could not be written are rescued once their
 * lease expires. Every job must end SUCCEEDED, none lost, none run twice at once.
 */
class PostgresRestartIT {
    private static final int JOBS = 300;
    private static final Duration DOWN_AT_LEAST = Duration.ofSeconds(3);
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private final Path directory =
            Path.of("target", "it", "pg-restart-" + UUID.randomUUID()).toAbsolutePath();
    private LocalPostgres postgres;
    private HikariDataSource monitor;
    private KafkaBroker broker;
    private TestFleet fleet;

    @AfterEach
    void tearDown() throws Exception {
        long t0 = System.nanoTime();
        if (fleet != null) {
            fleet.close();
        }
        System.out.printf("pg-restart: apps closed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        if (broker != null) {
            broker.close();
        }
        if (monitor != null) {
            monitor.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        Directories.deleteRecursively(directory);
    }

    @Test
    void theFleetPausesWhilePostgresIsDownAndFinishesEveryJobOnceItIsBack() throws Exception {
        long begin = System.nanoTime();
        int port = LoopbackPorts.free();
        // the broker and PostgreSQL take seconds each and need nothing from each other
        CompletableFuture<KafkaBroker> kafka = CompletableFuture.supplyAsync(
                () -> KafkaBroker.builder(directory.resolve("kafka")).start());
        try {
            postgres = startPostgres(port);
        } catch (RuntimeException e) {
            kafka.thenAccept(KafkaBroker::close);
            throw e;
        }
        long postgresMillis = (System.nanoTime() - begin) / 1_000_000;
        broker = kafka.join();
        long brokerMillis = (System.nanoTime() - begin) / 1_000_000;
        monitor = monitorPool(postgres);
        Schema.migrate(monitor);
        JobRepository jobs = new JobRepository(monitor);
        FleetAudit audit = new FleetAudit(monitor);
        long appsBegin = System.nanoTime();
        // two handlers per worker, so that 300 x 50 ms take seconds and the outage lands mid-run
        fleet = TestFleet.builder(directory)
                .database(postgres)
                .broker(broker)
                .workerProperty("jobfleet.worker.concurrency", "2")
                .start();

        System.out.printf(
                "pg-restart: PostgreSQL up after %d ms, broker after %d ms, producer + 2 workers in %d ms more%n",
                postgresMillis, brokerMillis, (System.nanoTime() - appsBegin) / 1_000_000);
        List<DemoBatch.Job> plan = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            plan.add(new DemoBatch.Job("demo.sleep", "{\"ms\":50}"));
        }
        List<HttpJobs.Answer> answers = new HttpJobs(fleet.jobs(), fleet.token()).submit(plan);
        assertThat(answers).extracting(HttpJobs.Answer::status).containsOnly(201);
        List<UUID> ids = HttpJobs.ids(answers, 201);
        assertThat(new HashSet<>(ids)).hasSize(JOBS);

        Map<JobState, Long> before = audit.states(ids);
        List<UUID> doneBefore = audit.idsIn(ids, JobState.SUCCEEDED);
        long succeededBefore = before.getOrDefault(JobState.SUCCEEDED, 0L);
        assertThat(succeededBefore)
                .as("the outage must land mid-run: %s", before)
                .isLessThan(JOBS);
        long t0 = System.nanoTime();
        postgres.close();
        long stoppedMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(
                "pg-restart: PostgreSQL stopped (fast shutdown, %d ms) with the jobs at %s%n",
                stoppedMillis, FleetAudit.describe(before));

        // down for a while, observably: no new session, the workers' pools wait for connections
        AtomicInteger workersWaiting = new AtomicInteger();
        await("PostgreSQL refuses connections for " + DOWN_AT_LEAST)
                .during(DOWN_AT_LEAST)
                .atMost(DOWN_AT_LEAST.plusSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    workersWaiting.accumulateAndGet(threadsAwaitingConnections(), Math::max);
                    return !connects(postgres.jdbcUrl());
                });
        System.out.printf(
                "pg-restart: down %d ms; at most %d worker threads waited for a connection meanwhile%n",
                (System.nanoTime() - t0) / 1_000_000, workersWaiting.get());
        assertThat(workersWaiting.get())
                .as("the workers noticed: threads blocked waiting for a connection")
                .isPositive();

        long t1 = System.nanoTime();
        postgres = startPostgres(port);
        long startedMillis = (System.nanoTime() - t1) / 1_000_000;
        assertThat(postgres.port()).isEqualTo(port);
        await("all " + JOBS + " SUCCEEDED after the restart")
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(audit.count(ids, JobState.SUCCEEDED))
                        .as("SUCCEEDED; all states: %s", FleetAudit.describe(audit.states(ids)))
                        .isEqualTo(JOBS));
        long recoveredMillis = (System.nanoTime() - t1) / 1_000_000;

        Map<UUID, Integer> rescued = audit.rescued(ids);
        Map<UUID, Integer> executions = audit.executions(ids);
        List<UUID> ranMoreThanOnce =
                ids.stream().filter(id -> executions.getOrDefault(id, 0) > 1).toList();
        System.out.printf(
                "pg-restart: PostgreSQL back in %d ms; all %d jobs SUCCEEDED %d ms after the restart began;"
                        + " %d jobs rescued by the reaper (%d rescues), %d executed more than once, %d executions"
                        + " without a recorded end, %d overlapping; claims by path: %s%n",
                startedMillis,
                JOBS,
                recoveredMillis,
                rescued.size(),
                rescued.values().stream().mapToInt(Integer::intValue).sum(),
                ranMoreThanOnce.size(),
                audit.unfinishedExecutions(ids),
                jobs.overlappingExecutions(),
                fleet.claimsBySource());

        assertThat(audit.existing(ids)).as("no job lost").isEqualTo(JOBS);
        assertThat(audit.states(ids)).containsExactly(Map.entry(JobState.SUCCEEDED, (long) JOBS));
        // G1. A run cut by the outage may have lost the write of its execution's end; the overlap
        // query then ends that execution when its claim was fenced (rescued, or its outcome written).
        assertThat(jobs.overlappingExecutions())
                .as("executions that overlapped:%n%s", String.join("\n", audit.overlapDetails(ids)))
                .isZero();
        // kept: what finished before the outage stays finished and never ran again
        assertThat(FleetAudit.notExactly(doneBefore, executions, 1)).isEmpty();
        assertThat(FleetAudit.notExactly(doneBefore, audit.claims(doneBefore), 1))
                .isEmpty();
        assertThat(audit.claimsByActor(ids).keySet()).isSubsetOf(TestFleet.WORKERS);
        await("the outbox drained").atMost(DEADLINE).until(jobs::outboxSize, n -> n == 0);
        System.out.printf(
                "pg-restart: outbox empty %d ms after the restart began%n", (System.nanoTime() - t1) / 1_000_000);
    }

    private LocalPostgres startPostgres(int port) {
        return LocalPostgres.builder(directory.resolve("postgres")).port(port).start();
    }

    /** The test's own pool: fails fast while the server is down, reconnects when it is back. */
    private static HikariDataSource monitorPool(LocalPostgres postgres) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.jdbcUrl());
        config.setUsername(postgres.username());
        config.setPassword(postgres.password());
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(1_000);
        config.setPoolName("pg-restart-monitor");
        return new HikariDataSource(config);
    }

    private static boolean connects(String url) {
        try (Connection c = DriverManager.getConnection(url, LocalPostgres.USER, "")) {
            return c.isValid(1);
        } catch (SQLException refused) {
            return false;
        }
    }

    /** Threads of the workers' apps blocked in their pool's getConnection() right now. */
    private int threadsAwaitingConnections() {
        int waiting = 0;
        for (FleetApps.Running worker : fleet.workers()) {
            DataSource ds = worker.context().getBean(DataSource.class);
            if (ds instanceof HikariDataSource hikari && hikari.getHikariPoolMXBean() != null) {
                waiting += hikari.getHikariPoolMXBean().getThreadsAwaitingConnection();
            }
        }
        return waiting;
    }
}
