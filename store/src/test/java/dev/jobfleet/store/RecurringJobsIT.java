package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Recurring jobs: 16 instances running the schedule chore at once enqueue exactly one job per
 * tick. The naive version (each instance remembers the last tick it enqueued, and inserts a job
 * for a newer one) enqueues a tick once per instance.
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
        // naive: leader memory per instance, no unique key
        ConcurrentHashMap<Integer, Instant> lastTick = new ConcurrentHashMap<>();
        Instant naiveEnd = Instant.now().plusSeconds(3);
        Race.run(INSTANCES, t -> () -> {
            while (Instant.now().isBefore(naiveEnd)) {
                Instant tick = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                Instant last = lastTick.get(t);
                if (last == null || tick.isAfter(last)) {
                    repository.submit(Jobs.event("recurring.naive"), "naive-" + t);
                    lastTick.put(t, tick);
                }
            }
            return null;
        });
        long naiveJobs = count("recurring.naive");
        long naiveTicks = 3;

        schedules.upsert("heartbeat", "* * * * * *", "UTC", "recurring.job", null, 0, true);
        AtomicLong created = new AtomicLong();
        Instant end = Instant.now().plusSeconds(3);
        Race.run(INSTANCES, t -> () -> {
            while (Instant.now().isBefore(end)) {
                created.addAndGet(schedules.enqueueDue(10));
            }
            return null;
        });
        long jobs = count("recurring.job");
        long distinctTicks = jdbc.sql("SELECT count(DISTINCT idempotency_key) FROM jobs WHERE type = 'recurring.job'")
                .query(Long.class)
                .single();
        System.out.printf(
                "recurring: %d instances, a 1 s schedule for 3 s; naive leader memory made %d jobs for ~%d ticks;"
                        + " jobfleet %d jobs for %d distinct ticks%n",
                INSTANCES, naiveJobs, naiveTicks, jobs, distinctTicks);
        assertThat(naiveJobs)
                .as("the naive version must enqueue a tick more than once")
                .isGreaterThan(naiveTicks + 1);
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
