package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.producer.testing.TestTokens;
import dev.jobfleet.store.JobRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Reading, listing and cancelling jobs through the API. */
@ApiIntegrationTest
class JobQueriesIT {
    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    JobRepository repository;

    private HttpApi api;
    /** Types unique to one test, so that lists do not see the other tests' jobs. */
    private String typeA;

    private String typeB;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        String run = UUID.randomUUID().toString().substring(0, 8);
        typeA = "list.a." + run;
        typeB = "list.b." + run;
    }

    @Test
    void getShowsTheJobWithItsHistory() {
        UUID id = submit(
                typeA,
                "{\"type\": \"" + typeA + "\", \"payload\": {\"k\": [1, 2]}, \"priority\": 4,"
                        + " \"runAt\": \"2030-01-01T09:30:00Z\", \"maxAttempts\": 3, \"concurrencyKey\": \"c-1\","
                        + " \"idempotencyKey\": \"get-" + typeA + "\"}");

        HttpApi.Response response = api.get("/jobs/" + id);

        assertThat(response.status()).isEqualTo(200);
        JsonNode job = response.json();
        assertThat(job.get("id").stringValue()).isEqualTo(id.toString());
        assertThat(job.get("type").stringValue()).isEqualTo(typeA);
        assertThat(job.get("payload").toString()).isEqualTo("{\"k\":[1,2]}");
        assertThat(job.get("state").stringValue()).isEqualTo("PENDING");
        assertThat(job.get("priority").intValue()).isEqualTo(4);
        assertThat(job.get("runAt").stringValue()).isEqualTo("2030-01-01T09:30:00Z");
        assertThat(job.get("attempts").intValue()).isZero();
        assertThat(job.get("maxAttempts").intValue()).isEqualTo(3);
        assertThat(job.get("concurrencyKey").stringValue()).isEqualTo("c-1");
        assertThat(job.get("idempotencyKey").stringValue()).isEqualTo("get-" + typeA);
        assertThat(job.get("createdAt").isNull()).isFalse();
        assertThat(job.toString()).doesNotContain("claimToken");
        JsonNode history = job.get("history");
        assertThat(history.size()).isOne();
        assertThat(history.get(0).get("from").isNull()).isTrue();
        assertThat(history.get(0).get("to").stringValue()).isEqualTo("PENDING");
        assertThat(history.get(0).get("actor").stringValue())
                .isEqualTo("api:" + TestTokens.callerId(TestTokens.OPERATOR_NAME));
    }

    @Test
    void listFiltersByStateAndTypeNewestFirstAndRespectsTheLimit() {
        UUID a1 = submit(typeA, null);
        UUID a2 = submit(typeA, null);
        UUID a3 = submit(typeA, null);
        UUID b1 = submit(typeB, null);
        assertThat(api.post("/jobs/" + a2 + "/cancel").status()).isEqualTo(200);

        assertThat(ids("/jobs?type=" + typeA)).containsExactly(a3, a2, a1);
        assertThat(ids("/jobs?type=" + typeA + "&state=PENDING")).containsExactly(a3, a1);
        assertThat(ids("/jobs?type=" + typeA + "&state=CANCELLED")).containsExactly(a2);
        assertThat(ids("/jobs?type=" + typeA + "&limit=2")).containsExactly(a3, a2);
        assertThat(ids("/jobs?type=" + typeB)).containsExactly(b1);
        assertThat(ids("/jobs?type=" + typeB + "&state=RUNNING")).isEmpty();
        assertThat(ids("/jobs?limit=1")).hasSize(1);
        assertThat(api.get("/jobs?type=" + typeA).json().get("limit").intValue())
                .isEqualTo(50);
        assertThat(ids("/jobs?state=CANCELLED&limit=1000")).contains(a2).doesNotContain(a1, a3, b1);
    }

    @Test
    void cancelPendingJobThenAgainThenUnknown() {
        UUID id = submit(typeA, null);
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response cancelled = api.post("/jobs/" + id + "/cancel");

        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.json().get("state").stringValue()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("finishedAt").isNull()).isFalse();
        JsonNode last = cancelled.json().get("history").get(1);
        assertThat(last.get("from").stringValue()).isEqualTo("PENDING");
        assertThat(last.get("to").stringValue()).isEqualTo("CANCELLED");
        assertThat(last.get("actor").stringValue()).isEqualTo("api:" + TestTokens.callerId(TestTokens.OPERATOR_NAME));
        assertThat(TableCounts.of(dataSource)).isEqualTo(before.plus(0, 1, 0));

        HttpApi.Response again = api.post("/jobs/" + id + "/cancel");

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(again.json().get("type").stringValue()).isEqualTo(Problem.BASE + "job-not-cancellable");
        assertThat(again.json().get("detail").stringValue()).contains("is CANCELLED");
        assertThat(again.json().get("state").stringValue()).isEqualTo("CANCELLED");
        assertThat(again.json().get("errors").get(0).get("field").stringValue()).isEqualTo("id");
        assertThat(api.get("/jobs/" + id).json().get("history").size()).isEqualTo(2);

        HttpApi.Response unknown = api.post("/jobs/" + UUID.randomUUID() + "/cancel");

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("type").stringValue()).isEqualTo(Problem.BASE + "job-not-found");
        assertThat(TableCounts.of(dataSource)).isEqualTo(before.plus(0, 1, 0));
    }

    @Test
    void aRunningJobCannotBeCancelled() {
        UUID id = submit(typeA, null);
        assertThat(repository.claim(List.of(id), Set.of(typeA), "worker-1", Duration.ofMinutes(1)))
                .hasSize(1);
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = api.post("/jobs/" + id + "/cancel");

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().get("detail").stringValue()).contains("is RUNNING");
        assertThat(response.json().get("state").stringValue()).isEqualTo("RUNNING");
        JsonNode job = api.get("/jobs/" + id).json();
        assertThat(job.get("state").stringValue()).isEqualTo("RUNNING");
        assertThat(job.get("leaseOwner").stringValue()).isEqualTo("worker-1");
        assertThat(job.get("attempts").intValue()).isOne();
        assertThat(job.toString()).doesNotContain("claimToken");
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
    }

    @Test
    void aJobAWorkerIsClaimingRightNowIsBusyNotWaitedFor() throws Exception {
        UUID id = submit(typeA, null);
        TableCounts before = TableCounts.of(dataSource);
        try (Connection worker = dataSource.getConnection()) {
            worker.setAutoCommit(false);
            try (PreparedStatement lock = worker.prepareStatement("SELECT id FROM jobs WHERE id = ? FOR UPDATE")) {
                lock.setObject(1, id);
                lock.executeQuery().close();
            }

            HttpApi.Response response = api.post("/jobs/" + id + "/cancel");

            assertThat(response.status()).isEqualTo(409);
            assertThat(response.json().get("type").stringValue()).isEqualTo(Problem.BASE + "job-busy");
            assertThat(response.json().get("detail").stringValue()).contains("Try again");
            worker.rollback();
        }
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
        assertThat(api.post("/jobs/" + id + "/cancel").status()).isEqualTo(200);
    }

    private UUID submit(String type, String body) {
        HttpApi.Response response = api.post("/jobs", body != null ? body : "{\"type\": \"" + type + "\"}");
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        return response.id();
    }

    private List<UUID> ids(String pathAndQuery) {
        HttpApi.Response response = api.get(pathAndQuery);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json()
                .get("jobs")
                .valueStream()
                .map(job -> UUID.fromString(job.get("id").stringValue()))
                .toList();
    }
}
