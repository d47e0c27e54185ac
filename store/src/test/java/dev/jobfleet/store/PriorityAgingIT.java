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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Priorities without starvation: under a steady flood of priority-0 jobs (a backlog that never
 * drains), a few priority-9 jobs still finish within a bound, because aging lowers a waiting job's
 * effective priority one step per aging interval. Bound: 9 steps x aging interval, plus the aging
 * chore's period, plus the claims already in flight. The negative control runs the same flood
 * without aging for longer than that bound, and the priority-9 jobs do not run.
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
        List<UUID> starved = flood("aging.naive", false, BOUND.plusSeconds(2));
        long starvedDone = starved.stream().filter(PriorityAgingIT::done).count();

        long started = System.nanoTime();
        List<UUID> aged = flood("aging.job", true, BOUND);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        long agedDone = aged.stream().filter(PriorityAgingIT::done).count();

        System.out.printf(
                "aging: flood of priority-0 jobs on %d claimers; without aging %d of %d priority-9 jobs ran in %d s;"
                        + " with aging (%d ms per step) all %d ran in %d ms (bound %d s)%n",
                CLAIMERS,
                starvedDone,
                LOW,
                BOUND.plusSeconds(2).toSeconds(),
                AGING.toMillis(),
                agedDone,
                took.toMillis(),
                BOUND.toSeconds());
        assertThat(starvedDone).as("without aging the flood must starve them").isZero();
        assertThat(agedDone).isEqualTo(LOW);
    }

    /**
     * Keeps a backlog of priority-0 jobs of {@code type} while claimers run them, with LOW
     * priority-9 jobs submitted first; runs until the priority-9 jobs are done (with aging) or the
     * time is up. Returns the priority-9 ids.
     */
    private static List<UUID> flood(String type, boolean aging, Duration time) throws Exception {
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
        ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS + 2);
        for (int c = 0; c < CLAIMERS; c++) {
            String owner = "worker-" + c;
            pool.submit(() -> {
                while (!stop.get()) {
                    for (Claim claim : repository.claimDue(Set.of(type), 1, owner, Duration.ofMinutes(1))) {
                        jdbc.sql("SELECT pg_sleep(0.005)").query().singleValue();
                        repository.finish(List.of(RunOutcome.succeeded(claim.jobId(), claim.token())), owner);
                    }
                }
                return null;
            });
        }
        pool.submit(() -> {
            while (!stop.get()) {
                long backlog = jdbc.sql(
                                "SELECT count(*) FROM jobs WHERE type = ? AND state = 'PENDING' AND priority = 0")
                        .param(type)
                        .query(Long.class)
                        .single();
                if (backlog < 500) {
                    List<JobEvent> more = new ArrayList<>();
                    for (long i = backlog; i < 1000; i++) {
                        more.add(event(type, 0));
                    }
                    repository.insertMissing(more, "flood");
                }
            }
            return null;
        });
        if (aging) {
            pool.submit(() -> {
                while (!stop.get()) {
                    repository.agePriorities(AGING, 1000);
                    await().pollDelay(CHORE_PERIOD).until(() -> true);
                }
                return null;
            });
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
        return low;
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
