package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.producer.testing.TestTokens;
import dev.jobfleet.store.JobRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Dead letters: {@code GET /jobs?state=DEAD} lists them with their attempts and last error, and
 * {@code POST /jobs/{id}/retry} puts one back to work. Every refusal changes nothing.
 */
@ApiIntegrationTest
class RetryDeadJobIT {
    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    JobRepository repository;

    private HttpApi api;
    private String type;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        type = "retry." + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aDeadJobIsListedWithItsErrorAndRetriedWithAttemptsResetAndErrorsKept() {
        UUID id = submit("{\"type\": \"" + type + "\", \"maxAttempts\": 1}");
        Runs.kill(repository, id, type, "the mail server said no");

        JsonNode listed =
                api.get("/jobs?state=DEAD&include=errors&type=" + type).json().get("jobs");
        assertThat(listed.size()).isOne();
        assertThat(listed.get(0).get("id").stringValue()).isEqualTo(id.toString());
        assertThat(listed.get(0).get("state").stringValue()).isEqualTo("DEAD");
        assertThat(listed.get(0).get("attempts").intValue()).isOne();
        assertThat(listed.get(0).get("lastError").stringValue()).isEqualTo("the mail server said no");
        assertThat(listed.get(0).get("errors").size()).isOne();
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response retried = api.post("/jobs/" + id + "/retry");

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        JsonNode job = retried.json();
        assertThat(job.get("state").stringValue()).isEqualTo("PENDING");
        assertThat(job.get("attempts").intValue()).isZero();
        assertThat(job.get("finishedAt").isNull()).isTrue();
        assertThat(job.get("lastError").stringValue()).isEqualTo("the mail server said no");
        assertThat(job.get("errors").size()).isOne();
        JsonNode last = job.get("history").get(job.get("history").size() - 1);
        assertThat(last.get("from").stringValue()).isEqualTo("DEAD");
        assertThat(last.get("to").stringValue()).isEqualTo("PENDING");
        assertThat(last.get("actor").stringValue()).isEqualTo("api:" + TestTokens.callerId(TestTokens.OPERATOR_NAME));
        assertThat(TableCounts.of(dataSource))
                .as("one history row, and one outbox row so that workers hear of it")
                .isEqualTo(before.plus(0, 1, 1));
        assertThat(api.get("/jobs?state=DEAD&type=" + type).json().get("jobs").isEmpty())
                .isTrue();
    }

    @Test
    void aJobThatIsNotDeadIsRefusedNamingItsState() {
        UUID id = submit("{\"type\": \"" + type + "\"}");
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response pending = api.post("/jobs/" + id + "/retry");

        assertProblem(pending, 409, "job-not-dead");
        assertThat(pending.json().get("state").stringValue()).isEqualTo("PENDING");
        assertThat(pending.json().get("detail").stringValue()).contains("is PENDING");

        Runs.succeed(repository, id, type);
        HttpApi.Response succeeded = api.post("/jobs/" + id + "/retry");

        assertProblem(succeeded, 409, "job-not-dead");
        assertThat(succeeded.json().get("state").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(TableCounts.of(dataSource)).as("only the run's own rows").isEqualTo(before.plus(0, 2, 0));
        assertThat(api.get("/jobs/" + id).json().get("state").stringValue()).isEqualTo("SUCCEEDED");
    }

    @Test
    void anUnknownJobIsNotFound() {
        TableCounts before = TableCounts.of(dataSource);

        assertProblem(api.post("/jobs/" + UUID.randomUUID() + "/retry"), 404, "job-not-found");
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
    }

    @Test
    void aJobWhoseRowIsLockedIsBusyNotWaitedFor() throws Exception {
        UUID id = submit("{\"type\": \"" + type + "\", \"maxAttempts\": 1}");
        Runs.kill(repository, id, type, "boom");
        TableCounts before = TableCounts.of(dataSource);
        try (Connection worker = dataSource.getConnection()) {
            worker.setAutoCommit(false);
            try (PreparedStatement lock = worker.prepareStatement("SELECT id FROM jobs WHERE id = ? FOR UPDATE")) {
                lock.setObject(1, id);
                lock.executeQuery().close();
            }

            HttpApi.Response response = api.post("/jobs/" + id + "/retry");

            assertProblem(response, 409, "job-busy");
            assertThat(response.json().get("detail").stringValue()).contains("Try again");
            worker.rollback();
        }
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
        assertThat(api.post("/jobs/" + id + "/retry").status()).isEqualTo(200);
    }

    @Test
    void aDeadJobWhoseUniqueKeyAnotherJobHoldsNowIsRefused() {
        String body = "{\"type\": \"" + type + "\", \"maxAttempts\": 1, \"uniqueKey\": \"k-" + type + "\"}";
        UUID dead = submit(body);
        Runs.kill(repository, dead, type, "boom");
        UUID successor = submit(body);
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = api.post("/jobs/" + dead + "/retry");

        assertProblem(response, 409, "unique-key-held");
        assertThat(response.json().get("uniqueKey").stringValue()).isEqualTo("k-" + type);
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
        assertThat(api.get("/jobs/" + dead).json().get("state").stringValue()).isEqualTo("DEAD");
        assertThat(api.get("/jobs/" + successor).json().get("state").stringValue())
                .isEqualTo("PENDING");
    }

    @Test
    void aDeadChildOfAFinishedBatchIsRefused() {
        HttpApi.Response batch = api.post(
                "/batches",
                "{\"policy\": \"FAIL_ON_ANY\", \"jobs\": [{\"type\": \"" + type + "\", \"maxAttempts\": 1}]}");
        assertThat(batch.status()).as(batch.toString()).isEqualTo(201);
        UUID child = UUID.fromString(batch.json().get("children").get(0).stringValue());
        Runs.kill(repository, child, type, "boom");
        assertThat(api.get("/batches/" + batch.id()).json().get("state").stringValue())
                .isEqualTo("FAILED");
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = api.post("/jobs/" + child + "/retry");

        assertProblem(response, 409, "batch-finished");
        assertThat(response.json().get("batchId").stringValue())
                .isEqualTo(batch.id().toString());
        assertThat(response.json().get("batchState").stringValue()).isEqualTo("FAILED");
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
        assertThat(api.get("/jobs/" + child).json().get("state").stringValue()).isEqualTo("DEAD");
        JsonNode after = api.get("/batches/" + batch.id()).json();
        assertThat(after.get("failed").intValue()).isOne();
        assertThat(after.get("remaining").intValue()).isZero();
    }

    private UUID submit(String body) {
        HttpApi.Response response = api.post("/jobs", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        return response.id();
    }

    private static void assertProblem(HttpApi.Response response, int status, String type) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("type").stringValue()).isEqualTo(Problem.BASE + type);
        assertThat(response.json().get("errors").get(0).get("field").stringValue())
                .isEqualTo("id");
    }
}
