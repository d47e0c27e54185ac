package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Race;
import java.net.http.HttpRequest;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code PATCH /jobs/{id}} with {@code If-Match}: a change based on a version that is no longer
 * current changes nothing (412), so concurrent read-modify-write clients lose no update. The
 * negative control is the same read-modify-write loop, same threads, without the version check.
 */
@ApiIntegrationTest
class PatchJobIT {
    private static final int THREADS = 16;
    private static final int INCREMENTS = 10;

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    JobRepository repository;

    private HttpApi api;
    private JdbcClient jdbc;
    private String type;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        jdbc = JdbcClient.create(dataSource);
        type = "patch." + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void concurrentReadETagThenPatchIncrementsLoseNothingWhileTheUnguardedVersionLosesSome() {
        // negative control: read the count, write count + 1 without the version check (16 threads x 10)
        UUID naive = submit("{\"type\": \"" + type + "\", \"metadata\": {\"count\": 0}}");
        Race.run(THREADS, t -> () -> {
            for (int i = 0; i < INCREMENTS; i++) {
                long count = jdbc.sql("SELECT CAST(metadata ->> 'count' AS bigint) FROM jobs WHERE id = ?")
                        .param(naive)
                        .query(Long.class)
                        .single();
                jdbc.sql("UPDATE jobs SET metadata = metadata || CAST(? AS jsonb) WHERE id = ?")
                        .params("{\"count\": " + (count + 1) + "}", naive)
                        .update();
            }
            return null;
        });
        long naiveLost = THREADS * INCREMENTS - count(naive);

        // jobfleet: GET (count and ETag), PATCH with If-Match; a 412 means re-read and try again
        UUID id = submit("{\"type\": \"" + type + "\", \"metadata\": {\"count\": 0}}");
        AtomicInteger stale = new AtomicInteger();
        Race.run(THREADS, t -> () -> {
            for (int i = 0; i < INCREMENTS; i++) {
                while (true) {
                    HttpApi.Response read = api.get("/jobs/" + id);
                    long count = read.json().get("metadata").get("count").longValue();
                    HttpApi.Response patched = api.patch(
                            "/jobs/" + id,
                            "{\"metadata\": {\"count\": " + (count + 1) + "}}",
                            "If-Match",
                            read.header("ETag"));
                    if (patched.status() == 200) {
                        break;
                    }
                    assertThat(patched.status()).as(patched.toString()).isEqualTo(412);
                    stale.incrementAndGet();
                }
            }
            return null;
        });
        long lost = THREADS * INCREMENTS - count(id);

        System.out.printf(
                "PATCH If-Match over HTTP: %d threads x %d read-modify-write increments; without the version"
                        + " check %d of %d lost; with If-Match %d lost (%d answers 412, retried)%n",
                THREADS, INCREMENTS, naiveLost, THREADS * INCREMENTS, lost, stale.get());
        assertThat(naiveLost)
                .as("the unguarded read-modify-write must lose increments")
                .isPositive();
        assertThat(lost).isZero();
        assertThat(stale.get()).as("losers were told their version was stale").isPositive();
        assertThat(api.get("/jobs/" + id).json().get("version").longValue())
                .as("one version per increment")
                .isEqualTo(THREADS * INCREMENTS);
    }

    @Test
    void aPatchChangesTheFieldsItNamesAndAnswersWithTheNewETag() {
        UUID id = submit("{\"type\": \"" + type + "\", \"priority\": 5, \"metadata\": {\"a\": 1, \"b\": {\"x\": 1}}}");
        HttpApi.Response read = api.get("/jobs/" + id);
        String runAtBefore = read.json().get("runAt").stringValue();

        HttpApi.Response patched = api.patch(
                "/jobs/" + id,
                "{\"priority\": 1, \"metadata\": {\"b\": {\"y\": 2}, \"c\": \"new\"}}",
                "If-Match",
                read.header("ETag"));

        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.header("ETag")).isEqualTo("\"1\"");
        JsonNode job = patched.json();
        assertThat(job.get("priority").intValue()).isOne();
        assertThat(job.get("effectivePriority").intValue()).isOne();
        assertThat(job.get("metadata")).isEqualTo(json("{\"a\": 1, \"b\": {\"y\": 2}, \"c\": \"new\"}"));
        assertThat(job.get("runAt").stringValue()).isEqualTo(runAtBefore);
        assertThat(job.get("version").longValue()).isOne();

