package dev.jobfleet.worker.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.store.Race;
import dev.jobfleet.store.Retention;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The retention chore on a backlog: 5,000 finished jobs past their age, 500 within it and 100
 * waiting. Twelve instances fire the chore at once through ShedLock, as a fleet's schedules do;
 * one run deletes at most {@code batch x batchesPerRun} jobs per state, the backlog is worked
 * off over a few runs, every deleted job was counted once (the meter adds up to the rows gone),
 * and the jobs within their age and the waiting ones are all still there.
 */
class RetentionChoreIT {
    private static final int INSTANCES = 12;

    private static TestDatabase db;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(INSTANCES + 2);
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void aFleetWorksOffTheBacklogInBoundedRunsAndKeepsWhatIsYoung() {
        insert("SUCCEEDED", 4_000, "2 days");
        insert("DEAD", 1_000, "8 days");
        insert("SUCCEEDED", 500, "1 hour");
        jdbc.sql("INSERT INTO jobs (id, type) SELECT gen_random_uuid(), 'retention.live' FROM generate_series(1, 100)")
                .update();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerProperties.Retention settings =
                new WorkerProperties.Retention(true, Duration.ofSeconds(1), null, null, null, null, 200, 5);
        RetentionChore chore =
                new RetentionChore(new Retention(db.appDataSource()), new WorkerMetrics(registry), settings);
        AtomicInteger ran = new AtomicInteger();
        long started = System.nanoTime();

        // one round: every instance tries at once, ShedLock lets one run
        Race.run(INSTANCES, i -> () -> {
            LockingTaskExecutor executor =
                    new DefaultLockingTaskExecutor(MaintenanceConfiguration.jdbcLockProvider(db.dataSource()));
            Runnable once = () -> {
                chore.run();
                ran.incrementAndGet();
            };
            executor.executeWithLock(
                    once,
                    new LockConfiguration(Instant.now(), RetentionChore.LOCK, Duration.ofMinutes(1), Duration.ZERO));
            return null;
        });

        assertThat(ran.get()).as("runs in the first round").isBetween(1, INSTANCES);
        long afterFirstRound = count("state IN ('SUCCEEDED', 'DEAD')");
        assertThat(5_500 - afterFirstRound)
                .as("a run deletes at most batch x batchesPerRun per state")
                .isLessThanOrEqualTo(ran.get() * 2L * 200 * 5);
        while (deleted(registry) < 5_000) {
            LockingTaskExecutor executor =
                    new DefaultLockingTaskExecutor(MaintenanceConfiguration.jdbcLockProvider(db.dataSource()));
            executor.executeWithLock(
                    (Runnable) chore::run,
                    new LockConfiguration(Instant.now(), RetentionChore.LOCK, Duration.ofMinutes(1), Duration.ZERO));
            ran.incrementAndGet();
            assertThat(ran.get()).as("the backlog is worked off in a few runs").isLessThan(40);
        }

        System.out.printf(
                "retention: 5,000 finished jobs (with history) deleted in %d runs of batch 200 x 5, %d ms in all%n",
                ran.get(), Duration.ofNanos(System.nanoTime() - started).toMillis());
        assertThat(count("state = 'SUCCEEDED' AND finished_at < now() - interval '1 day'"))
                .isZero();
        assertThat(count("state = 'DEAD'")).isZero();
        assertThat(count("state = 'SUCCEEDED'"))
                .as("finished within the age: kept")
                .isEqualTo(500);
        assertThat(count("state = 'PENDING'"))
                .as("waiting jobs are never touched")
                .isEqualTo(100);
        assertThat(deleted(registry)).as("each deleted job counted once").isEqualTo(5_000);
        assertThat(jdbc.sql(
                                "SELECT count(*) FROM job_history h WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = h.job_id)")
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void settingsThatCannotWorkAreRefusedByName() {
        for (List<Object> bad : List.<List<Object>>of(
                List.of("retention.interval", Duration.ZERO, 100, 1),
                List.of("retention.batch", Duration.ofSeconds(1), -1, 1),
                List.of("retention.batches-per-run", Duration.ofSeconds(1), 100, -2))) {
            assertThatThrownBy(() -> new WorkerProperties.Retention(
                            true, (Duration) bad.get(1), null, null, null, null, (int) bad.get(2), (int) bad.get(3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("jobfleet.worker." + bad.get(0) + " must be positive");
        }
        assertThatThrownBy(
                        () -> new WorkerProperties.Retention(true, null, Duration.ofHours(-1), null, null, null, 0, 0))
                .hasMessageStartingWith("jobfleet.worker.retention.succeeded must be positive");
    }

    private static void insert(String state, int n, String ago) {
        jdbc.sql("""
                        INSERT INTO jobs (id, type, state, attempts, created_at, finished_at)
                        SELECT gen_random_uuid(), 'retention.test', CAST(? AS job_state), 1,
                               now() - CAST(? AS interval) - interval '1 hour', now() - CAST(? AS interval)
                        FROM generate_series(1, ?)""").params(state, ago, ago, n).update();
        jdbc.sql("""
                        INSERT INTO job_history (job_id, from_state, to_state, actor)
                        SELECT id, 'RUNNING', state, 'test' FROM jobs WHERE state = CAST(? AS job_state)
                          AND NOT EXISTS (SELECT 1 FROM job_history h WHERE h.job_id = jobs.id)""").param(state).update();
    }

    private static long count(String where) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE " + where)
                .query(Long.class)
                .single();
    }

    private static long deleted(SimpleMeterRegistry registry) {
        return Math.round(registry.find("jobfleet.retention.deleted").tag("what", "jobs").counters().stream()
                .mapToDouble(c -> c.count())
                .sum());
    }
}
