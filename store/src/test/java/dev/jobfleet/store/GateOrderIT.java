package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Many-row inserts bring new concurrency keys in one order. A new key's gate row is inserted by an
 * after-row trigger in the order the job rows went in, and an uncommitted gate of another statement
 * makes the insert wait. {@value #THREADS} threads at once each insert one job per key of the same
 * {@value #KEYS} new keys, each in its own shuffled order. Negative control: the Kafka-first insert
 * with its rows in id order (as it was) deadlocks; jobfleet's three many-row inserts (Kafka-first,
 * insert-and-claim, plain submissions), rows in {@code (concurrency_key, id)} order, never do.
 */
class GateOrderIT {
    private static final int THREADS = 10;
    private static final int KEYS = 32;
    private static final int ROUNDS = 25;
    private static final int MAX_NAIVE_ROUNDS = 100;

    private static TestDatabase db;
    private static JdbcClient jdbc;
    private static JobRepository jobs;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 2);
        jdbc = JdbcClient.create(db.dataSource());
        jobs = new JobRepository(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void newKeysBroughtInOppositeOrdersNeverDeadlock() {
        String idOrder = JobSql.INSERT_MISSING_JOBS.replace("ORDER BY concurrency_key, id", "ORDER BY id");
        assertThat(idOrder)
                .as("control precondition: the key order was taken out")
                .isNotEqualTo(JobSql.INSERT_MISSING_JOBS);
        Outcome naive = new Outcome();
        int naiveRounds = 0;
        while (naiveRounds < MAX_NAIVE_ROUNDS && naive.deadlocks == 0) {
            naiveRounds++;
            race("naive", naive, events -> insert(idOrder, events));
        }
        // at least as many races as the control needed to deadlock once
        int rounds = Math.max(ROUNDS, naiveRounds);

        Outcome kafkaFirst = new Outcome();
        Outcome intake = new Outcome();
        Outcome plain = new Outcome();
        for (int round = 1; round <= rounds; round++) {
            race("kafka", kafkaFirst, events -> insert(JobSql.INSERT_MISSING_JOBS, events));
            race(
                    "intake",
                    intake,
                    events -> jobs.insertAndClaim(events, Set.of("gate.order"), "w", Duration.ofMinutes(1), "w"));
            race(
                    "plain",
                    plain,
                    events ->
                            jobs.submitPlain(events, Collections.nCopies(events.size(), JobOptions.NONE), "api:test"));
        }
        System.out.printf(
                "gate order: rows in id order deadlocked %d times in %d inserts (%d races); in key order, %d races"
                        + " each, of %d / %d / %d inserts (Kafka-first, insert-and-claim, plain): %d / %d / %d%n",
                naive.deadlocks,
                naive.inserts,
                naiveRounds,
                rounds,
                kafkaFirst.inserts,
                intake.inserts,
                plain.inserts,
                kafkaFirst.deadlocks,
                intake.deadlocks,
                plain.deadlocks);

        assertThat(naive.inserts)
                .as("control: every thread of every race ran to its end")
                .isEqualTo(naiveRounds * THREADS);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE concurrency_key LIKE 'naive-%'")
                        .query(Long.class)
                        .single())
                .as("control: the inserts that were not deadlock victims stored their jobs")
                .isEqualTo(naive.stored)
                .isPositive();
        assertThat(naive.deadlocks).as("control: rows in id order deadlock").isPositive();
        for (Outcome o : List.of(kafkaFirst, intake, plain)) {
            assertThat(o.inserts).isEqualTo(rounds * THREADS);
            assertThat(o.deadlocks).isZero();
            assertThat(o.stored).isEqualTo((long) rounds * THREADS * KEYS);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM jobs j WHERE j.concurrency_key LIKE 'kafka-%' OR"
                                + " j.concurrency_key LIKE 'intake-%' OR j.concurrency_key LIKE 'plain-%'")
                        .query(Long.class)
                        .single())
                .isEqualTo(3L * rounds * THREADS * KEYS);
        assertThat(jdbc.sql("SELECT count(*) FROM concurrency_key WHERE key LIKE 'kafka-%' OR key LIKE 'intake-%'"
                                + " OR key LIKE 'plain-%'")
                        .query(Long.class)
                        .single())
                .as("one gate per key")
                .isEqualTo(3L * rounds * KEYS);
    }

    private static final class Outcome {
        int inserts;
        int deadlocks;
        long stored;
    }

    /** {@value #THREADS} threads insert one job per key of {@value #KEYS} new keys, each in its own order. */
    private static void race(String prefix, Outcome outcome, Consumer<List<JobEvent>> insert) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            keys.add(prefix + "-" + JobIds.next());
        }
        List<Boolean> deadlocked = Race.run(THREADS, t -> () -> {
            List<String> mine = new ArrayList<>(keys);
            Collections.shuffle(mine, ThreadLocalRandom.current());
            List<JobEvent> events = new ArrayList<>();
            for (String key : mine) {
                // ids grow in creation order: in id order the rows go in this thread's key order
                events.add(new JobEvent(
                        JobIds.next(),
                        "gate.order",
                        JobCodec.mapper().createObjectNode(),
                        null,
                        null,
                        null,
                        key,
                        null));
            }
            try {
                insert.accept(events);
                return false;
            } catch (DataAccessException e) {
                if (Deadlocks.isDeadlock(e)) {
                    return true;
                }
                throw e;
            }
        });
        for (boolean d : deadlocked) {
            outcome.inserts++;
            if (d) {
                outcome.deadlocks++;
            } else {
                outcome.stored += KEYS;
            }
        }
    }

    /** {@code sql}, a variant of {@link JobSql#INSERT_MISSING_JOBS}, with a short deadlock timeout. */
    private static void insert(String sql, List<JobEvent> events) {
        new TransactionTemplate(new DataSourceTransactionManager(db.dataSource())).executeWithoutResult(status -> {
            jdbc.sql("SET LOCAL deadlock_timeout = '50ms'").update();
            jdbc.sql(sql)
                    .params(JobRepository.eventRows(events), "test")
                    .query()
                    .listOfRows();
        });
    }
}
