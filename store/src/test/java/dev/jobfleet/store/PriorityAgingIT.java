package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Priorities without starvation: under a steady flood of priority-0 jobs (a backlog that never
 * drains), a few priority-9 jobs still finish within a bound, because aging lowers a waiting job's
 * effective priority one step per aging interval. Bound: 9 steps x aging interval, plus the aging
 * chore's period, plus the claims already in flight. The negative control runs the same flood
 * without aging for longer than that bound, and the priority-9 jobs do not run; it first checks
 * that its claimer threads ran to the end (their failures are rethrown), that they ran priority-0
 * work all along, and that the backlog never ran dry.
 */
class PriorityAgingIT {
    private static final int CLAIMERS = 4;
    private static final int LOW = 5;
    private static final Duration AGING = Duration.ofMillis(400);
    private static final Duration CHORE_PERIOD = Duration.ofMillis(100);
    /** 9 x 400 ms + 100 ms + slack for claims in flight on a loaded 2-core machine. */
    private static final Duration BOUND = Duration.ofSeconds(8);

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(CLAIMERS + 6);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void lowPriorityJobsFinishWithinTheBoundUnderAFloodOfHighPriorityWork() throws Exception {
        Flood starved = flood("aging.naive", false, BOUND.plusSeconds(2));
        long starvedDone = starved.low.stream().filter(PriorityAgingIT::done).count();

        long started = System.nanoTime();
        Flood aged = flood("aging.job", true, BOUND);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        long agedDone = aged.low.stream().filter(PriorityAgingIT::done).count();

        System.out.printf(
                "aging: flood of priority-0 jobs on %d claimers; without aging %d of %d priority-9 jobs ran in %d s"
                        + " (%d priority-0 jobs ran, backlog never below %d); with aging (%d ms per step) all %d ran"
                        + " in %d ms (bound %d s; %d priority-0 jobs ran)%n",
                CLAIMERS,
                starvedDone,
                LOW,
                BOUND.plusSeconds(2).toSeconds(),
                starved.claimed,
                starved.minBacklog,
                AGING.toMillis(),
                agedDone,
                took.toMillis(),
                BOUND.toSeconds(),
                aged.claimed);
        // the control's own preconditions: its claimers ran to the end, claimed all along, and the flood never dried up
        assertThat(starved.threadsDone)
                .as("every thread of the naive flood ran to the end")
                .isEqualTo(CLAIMERS + 1);
        assertThat(starved.claimed).as("the claimers worked through the flood").isGreaterThan(CLAIMERS * 100L);
        assertThat(starved.minBacklog)
                .as("there was always priority-0 work waiting")
                .isPositive();
        assertThat(starvedDone).as("without aging the flood must starve them").isZero();
        assertThat(aged.threadsDone).isEqualTo(CLAIMERS + 2);
        assertThat(aged.minBacklog).isPositive();
        assertThat(agedDone).isEqualTo(LOW);
    }

    /**
     * What a flood did: the priority-9 ids, how many jobs the claimers ran, the smallest backlog of
     * priority-0 jobs the filler saw, and how many of the flood's threads ended normally.
     */
    private record Flood(List<UUID> low, long claimed, long minBacklog, int threadsDone) {}

    /**
     * Keeps a backlog of priority-0 jobs of {@code type} while claimers run them, with LOW
     * priority-9 jobs submitted first; runs until the priority-9 jobs are done (with aging) or the
     * time is up.
     */
    private static Flood flood(String type, boolean aging, Duration time) throws Exception {
        List<UUID> low = new ArrayList<>();
        for (int i = 0; i < LOW; i++) {
            low.add(submit(type, 9));
        }
        List<JobEvent> initial = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            initial.add(event(type, 0));
        }
        repository.insertMissing(initial, "flood");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong claimed = new AtomicLong();
        AtomicLong minBacklog = new AtomicLong(Long.MAX_VALUE);
        ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS + 2);
        List<Future<?>> threads = new ArrayList<>();
        for (int c = 0; c < CLAIMERS; c++) {
            String owner = "worker-" + c;
            threads.add(pool.submit(() -> {
                while (!stop.get()) {
                    for (Claim claim : repository.claimDue(Set.of(type), 1, owner, Duration.ofMinutes(1))) {
                        jdbc.sql("SELECT pg_sleep(0.005)").query().singleValue();
                        repository.finish(List.of(RunOutcome.succeeded(claim.jobId(), claim.token())), owner);
                        claimed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        threads.add(pool.submit(() -> {
            while (!stop.get()) {
                long backlog = jdbc.sql(
                                "SELECT count(*) FROM jobs WHERE type = ? AND state = 'PENDING' AND priority = 0")
                        .param(type)
                        .query(Long.class)
                        .single();
                minBacklog.accumulateAndGet(backlog, Math::min);
                if (backlog < 500) {
                    List<JobEvent> more = new ArrayList<>();
                    for (long i = backlog; i < 1000; i++) {
                        more.add(event(type, 0));
                    }
                    repository.insertMissing(more, "flood");
                }
            }
            return null;
        }));
        if (aging) {
            threads.add(pool.submit(() -> {
                while (!stop.get()) {
                    repository.agePriorities(AGING, 1000);
                    await().pollDelay(CHORE_PERIOD).until(() -> true);
                }
                return null;
            }));
        }
        try {
            if (aging) {
                await().atMost(time)
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> low.stream().allMatch(PriorityAgingIT::done));
            } else {
                await().pollDelay(time).atMost(time.plusSeconds(1)).until(() -> true);
            }
        } finally {
            stop.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        int done = 0;
        for (Future<?> f : threads) {
            f.get(); // a thread that died fails the test here, with its cause
            done++;
        }
        return new Flood(low, claimed.get(), minBacklog.get(), done);
    }

    private static UUID submit(String type, int priority) {
        return repository.submit(event(type, priority), "test").job().id();
    }

    private static JobEvent event(String type, int priority) {
        return new JobEvent(
                JobIds.next(), type, JobCodec.mapper().createObjectNode(), priority, null, null, null, null);
    }

    private static boolean done(UUID id) {
        return repository.find(id).orElseThrow().state() == JobState.SUCCEEDED;
    }
}
