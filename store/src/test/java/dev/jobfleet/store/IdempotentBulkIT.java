package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Idempotency-keyed bulks in one statement ({@link JobRepository#submitIdempotent}): {@value
 * #THREADS} threads at once each submit the same {@value #KEYS} keys, each in its own order. One job
 * per key, every thread answered with it, no deadlock. Negative control: the same statement with
 * its rows in the request's order instead of key order deadlocks.
 */
class IdempotentBulkIT {
    private static final int THREADS = 12;
    private static final int KEYS = 40;
    private static final int ROUNDS = 10;
    private static final int MAX_NAIVE_ROUNDS = 80;

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
    void overlappingKeyedBulksMakeOneJobPerKeyWithoutDeadlock() {
        String requestOrder = JobSql.INSERT_IDEMPOTENT_JOBS.replace("ORDER BY idempotency_key, ord", "ORDER BY ord");
        assertThat(requestOrder)
                .as("control precondition: the key order was taken out")
                .isNotEqualTo(JobSql.INSERT_IDEMPOTENT_JOBS);
        int naiveDeadlocks = 0;
        int naiveRounds = 0;
        int naiveInserts = 0;
        while (naiveRounds < MAX_NAIVE_ROUNDS && naiveDeadlocks == 0) {
            naiveRounds++;
            List<String> keys = keys("naive");
            for (boolean deadlocked : Race.run(THREADS, t -> () -> {
                List<JobEvent> events = shuffled(keys);
                try {
                    new TransactionTemplate(new DataSourceTransactionManager(db.dataSource()))
                            .executeWithoutResult(status -> {
                                jdbc.sql("SET LOCAL deadlock_timeout = '50ms'").update();
                                jdbc.sql(requestOrder)
                                        .params(
                                                JobRepository.submissionRows(
                                                        events,
                                                        Collections.nCopies(events.size(), JobOptions.NONE),
                                                        Collections.nCopies(events.size(), "test"),
                                                        JobRepository::idempotentOnly,
                                                        "idempotency-keyed-only"),
                                                "jobfleet.jobs")
                                        .query()
                                        .listOfRows();
                            });
                    return false;
                } catch (DataAccessException e) {
                    if (Deadlocks.isDeadlock(e)) {
                        return true;
                    }
                    throw e;
                }
            })) {
                naiveInserts++;
                naiveDeadlocks += deadlocked ? 1 : 0;
            }
        }

        int rounds = Math.max(ROUNDS, naiveRounds);
        int answered = 0;
        for (int round = 0; round < rounds; round++) {
            List<String> keys = keys("bulk" + round);
            List<List<Submission>> all = Race.run(THREADS, t -> () -> {
                List<JobEvent> events = shuffled(keys);
                return jobs.submitIdempotent(
                        events,
                        Collections.nCopies(events.size(), JobOptions.NONE),
                        Collections.nCopies(events.size(), "api:t" + t));
            });
            Map<String, UUID> jobByKey = new HashMap<>();
            int created = 0;
            for (List<Submission> submissions : all) {
                assertThat(submissions).hasSize(KEYS).doesNotContainNull();
                for (Submission s : submissions) {
                    UUID first = jobByKey.putIfAbsent(
                            s.job().idempotencyKey(), s.job().id());
                    assertThat(first == null ? s.job().id() : first)
                            .as("every thread answered with the key's one job")
                            .isEqualTo(s.job().id());
                    created += s.created() ? 1 : 0;
                    answered++;
                }
            }
            assertThat(created).as("one created per key").isEqualTo(KEYS);
            assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE idempotency_key LIKE ?")
                            .param("bulk" + round + "-%")
                            .query(Long.class)
                            .single())
                    .isEqualTo(KEYS);
            assertThat(jdbc.sql("SELECT count(*) FROM outbox o JOIN jobs j ON j.id = o.job_id"
                                    + " WHERE j.idempotency_key LIKE ?")
                            .param("bulk" + round + "-%")
                            .query(Long.class)
                            .single())
                    .as("one outbox row per job")
                    .isEqualTo(KEYS);
        }
        System.out.printf(
                "idempotent bulk: %d threads x the same %d keys in their own orders; rows in request order"
                        + " deadlocked %d times in %d statements (%d races); in key order %d races, %d answers,"
                        + " one job per key, 0 deadlocks%n",
                THREADS, KEYS, naiveDeadlocks, naiveInserts, naiveRounds, rounds, answered);
        assertThat(naiveInserts)
                .as("control: every thread of every race ran to its end")
                .isEqualTo(naiveRounds * THREADS);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE idempotency_key LIKE 'naive-%'")
                        .query(Long.class)
                        .single())
                .as("control: the statements that were not deadlock victims stored every key of each race")
                .isEqualTo((long) naiveRounds * KEYS);
        assertThat(naiveDeadlocks).as("control: rows in request order deadlock").isPositive();
        assertThat(answered).isEqualTo(rounds * THREADS * KEYS);
    }

    private static List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            keys.add(prefix + "-" + k + "-" + JobIds.next());
        }
        return keys;
    }

    private static List<JobEvent> shuffled(List<String> keys) {
        List<String> mine = new ArrayList<>(keys);
        Collections.shuffle(mine, ThreadLocalRandom.current());
        List<JobEvent> events = new ArrayList<>();
        for (String key : mine) {
            events.add(new JobEvent(
                    JobIds.next(), "bulk.keyed", JobCodec.mapper().createObjectNode(), null, null, null, null, key));
        }
        return events;
    }
}
