package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.Jobs;
import dev.jobfleet.store.Race;
import dev.jobfleet.worker.maintenance.LeaseReaper;
import dev.jobfleet.worker.maintenance.PriorityAger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.aop.support.AopUtils;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The chores of the {@link Fleet}'s four workers, as configured: the recurring schedule declared
 * in their configuration enqueues exactly one job per tick and the jobs run; priority aging lowers
 * a waiting job one level per step within the documented bound; the locked chores are ShedLock
 * proxies that hold their lock at least half their interval.
 */
@ExtendWith(Fleet.Extension.class)
class FleetChoresIT {
    private static final int WINDOW_SECONDS = 4;
    private static final Duration STEP = Fleet.AGING_STEP;
    private static final Duration AGING_INTERVAL = Fleet.AGING_INTERVAL;

    private static Fleet fleet;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp(Fleet shared) {
        fleet = shared;
        jdbc = JdbcClient.create(fleet.db.dataSource());
    }

    @Test
    void aScheduleDeclaredOnEveryInstanceEnqueuesOneJobPerTickAndTheJobsRun() {
        // negative control: every instance remembers the last tick it enqueued, no shared key
        Instant naiveEnd = Instant.now().plusSeconds(3);
        Race.run(Fleet.INSTANCES, t -> () -> {
            JobRepository instance = fleet.workers.get(t).getBean(JobRepository.class);
            Instant last = null;
            while (Instant.now().isBefore(naiveEnd)) {
                Instant tick = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                if (last == null || tick.isAfter(last)) {
                    instance.submit(Jobs.event("schedule.naive"), "naive-" + t);
                    last = tick;
                }
            }
            return null;
        });
        long naiveJobs = count("SELECT count(*) FROM jobs WHERE type = 'schedule.naive'");

        Instant from = dbNow().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Instant to = from.plusSeconds(WINDOW_SECONDS - 1);
        await().atMost(Duration.ofSeconds(WINDOW_SECONDS + 10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ticks(from, to).size() == WINDOW_SECONDS || dbNow().isAfter(to.plusSeconds(3)));
        List<Tick> ticks = ticks(from, to);
        long jobs = ticks.size();
        long distinctTicks = ticks.stream().map(Tick::at).distinct().count();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ticks(from, to).stream().allMatch(t -> t.state() == JobState.SUCCEEDED));
        JobRow sample = fleet.jobs.find(ticks.getFirst().id()).orElseThrow();

        System.out.printf(
                "schedules: %d instances with '%s' every second; naive per-instance memory made %d jobs in ~3 ticks;"
                        + " jobfleet made %d jobs for %d distinct ticks in %d seconds, enqueued %s ms after their tick%n",
                Fleet.INSTANCES,
                Fleet.SCHEDULE,
                naiveJobs,
                jobs,
                distinctTicks,
                WINDOW_SECONDS,
                ticks.stream().map(t -> t.lagMillis()).toList());
        assertThat(naiveJobs)
                .as("without the tick's key every instance enqueues it")
                .isGreaterThan(6);
        assertThat(jobs).as("one job per tick").isEqualTo(distinctTicks);
        assertThat(jobs)
                .as("every tick of the window, give or take one that all instances were too slow for")
                .isBetween(WINDOW_SECONDS - 1L, (long) WINDOW_SECONDS);
        assertThat(ticks).allSatisfy(t -> assertThat(t.lagMillis()).isNotNegative());
        assertThat(sample.type()).isEqualTo("demo.noop");
        assertThat(sample.priority()).isEqualTo(2);
        assertThat(sample.payload()).isEqualTo(JobCodec.mapper().readTree(Fleet.SCHEDULE_PAYLOAD));
    }