        HttpApi.Response moved = api.send(api.request("/jobs/" + id)
                .header("Content-Type", "application/json")
                .header("If-Match", "\"1\"")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"runAt\": \"2031-02-03T04:05:06Z\"}")));

        assertThat(moved.status()).as("plain application/json is accepted too").isEqualTo(200);
        assertThat(moved.json().get("runAt").stringValue()).isEqualTo("2031-02-03T04:05:06Z");
        assertThat(moved.json().get("priority").intValue()).isOne();
        assertThat(moved.header("ETag")).isEqualTo("\"2\"");
    }

    @Test
    void aStaleVersionIsPreconditionFailedAndChangesNothing() {
        UUID id = submit("{\"type\": \"" + type + "\", \"priority\": 5}");
        String original = api.get("/jobs/" + id).header("ETag");
        assertThat(api.patch("/jobs/" + id, "{\"priority\": 4}", "If-Match", original)
                        .status())
                .isEqualTo(200);
        String before = row(id);

        HttpApi.Response stale = api.patch("/jobs/" + id, "{\"priority\": 9}", "If-Match", original);

        assertThat(stale.status()).as(stale.toString()).isEqualTo(412);
        assertThat(stale.contentType()).startsWith("application/problem+json");
        assertThat(stale.json().get("type").stringValue()).isEqualTo(Problem.BASE + "version-mismatch");
        assertThat(stale.json().get("currentVersion").longValue()).isOne();
        assertThat(stale.json().get("errors").get(0).get("field").stringValue()).isEqualTo("If-Match");
        assertThat(row(id)).as("nothing changed").isEqualTo(before);
    }

    @Test
    void withoutIfMatchItIsPreconditionRequiredAndChangesNothing() {
        UUID id = submit("{\"type\": \"" + type + "\"}");
        String before = row(id);

        HttpApi.Response response = api.patch("/jobs/" + id, "{\"priority\": 9}");

        assertThat(response.status()).as(response.toString()).isEqualTo(428);
        assertThat(response.json().get("type").stringValue()).isEqualTo(Problem.BASE + "precondition-required");
        assertThat(response.json().get("errors").get(0).get("field").stringValue())
                .isEqualTo("If-Match");
        assertThat(row(id)).isEqualTo(before);
    }

    @Test
    void aRunningOrFinishedJobIsAConflictNamingItsStateAndChangesNothing() {
        UUID id = submit("{\"type\": \"" + type + "\"}");
        var claim = Runs.claim(repository, id, type);
        String running = api.get("/jobs/" + id).header("ETag");
        String before = row(id);

        HttpApi.Response whileRunning = api.patch("/jobs/" + id, "{\"priority\": 9}", "If-Match", running);

        assertThat(whileRunning.status()).as(whileRunning.toString()).isEqualTo(409);
        assertThat(whileRunning.json().get("type").stringValue()).isEqualTo(Problem.BASE + "job-not-patchable");
        assertThat(whileRunning.json().get("state").stringValue()).isEqualTo("RUNNING");
        assertThat(row(id)).isEqualTo(before);

        Runs.succeed(repository, claim);
        String finished = api.get("/jobs/" + id).header("ETag");
        String beforeFinishedPatch = row(id);
        HttpApi.Response afterwards = api.patch("/jobs/" + id, "{\"priority\": 9}", "If-Match", finished);

        assertThat(afterwards.status()).isEqualTo(409);
        assertThat(afterwards.json().get("state").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(row(id)).isEqualTo(beforeFinishedPatch);
    }

    private UUID submit(String body) {
        HttpApi.Response response = api.post("/jobs", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        return response.id();
    }

    private long count(UUID id) {
        return jdbc.sql("SELECT CAST(metadata ->> 'count' AS bigint) FROM jobs WHERE id = ?")
                .param(id)
                .query(Long.class)
                .single();
    }

    /** The whole row as text: equal before and after means nothing changed, not even the version. */
    private String row(UUID id) {
        return jdbc.sql("SELECT CAST(j AS text) FROM jobs j WHERE id = ?")
                .param(id)
                .query(String.class)
                .single();
    }

    private static JsonNode json(String text) {
        return JobCodec.mapper().readTree(text);
    }
}
