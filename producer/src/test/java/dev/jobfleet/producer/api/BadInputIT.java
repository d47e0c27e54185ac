package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * G8: bad input gets a clear error and stores nothing. Each case gets its status and an RFC 9457
 * problem naming the fields at fault, and no table the API writes moves (jobs, job_history, outbox,
 * job_batch, concurrency_limit, concurrency_slot, job_schedule).
 */
@ApiIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    /** Held by a job submitted before the cases run: reusing it differently is a 422. */
    private static final String HELD_KEY = "g8-held-" + UUID.randomUUID();

    private static final String HELD_JOB = "{\"type\": \"g8.held\", \"payload\": {\"n\": 1}}";

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private HttpApi api;

    @BeforeAll
    void submitTheJobThatHoldsTheKey() {
        api = new HttpApi(port);
        assertThat(api.post("/jobs", HELD_JOB, "Idempotency-Key", HELD_KEY).status())
                .isEqualTo(201);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void g8_badInputGetsAProblemNamingTheFieldAndStoresNothing(BadInput bad) {
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = bad.request().apply(api);

        assertThat(response.status()).as(response.toString()).isEqualTo(bad.status());
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("type").stringValue()).isEqualTo(Problem.BASE + bad.type());
        assertThat(problem.get("status").intValue()).isEqualTo(bad.status());
        assertThat(problem.get("title").stringValue()).isNotBlank();
        assertThat(problem.get("detail").stringValue()).isNotBlank().contains(bad.detailContains());
        assertThat(problem.get("instance").stringValue()).isEqualTo(bad.instance());
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").stringValue()))
                .containsExactlyInAnyOrderElementsOf(bad.fields());
        assertThat(problem.get("errors").valueStream().map(e -> e.get("message").stringValue()))
                .allSatisfy(message -> assertThat(message).isNotBlank());
        assertThat(TableCounts.of(dataSource)).as("stored nothing").isEqualTo(before);
        assertThat(JdbcClient.create(dataSource)
                        .sql("SELECT type || ' ' || payload::text FROM jobs WHERE idempotency_key = ?")
                        .param(HELD_KEY)
                        .query(String.class)
                        .single())
                .isEqualTo("g8.held {\"n\": 1}");
    }

    static Stream<BadInput> badInputs() {
        return Stream.of(
                        submissions(),
                        BadInputs.newSubmissionFields(),
                        BadInputs.patches(),
                        BadInputs.bulk(),
                        BadInputs.batches(),
                        BadInputs.limits(),
                        BadInputs.schedules())
                .flatMap(cases -> cases);
    }

    private static Stream<BadInput> submissions() {
        String unknownId = UUID.randomUUID().toString();
        byte[] farOver =
                ("{\"type\": \"t\", \"payload\": \"" + "x".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        return Stream.of(
                submit("unknown field", "{\"type\": \"t\", \"colour\": \"red\"}", 400, "invalid-request", "colour"),
                new BadInput(
                        "malformed JSON",
                        api -> api.post("/jobs", "{\"type\": \"t\",\n \"payload\": {]}"),
                        400,
                        "malformed-json",
                        List.of(),
                        "line 2, column",
                        "/jobs"),
                submit("missing body", "", 400, "invalid-request", "type"),
                submit("JSON null as the body", "null", 400, "invalid-request", "type"),
                submit("an array as the body", "[{\"type\": \"t\"}]", 400, "invalid-request", "type"),
                submit("missing type", "{\"payload\": {}}", 400, "invalid-request", "type"),
                submit(
                        "priority of the wrong JSON type",
                        "{\"type\": \"t\", \"priority\": \"x\"}",
                        400,
                        "invalid-request",
                        "priority"),
                new BadInput(
                        "every field invalid at once",
                        api -> api.post(
                                "/jobs",
                                "{\"type\": \"has space\", \"priority\": 10, \"maxAttempts\": 0, \"runAt\": \"soon\","
                                        + " \"concurrencyKey\": \"\", \"idempotencyKey\": \"" + "k".repeat(256)
                                        + "\"}"),
                        400,
                        "invalid-request",
                        List.of("type", "priority", "maxAttempts", "runAt", "concurrencyKey", "idempotencyKey"),
                        "6 fields are invalid",
                        "/jobs"),
                new BadInput(
                        "Idempotency-Key header and field differ",
                        api -> api.post(
                                "/jobs", "{\"type\": \"t\", \"idempotencyKey\": \"a\"}", "Idempotency-Key", "b"),
                        400,
                        "invalid-request",
                        List.of("idempotencyKey"),
                        "",
                        "/jobs"),
                new BadInput(
                        "blank Idempotency-Key header",
                        api -> api.post("/jobs", "{\"type\": \"t\"}", "Idempotency-Key", " "),
                        400,
                        "invalid-request",
                        List.of("idempotencyKey"),
                        "",
                        "/jobs"),
                new BadInput(
                        "idempotency key reused with another payload",
                        api -> api.post(
                                "/jobs",
                                "{\"type\": \"g8.held\", \"payload\": {\"n\": 2}}",
                                "Idempotency-Key",
                                HELD_KEY),
                        422,
                        "idempotency-key-reused",
                        List.of("idempotencyKey"),
                        "nothing was stored",
                        "/jobs"),
                submit(
                        "idempotency key reused with another type",
                        "{\"type\": \"g8.other\", \"payload\": {\"n\": 1}, \"idempotencyKey\": \"" + HELD_KEY + "\"}",
                        422,
                        "idempotency-key-reused",
                        "idempotencyKey"),
                submit(
                        "payload over max-payload-bytes",
                        "{\"type\": \"t\", \"payload\": \"" + "x".repeat(ApiIntegrationTest.MAX_PAYLOAD_BYTES) + "\"}",
                        413,
                        "payload-too-large",
                        "payload"),
                new BadInput(
                        "Content-Length far over the limit",
                        api -> api.send(api.request("/jobs")
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(farOver))),
                        413,
                        "payload-too-large",
                        List.of("payload"),
                        "",
                        "/jobs"),
                new BadInput(
                        "chunked body far over the limit",
                        api -> api.send(api.request("/jobs")
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new ByteArrayInputStream(farOver)))),
                        413,
                        "payload-too-large",
                        List.of("payload"),
                        "",
                        "/jobs"),
                new BadInput(
                        "unsupported media type",
                        api -> api.send(api.request("/jobs")
                                .header("Content-Type", "text/plain")
                                .POST(HttpRequest.BodyPublishers.ofString("type=t"))),
                        415,
                        "unsupported-media-type",
                        List.of(),
                        "text/plain",
                        "/jobs"),
                get("bad UUID in the path", "/jobs/not-a-uuid", 400, "invalid-request", "id"),
                new BadInput(
                        "bad UUID in the cancel path",
                        api -> api.post("/jobs/not-a-uuid/cancel"),
                        400,
                        "invalid-request",
                        List.of("id"),
                        "",
                        "/jobs/not-a-uuid/cancel"),
                get("unknown id", "/jobs/" + unknownId, 404, "job-not-found", "id"),
                new BadInput(
                        "cancel of an unknown id",
                        api -> api.post("/jobs/" + unknownId + "/cancel"),
                        404,
                        "job-not-found",
                        List.of("id"),
                        unknownId,
                        "/jobs/" + unknownId + "/cancel"),
                new BadInput(
                        "invalid state filter",
                        api -> api.get("/jobs?state=DONE"),
                        400,
                        "invalid-request",
                        List.of("state"),
                        "PENDING, RUNNING, SUCCEEDED, RETRY_SCHEDULED, DEAD, CANCELLED",
                        "/jobs"),
                get("invalid type filter", "/jobs?type=a%20b", 400, "invalid-request", "type"),
                get("limit 0", "/jobs?limit=0", 400, "invalid-request", "limit"),
                get("limit 1001", "/jobs?limit=1001", 400, "invalid-request", "limit"),
                get("limit not a number", "/jobs?limit=ten", 400, "invalid-request", "limit"));
    }

    static BadInput submit(String name, String body, int status, String type, String field) {
        return new BadInput(name, api -> api.post("/jobs", body), status, type, List.of(field), "", "/jobs");
    }

    static BadInput get(String name, String pathAndQuery, int status, String type, String field) {
        return new BadInput(
                name,
                api -> api.get(pathAndQuery),
                status,
                type,
                List.of(field),
                "",
                URI.create(pathAndQuery).getPath());
    }

    /**
     * @param type the problem type after {@link Problem#BASE}
     * @param fields the fields the problem's {@code errors} must name, no more
     */
    record BadInput(
            String name,
            Function<HttpApi, HttpApi.Response> request,
            int status,
            String type,
            List<String> fields,
            String detailContains,
            String instance) {
        @Override
        public String toString() {
            return name;
        }
    }
}