    @Test
    void aWaitingJobClimbsOnePriorityLevelPerStepWithinTheBound() {
        UUID lowest = submit(9);
        UUID middle = submit(4);
        UUID highest = submit(0);
        Map<UUID, Double> reachedZeroAtAge = new java.util.HashMap<>();
        List<Integer> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    for (UUID id : List.of(lowest, middle)) {
                        Map.Entry<Integer, Double> now = effectivePriorityAndAge(id);
                        if (id.equals(lowest)
                                && (seen.isEmpty()
                                        || seen.getLast() != now.getKey().intValue())) {
                            seen.add(now.getKey());
                        }
                        if (now.getKey() == 0) {
                            reachedZeroAtAge.putIfAbsent(id, now.getValue());
                        }
                    }
                    return reachedZeroAtAge.size() == 2;
                });
        double bound = 9 * seconds(STEP) + seconds(AGING_INTERVAL);

        System.out.printf(
                "aging (step %d ms, chore every %d ms on 4 instances): priority 9 reached 0 after %.2f s"
                        + " (bound 9 x step + interval = %.2f s), priority 4 after %.2f s; levels seen %s%n",
                STEP.toMillis(),
                AGING_INTERVAL.toMillis(),
                reachedZeroAtAge.get(lowest),
                bound,
                reachedZeroAtAge.get(middle),
                seen);
        assertThat(reachedZeroAtAge.get(lowest)).isGreaterThanOrEqualTo(9 * seconds(STEP));
        assertThat(reachedZeroAtAge.get(lowest))
                .as("within the bound, plus slack for a loaded machine")
                .isLessThan(bound + 1.5);
        assertThat(reachedZeroAtAge.get(middle))
                .isBetween(4 * seconds(STEP), 4 * seconds(STEP) + 1.5 + seconds(AGING_INTERVAL));
        assertThat(seen)
                .as("one level at a time")
                .isSubsetOf(List.of(9, 8, 7, 6, 5, 4, 3, 2, 1, 0))
                .isSortedAccordingTo((x, y) -> y - x);
        assertThat(effectivePriorityAndAge(highest).getKey()).isZero();
    }

    @Test
    void theLockedChoresAreShedLockProxiesThatHoldTheirLockHalfTheirInterval() {
        PriorityAger proxied = fleet.workers.getFirst().getBean(PriorityAger.class);
        assertThat(AopUtils.isAopProxy(proxied)).isTrue();
        proxied.run(); // through the proxy: takes the lock (or skips the turn another instance holds)
        assertThatThrownBy(() -> new PriorityAger(fleet.jobs, STEP, 10, AGING_INTERVAL).run())
                .isInstanceOf(IllegalStateException.class);
        assertThat(AopUtils.isAopProxy(fleet.workers.getFirst().getBean(LeaseReaper.class)))
                .isTrue();

        // between runs the reaper's row says: held until half its interval (500 ms) after it was taken
        double held = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> jdbc.sql("SELECT extract(epoch FROM lock_until - locked_at) FROM shedlock WHERE name = ?")
                                .param(LeaseReaper.LOCK)
                                .query(Double.class)
                                .optional()
                                .orElse(-1.0),
                        s -> s > 0 && s < 60);
        System.out.printf("the reaper holds its lock %.3f s after it was taken (interval 500 ms)%n", held);
        assertThat(held).as("lockAtLeastFor = half the interval").isGreaterThanOrEqualTo(0.25);
    }

    private record Tick(UUID id, Instant at, double lagMillis, JobState state) {}

    private static List<Tick> ticks(Instant from, Instant to) {
        String prefix = "schedule:" + Fleet.SCHEDULE + ":";
        return jdbc
                .sql("""
                        SELECT idempotency_key, state, created_at, id FROM jobs
                        WHERE idempotency_key LIKE ? ORDER BY idempotency_key""")
                .param(prefix + "%")
                .query((rs, n) -> {
                    String key = rs.getString(1);
                    Instant at = Instant.ofEpochSecond(Long.parseLong(key.substring(prefix.length())));
                    Instant created =
                            rs.getObject(3, java.time.OffsetDateTime.class).toInstant();
                    return new Tick(
                            rs.getObject(4, UUID.class),
                            at,
                            Duration.between(at, created).toNanos() / 1e6,
                            JobState.valueOf(rs.getString(2)));
                })
                .list()
                .stream()
                .filter(t -> !t.at().isBefore(from) && !t.at().isAfter(to))
                .toList();
    }

    private static UUID submit(int priority) {
        JobEvent event = new JobEvent(
                JobIds.next(),
                "aging.unclaimed",
                JobCodec.mapper().createObjectNode(),
                priority,
                null,
                null,
                null,
                null);
        return fleet.jobs.submit(event, "test").job().id();
    }

    /** The job's effective priority and how long it has waited since it was due, by the database clock. */
    private static Map.Entry<Integer, Double> effectivePriorityAndAge(UUID id) {
        return jdbc.sql("SELECT effective_priority, extract(epoch FROM now() - run_at) FROM jobs WHERE id = ?")
                .param(id)
                .query((rs, n) -> Map.entry(rs.getInt(1), rs.getDouble(2)))
                .single();
    }

    private static Instant dbNow() {
        return jdbc.sql("SELECT now()")
                .query(java.time.OffsetDateTime.class)
                .single()
                .toInstant();
    }

    private static long count(String sql) {
        return jdbc.sql(sql).query(Long.class).single();
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
