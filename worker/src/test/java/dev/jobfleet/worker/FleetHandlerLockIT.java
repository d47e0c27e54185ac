package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.worker.api.HandlerLock;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@link JobContext#withLock} on the real workers of the {@link Fleet}: {@value #JOBS} handler
 * runs, published to Kafka and spread over the workers, each increment one external counter (a
 * plain table row, read and then written back from Java, with a little work in between) {@value
 * #INCREMENTS} times inside the lock. No increment is lost, and the fences of the writes grow with
 * the counter. The negative control is the same handler without the lock, on the same workers, and
 * it loses increments.
 */
@ExtendWith(Fleet.Extension.class)
class FleetHandlerLockIT {
    private static final int JOBS = 16;
    private static final int INCREMENTS = 20;
    private static final Duration TTL = Duration.ofSeconds(20);
    private static final Duration MAX_WAIT = Duration.ofMinutes(2);

    private static Fleet fleet;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp(Fleet shared) {
        fleet = shared;
        jdbc = JdbcClient.create(fleet.db.dataSource());
        jdbc.sql("CREATE TABLE fleet_counter (name text PRIMARY KEY, value bigint NOT NULL)")
                .update();
        jdbc.sql("CREATE TABLE fleet_counter_write (name text NOT NULL, job_id uuid NOT NULL, value bigint NOT NULL,"
                        + " fence bigint)")
                .update();
    }

    /** The handlers of this test, registered on every worker of the fleet. */
    static List<JobHandler> handlers(DataSource dataSource) {
        return List.of(new Incrementer(dataSource, true), new Incrementer(dataSource, false));
    }

    @Test
    void sixteenHandlersOnFourWorkersIncrementOneCounterUnderTheLockWithoutLosingAny() {
        Result naive = run(Incrementer.NAIVE);
        Result locked = run(Incrementer.LOCKED);
        long fencesOutOfOrder =
                jdbc.sql("""
                        SELECT count(*) FROM fleet_counter_write a JOIN fleet_counter_write b
                          ON a.name = b.name AND a.value < b.value
                        WHERE a.name = ? AND a.fence >= b.fence""").param(Incrementer.LOCKED).query(Long.class).single();

        System.out.printf(
                "handler lock across %d workers: %d runs x %d read-then-write increments of one counter row;"
                        + " without the lock %d of %d writes survived (%d lost, %d ms, runs by worker %s);"
                        + " withLock %d of %d (%d lost, %d ms, runs by worker %s), %d writes out of fence order%n",
                Fleet.INSTANCES,
                JOBS,
                INCREMENTS,
                naive.value,
                naive.writes,
                naive.writes - naive.value,
                naive.millis,
                naive.byWorker,
                locked.value,
                locked.writes,
                locked.writes - locked.value,
                locked.millis,
                locked.byWorker,
                fencesOutOfOrder);
        naive.assertRan();
        assertThat(naive.value).as("without the lock, increments are lost").isLessThan(JOBS * INCREMENTS);
        locked.assertRan();
        assertThat(locked.value).isEqualTo(JOBS * INCREMENTS);
        assertThat(fencesOutOfOrder).isZero();
    }

    /** What the runs of one handler type did. */
    private record Result(
            String type, long succeeded, long writes, long value, long millis, Map<String, Long> byWorker) {
        void assertRan() {
            assertThat(succeeded)
                    .as("every %s job succeeded; the errors of those that did not: %s", type, deadErrors(type))
                    .isEqualTo(JOBS);
            assertThat(writes)
                    .as("every increment of %s ran exactly once (no run was repeated)", type)
                    .isEqualTo(JOBS * INCREMENTS);
            assertThat(byWorker)
                    .as("the %s runs were spread over the workers", type)
                    .hasSizeGreaterThanOrEqualTo(2);
        }
    }

    private static Result run(String type) {
        jdbc.sql("INSERT INTO fleet_counter (name, value) VALUES (?, 0)")
                .param(type)
                .update();
        long started = System.nanoTime();
        for (int i = 0; i < JOBS; i++) {
            fleet.kafka.send(
                    new JobEvent(JobIds.next(), type, JobCodec.mapper().createObjectNode(), null, null, 1, null, null));
        }
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> count("SELECT count(*) FROM jobs WHERE type = ? AND state IN ('SUCCEEDED', 'DEAD')", type)
                        == JOBS);
        long millis = (System.nanoTime() - started) / 1_000_000;
        Map<String, Long> byWorker = new TreeMap<>();
        jdbc.sql("""
                        SELECT h.actor, count(*) FROM job_history h JOIN jobs j ON j.id = h.job_id
                        WHERE j.type = ? AND h.to_state = 'RUNNING' GROUP BY h.actor""")
                .param(type)
                .query((rs, n) -> byWorker.put(rs.getString(1), rs.getLong(2)))
                .list();
        return new Result(
                type,
                count("SELECT count(*) FROM jobs WHERE type = ? AND state = 'SUCCEEDED'", type),
                count("SELECT count(*) FROM fleet_counter_write WHERE name = ?", type),
                count("SELECT value FROM fleet_counter WHERE name = ?", type),
                millis,
                byWorker);
    }

    private static List<String> deadErrors(String type) {
        return jdbc.sql("SELECT coalesce(last_error, '') FROM jobs WHERE type = ? AND state <> 'SUCCEEDED'")
                .param(type)
                .query(String.class)
                .list();
    }

    private static long count(String sql, String type) {
        return jdbc.sql(sql).param(type).query(Long.class).single();
    }

    /**
     * Reads the counter row, works a little, writes the value plus one back, and records the write;
     * INCREMENTS times per run, each inside {@code withLock} or, for the control, without it.
     */
    private static final class Incrementer implements JobHandler {
        static final String LOCKED = "lock.counter";
        static final String NAIVE = "lock.counter.naive";

        private final JdbcClient jdbc;
        private final boolean locked;

        Incrementer(DataSource dataSource, boolean locked) {
            this.jdbc = JdbcClient.create(dataSource);
            this.locked = locked;
        }

        @Override
        public String type() {
            return locked ? LOCKED : NAIVE;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            for (int i = 0; i < INCREMENTS; i++) {
                if (locked) {
                    context.withLock("fleet-counter", TTL, MAX_WAIT, lock -> increment(context, lock));
                } else {
                    increment(context, null);
                }
            }
            return Outcome.completed();
        }

        private Void increment(JobContext context, HandlerLock lock) throws InterruptedException {
            long value = jdbc.sql("SELECT value FROM fleet_counter WHERE name = ?")
                    .param(type())
                    .query(Long.class)
                    .single();
            // the work the critical section stands for
            TimeUnit.MILLISECONDS.sleep(2);
            jdbc.sql("UPDATE fleet_counter SET value = ? WHERE name = ?")
                    .params(value + 1, type())
                    .update();
            jdbc.sql("INSERT INTO fleet_counter_write (name, job_id, value, fence) VALUES (?, ?, ?, ?)")
                    .params(type(), context.jobId(), value + 1, lock == null ? null : lock.fence())
                    .update();
            return null;
        }
    }
}
