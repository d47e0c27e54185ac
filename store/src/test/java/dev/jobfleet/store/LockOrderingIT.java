package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Lock ordering: statements that lock several job rows lock them in id order, so overlapping
 * batches from many threads never deadlock. 16 threads extend the leases of overlapping batches of
 * the same 100 running jobs, each batch handed over in its own random order. The naive version
 * (one UPDATE per row, in the order given, in one transaction) deadlocks.
 */
class LockOrderingIT {
    private static final int THREADS = 16;
    private static final int JOBS = 100;
    private static final int ROUNDS = 20;

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 2);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void overlappingBatchesFromManyThreadsNeverDeadlock() {
        Map<UUID, UUID> naiveRuns = running("lock.naive");
        List<UUID> naiveIds = new ArrayList<>(naiveRuns.keySet());
        TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(db.dataSource()));
        AtomicInteger naiveDeadlocks = new AtomicInteger();
        Race.run(THREADS, t -> () -> {
            for (int r = 0; r < 3; r++) {
                List<UUID> batch = shuffledHalf(naiveIds);
                try {
                    tx.executeWithoutResult(status -> {
                        // detect quickly: the default deadlock_timeout is 1 s
                        jdbc.sql("SET LOCAL deadlock_timeout = '50ms'").update();
                        for (UUID id : batch) {
                            jdbc.sql("UPDATE jobs SET lease_expires_at = now() + interval '1 minute'"
                                            + " WHERE id = ? AND claim_token = ?")
                                    .params(id, naiveRuns.get(id))
                                    .update();
                        }
                    });
                } catch (DataAccessException e) {
                    if (!Deadlocks.isDeadlock(e)) {
                        throw e;
                    }
                    naiveDeadlocks.incrementAndGet();
                }
            }
            return null;
        });

        Map<UUID, UUID> runs = running("lock.job");
        List<UUID> ids = new ArrayList<>(runs.keySet());
        AtomicInteger deadlocks = new AtomicInteger();
        AtomicInteger extended = new AtomicInteger();
        Race.run(THREADS, t -> () -> {
            for (int r = 0; r < ROUNDS; r++) {
                extendShuffledHalf(ids, runs, extended, deadlocks);
            }
            return null;
        });
        System.out.printf(
                "lock order: %d threads x overlapping batches of %d running jobs; naive row-by-row updates deadlocked %d times"
                        + " in %d transactions, jobfleet %d times in %d statements (%d leases extended)%n",
                THREADS,
                JOBS / 2,
                naiveDeadlocks.get(),
                THREADS * 3,
                deadlocks.get(),
                THREADS * ROUNDS,
                extended.get());
        assertThat(naiveDeadlocks.get()).as("the naive version must deadlock").isPositive();
        assertThat(deadlocks.get()).isZero();
        assertThat(extended.get()).isEqualTo(THREADS * ROUNDS * JOBS / 2);
    }

    /**
     * The finish locks its rows through its UPDATE, not a {@code FOR UPDATE} first, in id order
     * (the outcomes are sorted in the statement). 8 finishers end 400 running jobs in batches of 10,
     * each batch handed over shuffled, while 8 heartbeat threads extend shuffled halves of the same
     * jobs (id-ordered {@code FOR UPDATE}), as a worker's completer and heartbeat do. The control
     * is the same statement without its sort: locks in the order given.
     */
    @Test
    void finishesAndHeartbeatsOfTheSameRunsNeverDeadlock() {
        String unsorted = JobSql.FINISH_RUNS.replace("ORDER BY o.id", "");
        assertThat(unsorted).as("control precondition: the sort was taken out").isNotEqualTo(JobSql.FINISH_RUNS);
        // the control's deadlocks depend on timing (4 to 23 per race seen): up to 5 races until one shows
        FinishRace naive = null;
        int races = 0;
        while (races < 5 && (naive == null || naive.deadlocks == 0)) {
            naive = finishRace("lock.finish.naive" + races++, unsorted);
            assertThat(naive.finished)
                    .as("control precondition: every job was finished (deadlocked batches retried)")
                    .isEqualTo(FINISH_JOBS);
            assertThat(naive.extended)
                    .as("control precondition: the heartbeats ran beside the finishes")
                    .isPositive();
        }
        assertThat(naive.deadlocks)
                .as("control: locks in the order given deadlock")
                .isPositive();

        FinishRace jobfleet = finishRace("lock.finish", JobSql.FINISH_RUNS);
        assertThat(jobfleet.finished).isEqualTo(FINISH_JOBS);
        assertThat(jobfleet.extended).isPositive();
        assertThat(jobfleet.deadlocks).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM job_history WHERE to_state = 'SUCCEEDED' AND job_id IN"
                                + " (SELECT id FROM jobs WHERE type = 'lock.finish')")
                        .query(Long.class)
                        .single())
                .as("one outcome per job")
                .isEqualTo(FINISH_JOBS);
        System.out.printf(
                "lock order, finish vs heartbeat: %d jobs, 8 finishers (batches of 10, shuffled) + 8 heartbeat threads;"
                        + " unsorted finish deadlocked %d times (race %d), jobfleet %d (%d / %d leases extended)%n",
                FINISH_JOBS, naive.deadlocks, races, jobfleet.deadlocks, naive.extended, jobfleet.extended);
    }

    private static final int FINISH_JOBS = 400;

    /** Jobs finished, leases extended and deadlocks seen by one race of finishers and heartbeats. */
    private record FinishRace(int finished, int extended, int deadlocks) {}

    private static FinishRace finishRace(String type, String finishSql) {
        Map<UUID, UUID> runs = running(type, FINISH_JOBS);
        List<UUID> ids = new ArrayList<>(runs.keySet());
        AtomicInteger finishersDone = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicInteger extended = new AtomicInteger();
        AtomicInteger deadlocks = new AtomicInteger();
        int finishers = THREADS / 2;
        int slice = FINISH_JOBS / finishers;
        Race.run(THREADS, t -> () -> {
            if (t < finishers) {
                List<UUID> mine = new ArrayList<>(ids.subList(t * slice, (t + 1) * slice));
                Collections.shuffle(mine);
                for (int from = 0; from < mine.size(); from += 10) {
                    List<UUID> batch = mine.subList(from, from + 10);
                    while (true) {
                        try {
                            finished.addAndGet(finish(finishSql, batch, runs));
                            break;
                        } catch (DataAccessException e) {
                            if (!Deadlocks.isDeadlock(e)) {
                                throw e;
                            }
                            deadlocks.incrementAndGet(); // rolled back whole: the completer retries it
                        }
                    }
                }
                finishersDone.incrementAndGet();
            } else {
                while (finishersDone.get() < finishers) {
                    extendShuffledHalf(ids, runs, extended, deadlocks);
                }
            }
            return null;
        });
        return new FinishRace(finished.get(), extended.get(), deadlocks.get());
    }

    /** {@code sql} (a variant of {@link JobSql#FINISH_RUNS}) for successes of {@code batch}, in its order. */
    private static int finish(String sql, List<UUID> batch, Map<UUID, UUID> runs) {
        Integer n = new TransactionTemplate(new DataSourceTransactionManager(db.dataSource())).execute(status -> {
            // detect quickly (both arms): the default deadlock_timeout is 1 s
            jdbc.sql("SET LOCAL deadlock_timeout = '50ms'").update();
            return finishStatement(sql, batch, runs);
        });
        return n == null ? 0 : n;
    }

    private static int finishStatement(String sql, List<UUID> batch, Map<UUID, UUID> runs) {
        int n = batch.size();
        return jdbc.sql(sql)
                .params(
                        new SqlArrayValue("uuid", batch.toArray()),
                        new SqlArrayValue("uuid", batch.stream().map(runs::get).toArray()),
                        new SqlArrayValue(
                                "text", Collections.nCopies(n, "SUCCEEDED").toArray()),
                        new SqlArrayValue("bigint", Collections.nCopies(n, 0L).toArray()),
                        new SqlArrayValue("text", new Object[n]),
                        new SqlArrayValue(
                                "text", Collections.nCopies(n, "succeeded").toArray()),
                        "test")
                .query()
                .listOfRows()
                .size();
    }

    private static Map<UUID, UUID> running(String type) {
        return running(type, JOBS);
    }

    private static Map<UUID, UUID> running(String type, int jobs) {
        List<UUID> ids = Jobs.submit(repository, type, jobs);
        Map<UUID, UUID> tokens = new LinkedHashMap<>();
        repository.claim(ids, Set.of(type), "w", Duration.ofMinutes(5)).forEach(c -> tokens.put(c.jobId(), c.token()));
        assertThat(tokens).hasSize(jobs);
        return tokens;
    }

    /** One heartbeat over a shuffled half of {@code ids}: counts the leases extended, or a deadlock. */
    private static void extendShuffledHalf(
            List<UUID> ids, Map<UUID, UUID> runs, AtomicInteger extended, AtomicInteger deadlocks) {
        Map<UUID, UUID> batch = new LinkedHashMap<>();
        shuffledHalf(ids).forEach(id -> batch.put(id, runs.get(id)));
        try {
            extended.addAndGet(
                    repository.extendLeases(batch, Duration.ofMinutes(1)).size());
        } catch (DataAccessException e) {
            if (!Deadlocks.isDeadlock(e)) {
                throw e;
            }
            deadlocks.incrementAndGet();
        }
    }

    private static List<UUID> shuffledHalf(List<UUID> ids) {
        List<UUID> copy = new ArrayList<>(ids);
        Collections.shuffle(copy);
        return copy.subList(0, ids.size() / 2);
    }
}
