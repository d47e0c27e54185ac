package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.store.Race;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /jobs:batch}: each item is all-or-nothing on its own, with the status {@code POST
 * /jobs} would have given it. 16 clients sending the same 50 unique-keyed items at once make
 * exactly 50 jobs; the negative control (check, then insert, per item) with the same threads
 * makes more.
 */
@ApiIntegrationTest
class BulkSubmitIT {
    private static final int THREADS = 16;
    private static final int ITEMS = 50;
    private static final int MAX_NAIVE_ROUNDS = 10;

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

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
    void sixteenClientsSendingTheSameFiftyUniqueItemsMakeFiftyJobs() {
        // negative control: per item, look for a holder and insert if none; the same 16 threads
        List<Long> naiveJobs = new ArrayList<>();
        for (int round = 1; round <= MAX_NAIVE_ROUNDS && naiveJobs.stream().allMatch(n -> n <= ITEMS); round++) {
            String prefix = "naive-" + run + "-" + round + "-";
            Race.run(THREADS, t -> () -> {
                for (int i = 0; i < ITEMS; i++) {
                    naiveSubmit(prefix + i);
                }
                return null;
            });
            naiveJobs.add(countKeys(prefix));
        }

        String prefix = "bulk-" + run + "-";
        String body = IntStream.range(0, ITEMS)
                .mapToObj(i -> "{\"type\": \"bulk.item\", \"payload\": {\"i\": " + i + "}, \"uniqueKey\": \"" + prefix
                        + i + "\"}")
                .collect(Collectors.joining(", ", "{\"jobs\": [", "]}"));
        TableCounts before = TableCounts.of(dataSource);

        List<HttpApi.Response> responses = Race.run(THREADS, t -> () -> api.post("/jobs:batch", body));

        long jobs = countKeys(prefix);
        System.out.printf(
                "bulk: %d clients x the same %d unique-keyed items; naive check-then-insert made %s jobs"
                        + " (rounds %d); jobfleet made %d%n",
                THREADS, ITEMS, naiveJobs, naiveJobs.size(), jobs);
        assertThat(naiveJobs.getLast())
                .as("the naive version must make duplicates")
                .isGreaterThan(ITEMS);
        assertThat(jobs).isEqualTo(ITEMS);
        assertThat(TableCounts.of(dataSource)).isEqualTo(before.plus(ITEMS, ITEMS, ITEMS));
        for (HttpApi.Response response : responses) {
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            JsonNode results = response.json().get("results");
            assertThat(results.size()).isEqualTo(ITEMS);
            for (int i = 0; i < ITEMS; i++) {
                JsonNode result = results.get(i);
                assertThat(result.get("index").intValue()).isEqualTo(i);
                assertThat(result.get("job").get("uniqueKey").stringValue()).isEqualTo(prefix + i);
                assertThat(result.get("job").get("payload").get("i").intValue()).isEqualTo(i);
                if (result.get("status").intValue() == 200) {
                    assertThat(result.get("duplicate").stringValue()).isEqualTo("unique-key");
                } else {
                    assertThat(result.get("status").intValue()).isEqualTo(201);
                    assertThat(result.has("duplicate")).isFalse();
                }
            }
            JsonNode tally = response.json();
            assertThat(tally.get("created").intValue() + tally.get("existing").intValue())
                    .isEqualTo(ITEMS);
            assertThat(tally.get("failed").intValue()).isZero();
        }
        for (int i = 0; i < ITEMS; i++) {
            int index = i;
            List<JsonNode> item = responses.stream()
                    .map(r -> r.json().get("results").get(index))
                    .toList();
            assertThat(item.stream().filter(r -> r.get("status").intValue() == 201))
                    .as("item %d created exactly once", i)
                    .hasSize(1);
            Set<String> ids =
                    item.stream().map(r -> r.get("job").get("id").stringValue()).collect(Collectors.toSet());
            assertThat(ids).as("every client got the same job for item %d", i).hasSize(1);
        }
    }

