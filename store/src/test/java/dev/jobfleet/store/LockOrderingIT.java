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
                    if (!isDeadlock(e)) {
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
                Map<UUID, UUID> batch = new LinkedHashMap<>();
                shuffledHalf(ids).forEach(id -> batch.put(id, runs.get(id)));
                try {
                    extended.addAndGet(repository
                            .extendLeases(batch, Duration.ofMinutes(1))
                            .size());
                } catch (DataAccessException e) {
                    if (!isDeadlock(e)) {
                        throw e;
                    }
                    deadlocks.incrementAndGet();
                }
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

    private static Map<UUID, UUID> running(String type) {
        List<UUID> ids = Jobs.submit(repository, type, JOBS);
        Map<UUID, UUID> tokens = new LinkedHashMap<>();
        repository.claim(ids, Set.of(type), "w", Duration.ofMinutes(5)).forEach(c -> tokens.put(c.jobId(), c.token()));
        assertThat(tokens).hasSize(JOBS);
        return tokens;
    }

    private static List<UUID> shuffledHalf(List<UUID> ids) {
        List<UUID> copy = new ArrayList<>(ids);
        Collections.shuffle(copy);
        return copy.subList(0, ids.size() / 2);
    }

    private static boolean isDeadlock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "40P01".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
