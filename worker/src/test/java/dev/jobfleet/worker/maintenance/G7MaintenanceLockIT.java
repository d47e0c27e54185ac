package dev.jobfleet.worker.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Race;
import dev.jobfleet.store.RescuePolicy;
import dev.jobfleet.store.Retention;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockAssert;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G7: each scheduled maintenance run happens on exactly one instance. {@value #INSTANCES}
 * instances, each with its own ShedLock executor over the worker's lock provider ({@link
 * MaintenanceConfiguration#jdbcLockProvider}: JDBC, database time), try to run one named chore over
 * and over for {@value #SECONDS} s; the chore records its start and end by the database clock and
 * holds for 5 ms. No two runs overlap. The negative control runs the same chore on the same
 * threads without the lock, and runs overlap. A third round holds the lock at least {@value
 * #AT_LEAST_MS} ms, as the worker's chores do (half their interval), and the fleet then runs the
 * chore at most once per that time instead of back to back.
 */
class G7MaintenanceLockIT {
    private static final int INSTANCES = 12;
    private static final int SECONDS = 3;
    private static final long AT_LEAST_MS = 250;

    private static TestDatabase db;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(INSTANCES + 2);
        jdbc = JdbcClient.create(db.dataSource());
        jdbc.sql("""
                        CREATE TABLE chore_run (
                            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            round text NOT NULL,
                            instance integer NOT NULL,
                            started_at timestamptz NOT NULL,
                            finished_at timestamptz)""").update();
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void eachRunOfALockedChoreHappensOnExactlyOneInstance() {
        Round naive = round("naive", (instance, executor) -> chore("naive", instance));
        Round locked = round(
                "locked",
                (instance, executor) -> locked(executor, "g7-chore", Duration.ZERO, () -> {
                    LockAssert.assertLocked();
                    chore("locked", instance);
                }));
        Round spaced = round(
                "spaced",
                (instance, executor) ->
                        locked(executor, "g7-spaced", Duration.ofMillis(AT_LEAST_MS), () -> chore("spaced", instance)));

        System.out.printf(
                "G7: %d instances, one chore, %d s each round; without the lock %d runs, %d overlapping pairs;"
                        + " with ShedLock %d runs, %d overlapping pairs; holding it at least %d ms: %d runs (at most %d),"
                        + " %d overlapping pairs%n",
                INSTANCES,
                SECONDS,
                naive.runs,
                naive.overlaps,
                locked.runs,
                locked.overlaps,
                AT_LEAST_MS,
                spaced.runs,
                SECONDS * 1000 / AT_LEAST_MS + 1,
                spaced.overlaps);
        assertThat(naive.overlaps).as("without the lock runs must overlap").isPositive();
        assertThat(locked.overlaps).isZero();
        assertThat(locked.runs).as("the locked chore ran over and over").isGreaterThan(INSTANCES);
        assertThat(spaced.overlaps).isZero();
        assertThat(spaced.runs).isBetween(2L, SECONDS * 1000 / AT_LEAST_MS + 1);
        assertThat(locked.runs).as("lockAtLeastFor spaces the runs").isGreaterThan(2 * spaced.runs);
    }

    @Test
    void theWorkersLockedChoresRunOnlyUnderTheirLock() throws Throwable {
        JobRepository jobs = new JobRepository(db.dataSource());
        Duration interval = Duration.ofSeconds(1);
        List<Chore> chores = List.of(
                new Chore(
                        LeaseReaper.LOCK,
                        new LeaseReaper(
                                jobs,
                                new WorkerMetrics(new SimpleMeterRegistry()),
                                "w",
                                10,
                                interval,
                                RescuePolicy.DEFAULT)::run,
                        LeaseReaper.class),
                new Chore(RetryPromoter.LOCK, new RetryPromoter(jobs, "w", 10, interval)::run, RetryPromoter.class),
                new Chore(PriorityAger.LOCK, new PriorityAger(jobs, interval, 10, interval)::run, PriorityAger.class),
                new Chore(
                        RetentionChore.LOCK,
                        new RetentionChore(
                                new Retention(db.dataSource()),
                                new WorkerMetrics(new SimpleMeterRegistry()),
                                new WorkerProperties.Retention(true, interval, null, null, null, null, 10, 1))::run,
                        RetentionChore.class));
        LockingTaskExecutor executor =
                new DefaultLockingTaskExecutor(MaintenanceConfiguration.jdbcLockProvider(db.dataSource()));
        assertThat(MaintenanceConfiguration.lockAtMostFor(Duration.ofMillis(200)))
                .as("a dead pod's lock lapses after 15 s at least")
                .isEqualTo("PT15S");
        assertThat(MaintenanceConfiguration.lockAtMostFor(Duration.ofSeconds(5)))
                .isEqualTo("PT50S");
        for (Chore chore : chores) {
            Method run = chore.type.getMethod("run");
            SchedulerLock lock = run.getAnnotation(SchedulerLock.class);
            assertThat(lock).as(chore.type.getSimpleName() + ".run is locked").isNotNull();
            assertThat(lock.name()).isEqualTo(chore.lock);
            assertThat(lock.lockAtMostFor()).contains(".lockAtMostFor()");
            assertThat(lock.lockAtLeastFor()).isNotBlank();
            assertThatThrownBy(chore.body::run)
                    .as(chore.type.getSimpleName() + " refuses to run outside its lock")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not locked");
            LockingTaskExecutor.TaskResult<Boolean> result = executor.executeWithLock(
                    () -> {
                        chore.body.run();
                        return true;
                    },
                    new LockConfiguration(Instant.now(), chore.lock, Duration.ofMinutes(1), Duration.ZERO));
            assertThat(result.wasExecuted()).isTrue();
        }
        assertThat(MaintenanceConfiguration.lockAtLeastFor(Duration.ofSeconds(5)))
                .isEqualTo("PT2.5S");
    }

    private record Chore(String lock, Runnable body, Class<?> type) {}

    private record Round(long runs, long overlaps) {}

    private interface InstanceBody {
        void runOnce(int instance, LockingTaskExecutor executor) throws Throwable;
    }

    /** Every instance runs {@code body} as often as it can for SECONDS; returns the round's figures. */
    private static Round round(String name, InstanceBody body) {
        Instant end = Instant.now().plusSeconds(SECONDS);
        Race.run(INSTANCES, instance -> () -> {
            LockingTaskExecutor executor =
                    new DefaultLockingTaskExecutor(MaintenanceConfiguration.jdbcLockProvider(db.dataSource()));
            while (Instant.now().isBefore(end)) {
                try {
                    body.runOnce(instance, executor);
                } catch (Throwable t) {
                    throw new IllegalStateException("round " + name + " failed", t);
                }
            }
            return null;
        });
        long runs = jdbc.sql("SELECT count(*) FROM chore_run WHERE round = ?")
                .param(name)
                .query(Long.class)
                .single();
        long overlaps = jdbc.sql("""
                        SELECT count(*) FROM chore_run a JOIN chore_run b ON a.round = b.round AND a.id < b.id
                        WHERE a.round = ? AND a.started_at < b.finished_at AND b.started_at < a.finished_at""").param(name).query(Long.class).single();
        return new Round(runs, overlaps);
    }

    private static void locked(LockingTaskExecutor executor, String lock, Duration atLeast, Runnable chore) {
        executor.executeWithLock(chore, new LockConfiguration(Instant.now(), lock, Duration.ofMinutes(1), atLeast));
    }

    /** The chore: its start and end by the database clock, 5 ms apart. */
    private static void chore(String round, int instance) {
        long id = jdbc.sql("INSERT INTO chore_run (round, instance, started_at) VALUES (?, ?, clock_timestamp())"
                        + " RETURNING id")
                .params(round, instance)
                .query(Long.class)
                .single();
        jdbc.sql("SELECT pg_sleep(0.005)").query().singleValue();
        jdbc.sql("UPDATE chore_run SET finished_at = clock_timestamp() WHERE id = ?")
                .param(id)
                .update();
    }
}
