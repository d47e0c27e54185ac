package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.store.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G3: concurrent submissions with one idempotency key make one job. The negative control runs the
 * naive version (look the key up, insert if absent) with the same threads on a scratch table that
 * has no unique constraint, and must show duplicates; jobfleet's insert, decided by the unique
 * constraint with {@code ON CONFLICT DO NOTHING}, must not.
 */
@ApiIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotentSubmissionIT {
    private static final int THREADS = 32;
    private static final int JOBFLEET_ROUNDS = 3;
    private static final int MIN_NAIVE_ROUNDS = 3;
    private static final int MAX_NAIVE_ROUNDS = 20;

    @LocalServerPort
    int port;

    @Autowired
    TestDatabase database;

    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    private JdbcClient jdbc;

    @BeforeAll
    void scratchTable() {
        // the scratch table is the test's, made as the server's superuser: the app role may not create tables
        jdbc = JdbcClient.create(database.dataSource());
        jdbc.sql("CREATE TABLE naive_jobs (id uuid PRIMARY KEY, idempotency_key text NOT NULL)")
                .update();
    }

    @AfterAll
    void dropScratchTable() {
        threads.shutdownNow();
        jdbc.sql("DROP TABLE naive_jobs").update();
    }

    @Test
    void g3_concurrentSubmissionsWithOneIdempotencyKeyMakeOneJob() throws Exception {
        // negative control: check-then-insert in Java, the same 32 threads released by one latch
        List<Long> naiveRows = new ArrayList<>();
        long naiveAnomalies = 0;
        for (int round = 1; round <= MAX_NAIVE_ROUNDS && (round <= MIN_NAIVE_ROUNDS || naiveAnomalies == 0); round++) {
            String key = "naive-" + UUID.randomUUID();
            race(() -> naiveSubmit(key));
            long rows = jdbc.sql("SELECT count(*) FROM naive_jobs WHERE idempotency_key = ?")
                    .param(key)
                    .query(Long.class)
                    .single();
            naiveRows.add(rows);
            naiveAnomalies += rows - 1;
        }

        // jobfleet: POST /jobs with one Idempotency-Key, the same threads and latch
        HttpApi api = new HttpApi(port);
        List<Long> jobfleetRows = new ArrayList<>();
        long jobfleetAnomalies = 0;
        for (int round = 1; round <= JOBFLEET_ROUNDS; round++) {
            String key = "g3-" + UUID.randomUUID();
            List<HttpApi.Response> responses = race(() ->
                    api.post("/jobs", "{\"type\": \"g3.test\", \"payload\": {\"n\": 1}}", "Idempotency-Key", key));
            long rows = jdbc.sql("SELECT count(*) FROM jobs WHERE idempotency_key = ?")
                    .param(key)
                    .query(Long.class)
                    .single();
            jobfleetRows.add(rows);
            jobfleetAnomalies += rows - 1;

            Map<Integer, Long> statuses =
                    responses.stream().collect(Collectors.groupingBy(HttpApi.Response::status, Collectors.counting()));
            assertThat(statuses).as("statuses of round %d", round).isEqualTo(Map.of(201, 1L, 200, (long) THREADS - 1));
            UUID stored = jdbc.sql("SELECT id FROM jobs WHERE idempotency_key = ?")
                    .param(key)
                    .query(UUID.class)
                    .single();
            assertThat(responses).extracting(HttpApi.Response::id).containsOnly(stored);
            assertThat(countFor("job_history", stored)).isOne();
            assertThat(countFor("outbox", stored)).isOne();
        }

        System.out.printf(
                "G3 %d threads per round: naive check-then-insert rows per key %s -> %d duplicate rows;"
                        + " jobfleet rows per key %s -> %d duplicate rows (1 x 201 and %d x 200 per round)%n",
                THREADS, naiveRows, naiveAnomalies, jobfleetRows, jobfleetAnomalies, THREADS - 1);
        assertThat(naiveAnomalies)
                .as("the naive version must show the race, or this test proves nothing")
                .isPositive();
        assertThat(jobfleetAnomalies).isZero();
    }

    @Test
    void aRepeatWithTheSamePayloadWrittenDifferentlyReturnsTheSameJob() {
        HttpApi api = new HttpApi(port);
        String key = "same-" + UUID.randomUUID();

        HttpApi.Response first = api.post(
                "/jobs",
                "{\"type\": \"g3.same\", \"payload\": {\"a\": 1, \"b\": [1.50, 1e2]}}",
                "Idempotency-Key",
                key);
        HttpApi.Response repeat = api.post(
                "/jobs",
                "{\"payload\": {\"b\": [1.5, 100], \"a\": 1.0}, \"type\": \"g3.same\", \"idempotencyKey\": \"" + key
                        + "\"}");

        assertThat(first.status()).isEqualTo(201);
        assertThat(repeat.status()).as(repeat.toString()).isEqualTo(200);
        assertThat(repeat.id()).isEqualTo(first.id());
        assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE idempotency_key = ?")
                        .param(key)
                        .query(Long.class)
                        .single())
                .isOne();
    }

    /** The naive submission: SELECT by key, then INSERT if absent, as two statements from Java. */
    private UUID naiveSubmit(String key) {
        List<UUID> existing = jdbc.sql("SELECT id FROM naive_jobs WHERE idempotency_key = ?")
                .param(key)
                .query(UUID.class)
                .list();
        if (!existing.isEmpty()) {
            return existing.getFirst();
        }
        UUID id = UUID.randomUUID();
        jdbc.sql("INSERT INTO naive_jobs (id, idempotency_key) VALUES (?, ?)")
                .params(id, key)
                .update();
        return id;
    }

    /** Runs {@code action} on every thread at once: all wait on one latch, then go. */
    private <T> List<T> race(Callable<T> action) throws Exception {
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            futures.add(threads.submit(() -> {
                ready.countDown();
                go.await();
                return action.call();
            }));
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    private long countFor(String table, UUID jobId) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE job_id = ?")
                .param(jobId)
                .query(Long.class)
                .single();
    }
}
