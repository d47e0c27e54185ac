package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Race;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Unique jobs over HTTP: at most one job per unique key among jobs in the key's states. A
 * submission while the key is held answers 200 with the holding job and {@code Jobfleet-Duplicate:
 * unique-key}, whatever its payload. The negative control (check, then insert) runs with the same
 * threads on the jobs table without the partial unique index to stop it, as in the store's
 * UniqueJobsIT.
 */
@ApiIntegrationTest
class UniqueSubmissionIT {
    private static final int THREADS = 32;
    private static final int MAX_NAIVE_ROUNDS = 10;

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    JobRepository repository;

    private HttpApi api;
    private JdbcClient jdbc;
    private String run;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        jdbc = JdbcClient.create(dataSource);
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void thirtyTwoConcurrentSubmissionsOfOneUniqueKeyMakeOneJob() {
        // negative control: look for a holder, insert if none, the same 32 threads released at once
        List<Long> naiveJobs = new ArrayList<>();
        for (int round = 1; round <= MAX_NAIVE_ROUNDS && naiveJobs.stream().allMatch(n -> n <= 1); round++) {
            String key = "naive-" + run + "-" + round;
            Race.run(THREADS, t -> () -> naiveSubmit(key));
            naiveJobs.add(count(key));
        }

        String key = "rebuild:customer-" + run;
        TableCounts before = TableCounts.of(dataSource);
        List<HttpApi.Response> responses = Race.run(
                THREADS,
                t -> () -> api.post(
                        "/jobs",
                        "{\"type\": \"unique.rebuild\", \"payload\": {\"thread\": " + t + "}, \"uniqueKey\": \"" + key
                                + "\"}"));

        long jobs = count(key);
        Map<Integer, Long> statuses =
                responses.stream().collect(Collectors.groupingBy(HttpApi.Response::status, Collectors.counting()));
        System.out.printf(
                "unique key over HTTP, %d threads: naive check-then-insert made %s jobs per key (rounds %d);"
                        + " jobfleet made %d (statuses %s)%n",
                THREADS, naiveJobs, naiveJobs.size(), jobs, statuses);
        assertThat(naiveJobs.getLast())
                .as("the naive version must make duplicates")
                .isGreaterThan(1);
        assertThat(jobs).isOne();
        assertThat(statuses).isEqualTo(Map.of(201, 1L, 200, (long) THREADS - 1));
        UUID holder = jdbc.sql("SELECT id FROM jobs WHERE unique_key = ?")
                .param(key)
                .query(UUID.class)
                .single();
        assertThat(responses).extracting(HttpApi.Response::id).containsOnly(holder);
        assertThat(responses.stream().filter(r -> r.status() == 200))
                .allSatisfy(r -> assertThat(r.header(Duplicate.HEADER)).isEqualTo("unique-key"));
        assertThat(responses.stream().filter(r -> r.status() == 201))
                .allSatisfy(r -> assertThat(r.header(Duplicate.HEADER)).isNull());
        assertThat(TableCounts.of(dataSource))
                .as("one job, one history row, one outbox row")
                .isEqualTo(before.plus(1, 1, 1));
    }

    @Test
    void theKeyIsHeldWhileTheJobRunsAndFreeOnceItFinished() {
        String key = "report-" + run;
        String body = "{\"type\": \"unique.cycle\", \"uniqueKey\": \"" + key + "\"}";
        HttpApi.Response first = api.post("/jobs", body);
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().get("uniqueKey").stringValue()).isEqualTo(key);

        Claim claim = Runs.claim(repository, first.id(), "unique.cycle");
        TableCounts whileRunning = TableCounts.of(dataSource);
        HttpApi.Response held = api.post("/jobs", body);
        assertThat(held.status()).isEqualTo(200);
        assertThat(held.id()).isEqualTo(first.id());
        assertThat(held.json().get("state").stringValue()).isEqualTo("RUNNING");
        assertThat(TableCounts.of(dataSource)).as("stored nothing").isEqualTo(whileRunning);

        Runs.succeed(repository, claim);
        HttpApi.Response next = api.post("/jobs", body);
        assertThat(next.status()).isEqualTo(201);
        assertThat(next.id()).isNotEqualTo(first.id());
    }

    @Test
    void withSucceededAmongItsStatesTheKeyStaysHeldAfterTheJobSucceeded() {
        String key = "once-" + run;
        String body = "{\"type\": \"unique.once\", \"uniqueKey\": \"" + key
                + "\", \"uniqueStates\": [\"PENDING\", \"RUNNING\", \"RETRY_SCHEDULED\", \"SUCCEEDED\"]}";
        HttpApi.Response first = api.post("/jobs", body);
        assertThat(first.status()).isEqualTo(201);
        Runs.succeed(repository, first.id(), "unique.once");

        HttpApi.Response again = api.post("/jobs", body);

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header(Duplicate.HEADER)).isEqualTo("unique-key");
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.json().get("state").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(count(key)).isOne();
    }

    @Test
    void anIdempotencyKeyRepeatSaysSoInTheDuplicateHeader() {
        String body = "{\"type\": \"unique.idem\", \"idempotencyKey\": \"idem-" + run + "\"}";
        assertThat(api.post("/jobs", body).header(Duplicate.HEADER)).isNull();

        HttpApi.Response repeat = api.post("/jobs", body);

        assertThat(repeat.status()).isEqualTo(200);
        assertThat(repeat.header(Duplicate.HEADER)).isEqualTo("idempotency-key");
    }

    /** The naive unique submission: count the holders, then insert if none, as two statements from Java. */
    private Void naiveSubmit(String key) {
        long held = jdbc.sql("SELECT count(*) FROM jobs WHERE unique_key = ?"
                        + " AND state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED')")
                .param(key)
                .query(Long.class)
                .single();
        if (held == 0) {
            // the same row without the partial unique index to stop it: unique_states left empty
            jdbc.sql("INSERT INTO jobs (id, type, unique_key, unique_states) VALUES (?, 'unique.naive', ?, '{}')")
                    .params(UUID.randomUUID(), key)
                    .update();
        }
        return null;
    }

    private long count(String key) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE unique_key = ?")
                .param(key)
                .query(Long.class)
                .single();
    }
}
