package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** A job's submission options, version, counters and log as {@code GET /jobs/{id}} and its log show them. */
@ApiIntegrationTest
class JobDetailsIT {
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
        type = "details." + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void getShowsTheSubmissionOptionsTheVersionAsETagAndTheCounters() {
        HttpApi.Response submitted = api.post(
                "/jobs",
                "{\"type\": \"" + type + "\", \"priority\": 3, \"uniqueKey\": \"u-" + type + "\","
                        + " \"orderKey\": \"account-17\", \"metadata\": {\"requestedBy\": \"ada\", \"n\": [1, 2]}}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(201);
        UUID id = submitted.id();
        Claim claim = Runs.claim(repository, id, type);
        repository.incrementCounter(id, claim.token(), JobView.PROGRESS_COUNTER, 40);
        repository.incrementCounter(id, claim.token(), "pages", 3);

        HttpApi.Response response = api.get("/jobs/" + id);

        assertThat(response.status()).isEqualTo(200);
        JsonNode job = response.json();
        assertThat(job.get("uniqueKey").stringValue()).isEqualTo("u-" + type);
        assertThat(job.get("orderKey").stringValue()).isEqualTo("account-17");
        assertThat(job.get("batchId").isNull()).isTrue();
        assertThat(job.get("metadata")).isEqualTo(json("{\"requestedBy\": \"ada\", \"n\": [1, 2]}"));
        assertThat(job.get("priority").intValue()).isEqualTo(3);
        assertThat(job.get("effectivePriority").intValue()).isEqualTo(3);
        assertThat(job.get("progress").longValue()).isEqualTo(40);
        assertThat(job.get("counters")).isEqualTo(json("{\"progress\": 40, \"pages\": 3}"));
        long version = job.get("version").longValue();
        assertThat(version).as("submitted, claimed, counted twice").isEqualTo(3);
        assertThat(response.header("ETag")).isEqualTo("\"" + version + "\"");
        HttpApi.Response unchanged = api.send(api.request("/jobs/" + id)
                .header("If-None-Match", response.header("ETag"))
                .GET());
        assertThat(unchanged.status())
                .as("a conditional GET of the same version")
                .isEqualTo(304);
        assertThat(submitted.json().get("progress").longValue()).isZero();
        assertThat(submitted.json().get("version").longValue()).isZero();
    }

    @Test
    void aJobCarriesItsOwnTimeLimitAndAnImpossibleOneIsAFieldError() {
        HttpApi.Response submitted = api.post("/jobs", "{\"type\": \"" + type + "\", \"timeoutMs\": 1500}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(201);
        assertThat(submitted.json().get("timeoutMs").intValue()).isEqualTo(1500);
        assertThat(repository.find(submitted.id()).orElseThrow().timeoutMs()).isEqualTo(1500);
        HttpApi.Response plain = api.post("/jobs", "{\"type\": \"" + type + "\"}");
        assertThat(plain.json().has("timeoutMs"))
                .as("no limit of its own: the field is absent")
                .isFalse();

        for (String bad : new String[] {"0", "-5", "604800001", "\"30s\"", "1.5"}) {
            TableCounts before = TableCounts.of(dataSource);
            HttpApi.Response refused = api.post("/jobs", "{\"type\": \"" + type + "\", \"timeoutMs\": " + bad + "}");
            assertThat(refused.status()).as(bad + ": " + refused).isEqualTo(400);
            assertThat(refused.body()).as(bad).contains("timeoutMs");
            assertThat(TableCounts.of(dataSource)).as(bad + ": nothing stored").isEqualTo(before);
        }
    }

    @Test
    void logsShowWhatTheHandlerAppendedOldestFirstWithItsAttempt() {
        UUID id = api.post("/jobs", "{\"type\": \"" + type + "\"}").id();
        assertThat(api.get("/jobs/" + id + "/logs").json().get("logs").isEmpty())
                .as("no entries yet")
                .isTrue();
        Claim claim = Runs.claim(repository, id, type);
        assertThat(repository.appendLog(id, claim.token(), json("{\"msg\": \"started\"}")))
                .isTrue();
        assertThat(repository.appendLog(id, claim.token(), json("\"page 1 done\"")))
                .isTrue();
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = api.get("/jobs/" + id + "/logs");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("jobId").stringValue()).isEqualTo(id.toString());
        JsonNode logs = response.json().get("logs");
        assertThat(logs.size()).isEqualTo(2);
        assertThat(logs.get(0).get("entry")).isEqualTo(json("{\"msg\": \"started\"}"));
        assertThat(logs.get(1).get("entry").stringValue()).isEqualTo("page 1 done");
        assertThat(logs.get(0).get("attempt").intValue()).isOne();
        assertThat(logs.get(0).get("id").longValue())
                .isLessThan(logs.get(1).get("id").longValue());
        assertThat(logs.get(0).get("at").isNull()).isFalse();
        assertThat(logs.get(0).has("claimToken")).isFalse();
        assertThat(TableCounts.of(dataSource)).as("reading changes nothing").isEqualTo(before);
    }

    @Test
    void logsOfAnUnknownJobAreNotFound() {
        UUID unknown = UUID.randomUUID();

        HttpApi.Response response = api.get("/jobs/" + unknown + "/logs");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("type").stringValue()).isEqualTo(Problem.BASE + "job-not-found");
        assertThat(response.json().get("errors").get(0).get("field").stringValue())
                .isEqualTo("id");
    }

    private static JsonNode json(String text) {
        return JobCodec.mapper().readTree(text);
    }
}
