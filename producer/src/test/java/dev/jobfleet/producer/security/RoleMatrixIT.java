package dev.jobfleet.producer.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobIds;
import dev.jobfleet.producer.api.Problem;
import dev.jobfleet.producer.testing.AllTables;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TestCallers;
import dev.jobfleet.producer.testing.TestTokens;
import dev.jobfleet.store.Batches;
import dev.jobfleet.store.ConcurrencyLimits;
import dev.jobfleet.store.JobOptions;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Jobs;
import dev.jobfleet.store.Schedules;
import dev.jobfleet.store.TestDatabase;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * G10: nobody acts without the right role, and a refused request changes nothing. Every endpoint of
 * the producer (and its actuator) x every kind of caller: none, a made-up token, submitter alice,
 * submitter bob (not the owner of alice's jobs), a viewer, an operator. Each case checks the status;
 * each refusal its RFC 9457 problem ({@code WWW-Authenticate: Bearer} on 401) and that no row of any
 * table moved. A submitter reading or cancelling another's job gets 404, exactly as for a job that
 * does not exist. The negative control: the same requests against the API as it was before access
 * control are the "allowed" column of every row; the test counts how many of them each caller would
 * have got through.
 */
@ApiIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoleMatrixIT {

    /** One endpoint: how to call it (given fresh fixtures) and what each caller gets. */
    record Endpoint(String name, Function<Fixtures, Call> call, Map<TestCallers, Integer> expected) {}

    /** A request and the path its problem names. */
    record Call(HttpRequest.Builder request, String path) {}

    record Case(Endpoint endpoint, TestCallers who) {
        @Override
        public String toString() {
            return endpoint.name() + " as " + who;
        }
    }

    private static final String ALICE = TestTokens.callerId(TestTokens.SUBMITTER_NAME);
    private static final Map<Integer, Integer> refusals = new TreeMap<>();
    private static int allowed;
    private static int cases;

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    JobRepository repository;

    @Autowired
    Batches batches;

    @Autowired
    ConcurrencyLimits limits;

    @Autowired
    Schedules schedules;

    @Autowired
    TestDatabase database;

    private Fixtures fixtures;

    @BeforeAll
    void fixtures() {
        fixtures = new Fixtures();
    }

    @AfterAll
    void report() {
        System.out.printf(
                "G10 role matrix: %d cases (%d endpoints x %d callers): %d allowed, refused by status %s;"
                        + " tables unchanged on every refusal. Before access control every one of the %d would have"
                        + " been served.%n",
                cases, cases / TestCallers.values().length, TestCallers.values().length, allowed, refusals, cases);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void g10_eachCallerGetsWhatItsRoleAllowsAndARefusalChangesNothing(Case c) {
        Call call = c.endpoint().call().apply(fixtures);
        if (c.who().token() != null) {
            call.request().setHeader("Authorization", "Bearer " + c.who().token());
        }
        int expected = c.endpoint().expected().get(c.who());
        Map<String, Long> before = AllTables.counts(database.dataSource());

        HttpApi.Response response = api().send(call.request());

        synchronized (RoleMatrixIT.class) {
            cases++;
        }
        assertThat(response.status()).as(response.toString()).isEqualTo(expected);
        if (expected < 400) {
            synchronized (RoleMatrixIT.class) {
                allowed++;
            }
            return;
        }
        synchronized (RoleMatrixIT.class) {
            refusals.merge(expected, 1, Integer::sum);
        }
        assertThat(AllTables.counts(database.dataSource())).as("no table moved").isEqualTo(before);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("status").intValue()).isEqualTo(expected);
        assertThat(problem.get("type").stringValue()).startsWith(Problem.BASE);
        assertThat(problem.get("title").stringValue()).isNotBlank();
        assertThat(problem.get("detail").stringValue()).isNotBlank();
        assertThat(problem.get("instance").stringValue()).isEqualTo(call.path());
        assertThat(problem.get("errors").isArray()).isTrue();
        if (expected != 404 || c.endpoint().name().contains("alice's")) {
            assertThat(problem.get("errors").size()).as("the fields at fault").isPositive();
        }
        switch (expected) {
            case 401 -> {
                assertThat(problem.get("type").stringValue())
                        .isEqualTo(Problem.UNAUTHORIZED.type().toString());
                assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
                if (c.who() == TestCallers.BAD_TOKEN) {
                    assertThat(response.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
                }
            }
            case 403 ->
                assertThat(problem.get("type").stringValue())
                        .isEqualTo(Problem.FORBIDDEN.type().toString());
            case 404 -> {
                if (c.endpoint().name().contains("alice's")) {
                    // another submitter's job reads exactly as one that does not exist
                    assertThat(problem.get("type").stringValue())
                            .isIn(
                                    Problem.JOB_NOT_FOUND.type().toString(),
                                    Problem.BATCH_NOT_FOUND.type().toString());
                }
            }
            default -> throw new AssertionError("unexpected refusal " + expected);
        }
    }

    /** A submitter's list holds its own jobs only; a viewer's holds everyone's. */
    @Test
    void aSubmitterListsOnlyItsOwnJobs() {
        UUID alices = fixtures.jobOf(ALICE);
        UUID bobs = fixtures.jobOf(TestTokens.callerId(TestTokens.OTHER_SUBMITTER_NAME));
        List<String> seenByAlice = ids(api().as(TestTokens.SUBMITTER).get("/jobs?limit=1000&type=matrix.owned"));
        List<String> seenByViewer = ids(api().as(TestTokens.VIEWER).get("/jobs?limit=1000&type=matrix.owned"));

        assertThat(seenByAlice).contains(alices.toString()).doesNotContain(bobs.toString());
        assertThat(seenByViewer).contains(alices.toString(), bobs.toString());
        assertThat(api().as(TestTokens.SUBMITTER)
                        .get("/jobs/" + alices)
                        .json()
                        .get("submittedBy")
                        .stringValue())
                .isEqualTo(ALICE);
        assertThat(api().as(TestTokens.SUBMITTER).get("/me").json().get("id").stringValue())
                .isEqualTo(ALICE);
    }

    private static List<String> ids(HttpApi.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json()
                .get("jobs")
                .valueStream()
                .map(j -> j.get("id").stringValue())
                .toList();
    }

    private HttpApi api() {
        return new HttpApi(port);
    }

    Stream<Case> cases() {
        return endpoints().stream().flatMap(e -> Stream.of(TestCallers.values()).map(who -> new Case(e, who)));
    }

    private List<Endpoint> endpoints() {
        List<Endpoint> list = new ArrayList<>();
        // who:                   none bad  alice bob  viewer operator
        list.add(endpoint(
                "POST /jobs", f -> post("/jobs", "{\"type\": \"matrix.submit\"}"), 401, 401, 201, 201, 403, 201));
        list.add(endpoint(
                "POST /jobs:batch",
                f -> post("/jobs:batch", "{\"jobs\": [{\"type\": \"matrix.bulk\"}]}"),
                401,
                401,
                200,
                200,
                403,
                200));
        list.add(endpoint(
                "POST /batches",
                f -> post("/batches", "{\"jobs\": [{\"type\": \"matrix.child\"}]}"),
                401,
                401,
                201,
                201,
                403,
                201));
        list.add(endpoint("GET /jobs", f -> get("/jobs?limit=5"), 401, 401, 200, 200, 200, 200));
        list.add(endpoint(
                "GET /jobs/{id} (alice's)", f -> get("/jobs/" + f.jobOf(ALICE)), 401, 401, 200, 404, 200, 200));
        list.add(endpoint(
                "GET /jobs/{id}/logs (alice's)",
                f -> get("/jobs/" + f.jobOf(ALICE) + "/logs"),
                401,
                401,
                200,
                404,
                200,
                200));
        list.add(endpoint(
                "POST /jobs/{id}/cancel (alice's)",
                f -> post("/jobs/" + f.jobOf(ALICE) + "/cancel", null),
                401,
                401,
                200,
                404,
                403,
                200));
        list.add(endpoint(
                "POST /jobs/{id}/retry (alice's, DEAD)",
                f -> post("/jobs/" + f.deadJobOf(ALICE) + "/retry", null),
                401,
                401,
                403,
                403,
                403,
                200));
        list.add(endpoint(
                "PATCH /jobs/{id} (alice's)",
                f -> {
                    UUID id = f.jobOf(ALICE);
                    return new Call(
                            api().as(null)
                                    .request("/jobs/" + id)
                                    .header("Content-Type", "application/merge-patch+json")
                                    .header("If-Match", "\"" + f.version(id) + "\"")
                                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"priority\": 3}")),
                            "/jobs/" + id);
                },
                401,
                401,
                403,
                403,
                403,
                200));
        list.add(endpoint(
                "GET /batches/{id} (alice's)", f -> get("/batches/" + f.batchOf(ALICE)), 401, 401, 200, 404, 200, 200));
        list.add(endpoint(
                "PUT /concurrency-limits/{key}",
                f -> put("/concurrency-limits/matrix-" + f.unique(), "{\"maxRunning\": 2}"),
                401,
                401,
                403,
                403,
                403,
                200));
        list.add(endpoint(
                "GET /concurrency-limits/{key}",
                f -> get("/concurrency-limits/" + f.limit()),
                401,
                401,
                403,
                403,
                200,
                200));
        list.add(endpoint(
                "DELETE /concurrency-limits/{key}",
                f -> delete("/concurrency-limits/" + f.limit()),
                401,
                401,
                403,
                403,
                403,
                204));
        list.add(endpoint(
                "PUT /schedules/{name}",
                f -> put("/schedules/matrix-" + f.unique(), "{\"cron\": \"0 0 3 * * *\", \"type\": \"matrix.cron\"}"),
                401,
                401,
                403,
                403,
                403,
                200));
        list.add(endpoint("GET /schedules", f -> get("/schedules"), 401, 401, 403, 403, 200, 200));
        list.add(endpoint(
                "GET /schedules/{name}", f -> get("/schedules/" + f.schedule()), 401, 401, 403, 403, 200, 200));
        list.add(endpoint(
                "DELETE /schedules/{name}", f -> delete("/schedules/" + f.schedule()), 401, 401, 403, 403, 403, 204));
        list.add(endpoint("GET /fleet/status", f -> get("/fleet/status"), 401, 401, 403, 403, 200, 200));
        list.add(endpoint("GET /fleet", f -> get("/fleet"), 401, 401, 403, 403, 200, 200));
        list.add(endpoint("GET /me", f -> get("/me"), 401, 401, 200, 200, 200, 200));
        list.add(endpoint("GET /v3/api-docs", f -> get("/v3/api-docs"), 200, 401, 200, 200, 200, 200));
        list.add(endpoint("GET /livez", f -> get("/livez"), 200, 401, 200, 200, 200, 200));
        list.add(endpoint(
                "GET /actuator/prometheus on the API's port",
                f -> get("/actuator/prometheus"),
                401,
                401,
                403,
                403,
                403,
                404));
        list.add(endpoint(
                "GET /actuator/health/readiness on the management port",
                f -> management("/actuator/health/readiness"),
                200,
                401,
                200,
                200,
                200,
                200));
        list.add(endpoint(
                "GET /actuator/prometheus on the management port",
                f -> management("/actuator/prometheus"),
                200,
                401,
                200,
                200,
                200,
                200));
        list.add(endpoint(
                "GET /actuator/env on the management port (not exposed)",
                f -> management("/actuator/env"),
                401,
                401,
                403,
                403,
                403,
                404));
        return list;
    }

    private static Endpoint endpoint(String name, Function<Fixtures, Call> call, int... statuses) {
        Map<TestCallers, Integer> expected = new EnumMap<>(TestCallers.class);
        for (TestCallers who : TestCallers.values()) {
            expected.put(who, statuses[who.ordinal()]);
        }
        return new Endpoint(name, call, expected);
    }

    private Call get(String path) {
        return new Call(api().as(null).request(path).GET(), path.replaceFirst("\\?.*", ""));
    }

    private Call management(String path) {
        return new Call(new HttpApi(managementPort).as(null).request(path).GET(), path);
    }

    private Call post(String path, String json) {
        HttpRequest.Builder request = api().as(null).request(path);
        if (json == null) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        return new Call(request, path);
    }

    private Call put(String path, String json) {
        return new Call(
                api().as(null)
                        .request(path)
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(json)),
                path);
    }

    private Call delete(String path) {
        return new Call(api().as(null).request(path).DELETE(), path);
    }

    /** Fresh things to act on, made through the store (not the API under test). */
    final class Fixtures {
        String unique() {
            return UUID.randomUUID().toString().substring(0, 8);
        }

        UUID jobOf(String owner) {
            return repository
                    .submit(Jobs.event("matrix.owned"), JobOptions.NONE.withSubmitter(owner), "matrix")
                    .job()
                    .id();
        }

        UUID deadJobOf(String owner) {
            UUID id = repository
                    .submit(Jobs.event("matrix.dead", 1), JobOptions.NONE.withSubmitter(owner), "matrix")
                    .job()
                    .id();
            Runs.kill(repository, id, "matrix.dead", "matrix");
            return id;
        }

        long version(UUID id) {
            return repository.find(id).orElseThrow().version();
        }

        UUID batchOf(String owner) {
            UUID id = JobIds.next();
            batches.create(
                    id, Batches.Policy.COMPLETE_ALWAYS, null, List.of(Jobs.event("matrix.child")), "matrix", owner);
            return id;
        }

        String limit() {
            String key = "matrix-" + unique();
            limits.set(key, 2);
            return key;
        }

        String schedule() {
            String name = "matrix-" + unique();
            schedules.upsert(name, "0 0 3 * * *", "UTC", "matrix.cron", null, 0, true);
            return name;
        }
    }
}