    @Test
    void validItemsAreStoredAndEachInvalidOneGetsItsOwnProblem() {
        String held = "bulk-held-" + run;
        assertThat(api.post("/jobs", "{\"type\": \"bulk.held\", \"idempotencyKey\": \"" + held + "\"}")
                        .status())
                .isEqualTo(201);
        String body = "{\"jobs\": ["
                + "{\"type\": \"bulk.ok\", \"idempotencyKey\": \"bulk-new-" + run + "\"},"
                + "{\"type\": \"bulk bad\", \"priority\": 10},"
                + "{\"type\": \"bulk.held\", \"idempotencyKey\": \"" + held + "\"},"
                + "{\"type\": \"bulk.other\", \"idempotencyKey\": \"" + held + "\"},"
                + "{\"type\": \"bulk.big\", \"payload\": \"" + "x".repeat(ApiIntegrationTest.MAX_PAYLOAD_BYTES) + "\"},"
                + "7,"
                + "{\"type\": \"bulk.ok\", \"colour\": \"red\"},"
                + "{\"type\": \"bulk.ok\", \"metadata\": {\"n\": 1}}"
                + "]}";
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = api.post("/jobs:batch", body);

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        JsonNode results = response.json().get("results");
        assertThat(results.valueStream().map(r -> r.get("status").intValue()))
                .containsExactly(201, 400, 200, 422, 413, 400, 400, 201);
        assertThat(results.get(1).get("problem").get("type").stringValue()).isEqualTo(Problem.BASE + "invalid-request");
        assertThat(fields(results.get(1))).containsExactlyInAnyOrder("jobs[1].type", "jobs[1].priority");
        assertThat(results.get(1).has("job")).isFalse();
        assertThat(results.get(2).get("duplicate").stringValue()).isEqualTo("idempotency-key");
        assertThat(results.get(3).get("problem").get("type").stringValue())
                .isEqualTo(Problem.BASE + "idempotency-key-reused");
        assertThat(results.get(3).get("problem").get("jobId").stringValue())
                .isEqualTo(results.get(2).get("job").get("id").stringValue());
        assertThat(fields(results.get(3))).containsExactly("jobs[3].idempotencyKey");
        assertThat(fields(results.get(4))).containsExactly("jobs[4].payload");
        assertThat(fields(results.get(5))).containsExactly("jobs[5]");
        assertThat(fields(results.get(6))).containsExactly("jobs[6].colour");
        assertThat(results.get(7).get("job").get("metadata").get("n").intValue())
                .isOne();
        assertThat(response.json().get("created").intValue()).isEqualTo(2);
        assertThat(response.json().get("existing").intValue()).isEqualTo(1);
        assertThat(response.json().get("failed").intValue()).isEqualTo(5);
        assertThat(TableCounts.of(dataSource)).as("the two created items only").isEqualTo(before.plus(2, 2, 2));
        assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE type IN ('bulk.other', 'bulk.big')")
                        .query(Long.class)
                        .single())
                .isZero();
    }

    /** Keyed items in one request: the earlier item of a key wins, the later ones answer as POST /jobs would. */
    @Test
    void idempotencyKeyedItemsOfOneRequestAnswerInRequestOrder() {
        String a = "bulk-a-" + run;
        String b = "bulk-b-" + run;
        String body = "{\"jobs\": ["
                + "{\"type\": \"bulk.k\", \"payload\": {\"n\": 1}, \"idempotencyKey\": \"" + b + "\"},"
                + "{\"type\": \"bulk.k\", \"payload\": {\"n\": 2}, \"idempotencyKey\": \"" + a + "\"},"
                + "{\"type\": \"bulk.k\", \"payload\": {\"n\": 1.0}, \"idempotencyKey\": \"" + b + "\"},"
                + "{\"type\": \"bulk.other\", \"payload\": {\"n\": 2}, \"idempotencyKey\": \"" + a + "\"}"
                + "]}";
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = api.post("/jobs:batch", body);

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        JsonNode results = response.json().get("results");
        assertThat(results.valueStream().map(r -> r.get("status").intValue())).containsExactly(201, 201, 200, 422);
        assertThat(results.get(2).get("duplicate").stringValue()).isEqualTo("idempotency-key");
        assertThat(results.get(2).get("job").get("id").stringValue())
                .isEqualTo(results.get(0).get("job").get("id").stringValue());
        assertThat(results.get(3).get("problem").get("jobId").stringValue())
                .isEqualTo(results.get(1).get("job").get("id").stringValue());
        assertThat(fields(results.get(3))).containsExactly("jobs[3].idempotencyKey");
        assertThat(TableCounts.of(dataSource)).as("the two created items only").isEqualTo(before.plus(2, 2, 2));
        assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE type = 'bulk.other' AND idempotency_key = ?")
                        .param(a)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    private static List<String> fields(JsonNode result) {
        return result.get("problem")
                .get("errors")
                .valueStream()
                .map(e -> e.get("field").stringValue())
                .toList();
    }

    private void naiveSubmit(String key) {
        long held = jdbc.sql("SELECT count(*) FROM jobs WHERE unique_key = ?"
                        + " AND state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED')")
                .param(key)
                .query(Long.class)
                .single();
        if (held == 0) {
            jdbc.sql("INSERT INTO jobs (id, type, unique_key, unique_states) VALUES (?, 'bulk.naive', ?, '{}')")
                    .params(UUID.randomUUID(), key)
                    .update();
        }
    }

    private long countKeys(String prefix) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE unique_key LIKE ?")
                .param(prefix + "%")
                .query(Long.class)
                .single();
    }
}
