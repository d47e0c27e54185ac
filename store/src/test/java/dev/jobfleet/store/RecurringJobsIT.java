package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobIds;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Recurring jobs: 16 instances running the schedule chore at once enqueue exactly one job per
 * tick. The naive version keeps the next tick in a shared row too, but reads it, enqueues a job and
 * writes the following tick back (no compare-and-set, no unique key): instances that read the same
 * due tick each enqueue it.
 */
class RecurringJobsIT {
    private static final int INSTANCES = 16;

    private static TestDatabase db;
    private static JobRepository repository;
    private static Schedules schedules;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(INSTANCES + 2);
        repository = new JobRepository(db.dataSource());
        schedules = new Schedules(db.dataSource(), repository);
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void sixteenInstancesEnqueueExactlyOneJobPerTick() {
        // naive: the schedule's next tick in a shared row; an instance that sees it due enqueues a job,
        // then writes the next tick (read, act, write back: no compare-and-set, no unique key)
        jdbc.sql("CREATE TABLE naive_schedule (name text PRIMARY KEY, next_tick timestamptz NOT NULL)")
                .update();
        jdbc.sql("INSERT INTO naive_schedule VALUES ('heartbeat', date_trunc('second', now()) + interval '1 second')")
                .update();
        Instant naiveEnd = Instant.now().plusSeconds(3);
        List<Long> naiveLoops = Race.run(INSTANCES, t -> () -> {
            long loops = 0;
            while (Instant.now().isBefore(naiveEnd)) {
                loops++;
                Map<String, Object> row = jdbc.sql(
                                "SELECT next_tick, next_tick <= clock_timestamp() AS due FROM naive_schedule WHERE name = 'heartbeat'")
                        .query()
                        .singleRow();
                if (Boolean.TRUE.equals(row.get("due"))) {
                    jdbc.sql("INSERT INTO jobs (id, type, payload) VALUES (?, 'recurring.naive',"
                                    + " jsonb_build_object('tick', CAST(? AS text)))")
                            .params(JobIds.next(), row.get("next_tick").toString())
                            .update();
                    jdbc.sql("UPDATE naive_schedule SET next_tick = date_trunc('second', clock_timestamp())"
                                    + " + interval '1 second' WHERE name = 'heartbeat'")
                            .update();
                }
            }
            return loops;
        });
        long naiveJobs = count("recurring.naive");
        long naiveTicks = jdbc.sql("SELECT count(DISTINCT payload ->> 'tick') FROM jobs WHERE type = 'recurring.naive'")
                .query(Long.class)
                .single();

        schedules.upsert("heartbeat", "* * * * * *", "UTC", "recurring.job", null, 0, true);
        AtomicLong created = new AtomicLong();
        Instant end = Instant.now().plusSeconds(3);
        List<Long> loops = Race.run(INSTANCES, t -> () -> {
            long n = 0;
            while (Instant.now().isBefore(end)) {
                n++;
                created.addAndGet(schedules.enqueueDue(10));
            }
            return n;
        });
        long jobs = count("recurring.job");
        long distinctTicks = jdbc.sql("SELECT count(DISTINCT idempotency_key) FROM jobs WHERE type = 'recurring.job'")
                .query(Long.class)
                .single();
        System.out.printf(
                "recurring: %d instances, a 1 s schedule for 3 s; naive shared next-tick row (read, enqueue, write"
                        + " back) made %d jobs for %d ticks; jobfleet %d jobs for %d distinct ticks%n",
                INSTANCES, naiveJobs, naiveTicks, jobs, distinctTicks);
        assertThat(naiveLoops)
                .as("every naive instance ran to the end")
                .hasSize(INSTANCES)
                .allMatch(n -> n > 0);
        assertThat(naiveTicks).as("ticks came due during the naive run").isGreaterThanOrEqualTo(2);
        assertThat(naiveJobs)
                .as("the naive version must enqueue a tick more than once")
                .isGreaterThan(naiveTicks);
        assertThat(loops).hasSize(INSTANCES).allMatch(n -> n > 0);
        assertThat(jobs).isEqualTo(distinctTicks).isEqualTo(created.get()).isBetween(2L, 4L);
    }

    @Test
    void afterDowntimeAScheduleCatchesUpOneTickNotAll() {
        schedules.upsert("hourly-report", "0 0 * * * *", "Europe/Paris", "recurring.report", null, 3, true);
        // five hours of downtime
        jdbc.sql("UPDATE job_schedule SET next_tick = now() - interval '5 hours' WHERE name = 'hourly-report'")
                .update();
        assertThat(schedules.enqueueDue(10)).isEqualTo(1);
        assertThat(schedules.enqueueDue(10)).isZero();
        Schedules.Schedule s = schedules.find("hourly-report").orElseThrow();
        assertThat(s.nextTick())
                .isAfter(Instant.now())
                .isBefore(Instant.now().plus(Duration.ofHours(1)).plusSeconds(5));
        List<JobRow> reports = repository.list(null, "recurring.report", 10);
        assertThat(reports).singleElement().satisfies(job -> {
            assertThat(job.id()).isEqualTo(s.lastJobId());
            assertThat(job.priority()).isEqualTo(3);
        });
    }

    @Test
    void badSchedulesAreRefusedNamingTheFieldAndStoreNothing() {
        assertThatThrownBy(() -> schedules.upsert("bad", "every day", "UTC", "x", null, 0, true))
                .isInstanceOfSatisfying(
                        Schedules.InvalidScheduleException.class,
                        e -> assertThat(e.field()).isEqualTo("cron"));
        assertThatThrownBy(() -> schedules.upsert("bad", "* * * * * *", "Mars/Olympus", "x", null, 0, true))
                .isInstanceOfSatisfying(
                        Schedules.InvalidScheduleException.class,
                        e -> assertThat(e.field()).isEqualTo("zone"));
        assertThatThrownBy(() -> schedules.upsert("bad", "* * * * * *", "UTC", "no spaces allowed", null, 0, true))
                .isInstanceOfSatisfying(
                        Schedules.InvalidScheduleException.class,
                        e -> assertThat(e.field()).isEqualTo("type"));
        assertThat(schedules.find("bad")).isEmpty();
        assertThat(schedules.list()).extracting(Schedules.Schedule::name).doesNotContain("bad");
    }

    private static long count(String type) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE type = ?")
                .param(type)
                .query(Long.class)
                .single();
    }
}
