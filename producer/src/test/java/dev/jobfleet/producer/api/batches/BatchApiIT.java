package dev.jobfleet.producer.api.batches;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.api.Problem;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.store.JobRepository;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Fan-in batches through the API: create one, finish its children the way a worker does, and watch
 * the batch count down, finish and submit its callback. That the count-down is exact under
 * concurrency is the store's BatchFanInIT.
 */
@ApiIntegrationTest
class BatchApiIT {
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
        type = "child." + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aBatchCountsDownAsItsChildrenFinishThenSubmitsItsCallbackOnce() {
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response created = api.post(
                "/batches",
                "{\"jobs\": [{\"type\": \"" + type + "\", \"payload\": {\"page\": 1}}, {\"type\": \"" + type
                        + "\", \"payload\": {\"page\": 2}, \"priority\": 2}, {\"type\": \"" + type + "\"}],"
                        + " \"callback\": {\"type\": \"report.done\", \"payload\": {\"to\": \"ada\"}}}");

        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        UUID id = created.id();
        assertThat(created.header("Location")).isEqualTo("/batches/" + id);
        JsonNode batch = created.json();
        assertThat(batch.get("state").stringValue()).isEqualTo("RUNNING");
        assertThat(batch.get("policy").stringValue()).isEqualTo("COMPLETE_ALWAYS");
        assertThat(batch.get("total").intValue()).isEqualTo(3);
        assertThat(batch.get("remaining").intValue()).isEqualTo(3);
        assertThat(batch.get("callbackJobId").isNull()).isTrue();
        List<UUID> children = batch.get("children")
                .valueStream()
                .map(c -> UUID.fromString(c.stringValue()))
                .toList();
        assertThat(children).hasSize(3).doesNotHaveDuplicates();
        assertThat(TableCounts.of(dataSource))
                .as("the batch, and each child with its history and outbox row")
                .isEqualTo(new TableCounts(
                        before.jobs() + 3,
                        before.history() + 3,
                        before.outbox() + 3,
                        before.batches() + 1,
                        before.limits(),
                        before.slots(),
                        before.schedules()));
        JsonNode second = api.get("/jobs/" + children.get(1)).json();
        assertThat(second.get("batchId").stringValue()).isEqualTo(id.toString());
        assertThat(second.get("payload").get("page").intValue()).isEqualTo(2);
        assertThat(second.get("priority").intValue()).isEqualTo(2);

        Runs.succeed(repository, children.get(0), type);
        Runs.kill(repository, children.get(1), type, "page 2 is corrupt");

        JsonNode progress = api.get("/batches/" + id).json();
        assertThat(progress.get("remaining").intValue()).isOne();
        assertThat(progress.get("succeeded").intValue()).isOne();
        assertThat(progress.get("failed").intValue()).isOne();
        assertThat(progress.get("state").stringValue()).isEqualTo("RUNNING");
        assertThat(progress.has("children"))
                .as("only the creation lists the children")
                .isFalse();
        assertThat(callbacksOf(id)).isZero();

        Runs.succeed(repository, children.get(2), type);

        JsonNode done = api.get("/batches/" + id).json();
        assertThat(done.get("state").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(done.get("remaining").intValue()).isZero();
        assertThat(done.get("succeeded").intValue()).isEqualTo(2);
        assertThat(done.get("failed").intValue()).isOne();
        assertThat(done.get("finishedAt").isNull()).isFalse();
        UUID callbackId = UUID.fromString(done.get("callbackJobId").stringValue());
        JsonNode callback = api.get("/jobs/" + callbackId).json();
        assertThat(callback.get("type").stringValue()).isEqualTo("report.done");
        assertThat(callback.get("state").stringValue()).isEqualTo("PENDING");
        assertThat(callback.get("payload").get("to").stringValue()).isEqualTo("ada");
        assertThat(callback.get("metadata").get("batchId").stringValue()).isEqualTo(id.toString());
        assertThat(callback.get("metadata").get("batchSucceeded").intValue()).isEqualTo(2);
        assertThat(callback.get("metadata").get("batchFailed").intValue()).isOne();
        assertThat(callbacksOf(id)).isOne();
    }

    @Test
    void failOnAnyFailsTheBatchWhenAChildDies() {
        HttpApi.Response created = api.post(
                "/batches",
                "{\"policy\": \"FAIL_ON_ANY\", \"jobs\": [{\"type\": \"" + type + "\"}, {\"type\": \"" + type
                        + "\"}]}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        List<UUID> children = created.json()
                .get("children")
                .valueStream()
                .map(c -> UUID.fromString(c.stringValue()))
                .toList();

        Runs.kill(repository, children.get(0), type, "boom");
        Runs.succeed(repository, children.get(1), type);

        JsonNode batch = api.get("/batches/" + created.id()).json();
        assertThat(batch.get("state").stringValue()).isEqualTo("FAILED");
        assertThat(batch.get("policy").stringValue()).isEqualTo("FAIL_ON_ANY");
        assertThat(batch.get("callbackJobId").isNull())
                .as("no callback was asked for")
                .isTrue();
    }

    private long callbacksOf(UUID batch) {
        return JdbcClient.create(dataSource)
                .sql("SELECT count(*) FROM jobs WHERE metadata ->> 'batchId' = ?")
                .param(batch.toString())
                .query(Long.class)
                .single();
    }

    @Test
    void anUnknownBatchIsNotFound() {
        HttpApi.Response response = api.get("/batches/" + UUID.randomUUID());

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("type").stringValue()).isEqualTo(Problem.BASE + "batch-not-found");
        assertThat(response.json().get("errors").get(0).get("field").stringValue())
                .isEqualTo("id");
    }
}
