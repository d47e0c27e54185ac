package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.AllTables;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TestCallers;
import dev.jobfleet.producer.testing.TestTokens;
import dev.jobfleet.store.ConcurrencyLimits;
import dev.jobfleet.store.JobOptions;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Jobs;
import dev.jobfleet.store.Schedules;
import dev.jobfleet.store.TestDatabase;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * G8 under fuzzing: property-based, with seeded generators ({@link Hostile}). For every endpoint,
 * as every kind of caller, {@value #CASES} random malformed requests: bodies that are not JSON, or
 * JSON with U+0000, unpaired surrogates, numbers PostgreSQL cannot hold, wrong types, unknown
 * fields; hostile paths (encoded NUL, invalid UTF-8, slashes, traversal, oversized keys), query
 * strings and headers (reserved idempotency keys, bad If-Match, wrong media types). The property:
 * no answer is a 5xx, every answer is an RFC 9457 problem with the status it was sent with (a bulk
 * request's per-item results, when its envelope is valid), and no row of any table changes. The
 * seed is printed; {@code -Djobfleet.fuzz.seed=N} replays a run, {@code -Djobfleet.fuzz.cases=N}
 * makes it longer.
 */
@ApiIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputFuzzIT {
    static final int CASES = 30;
    private static final long SEED = Long.getLong("jobfleet.fuzz.seed", 20_261_201L);
    private static final int PER_PAIR = Integer.getInteger("jobfleet.fuzz.cases", CASES);
    private static final AtomicInteger sent = new AtomicInteger();
    private static final Map<Integer, Integer> statuses = new TreeMap<>();
    private static final Map<String, Integer> faults = new TreeMap<>();

    record Pair(Hostile.Endpoint endpoint, TestCallers who) {
        @Override
        public String toString() {
            return endpoint.name() + " as " + who;
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JobRepository repository;

    @Autowired
    ConcurrencyLimits limits;

    @Autowired
    Schedules schedules;

    @Autowired
    TestDatabase database;

    private Hostile.Fixtures fixtures;

    @BeforeAll
    void fixtures() {
        String alice = TestTokens.callerId(TestTokens.SUBMITTER_NAME);
        UUID pending = repository
                .submit(Jobs.event("fuzz.pending"), JobOptions.NONE.withSubmitter(alice), "fuzz")
                .job()
                .id();
        UUID dead = repository
                .submit(Jobs.event("fuzz.dead", 1), JobOptions.NONE.withSubmitter(alice), "fuzz")
                .job()
                .id();
        Runs.kill(repository, dead, "fuzz.dead", "fuzz");
        limits.set("fuzz-limit", 3);
        schedules.upsert("fuzz-schedule", "0 0 3 * * *", "UTC", "fuzz.cron", null, 0, true);
        fixtures = new Hostile.Fixtures(
                pending, repository.find(pending).orElseThrow().version(), dead, "fuzz-limit", "fuzz-schedule");
        System.out.printf("fuzz seed %d (replay with -Djobfleet.fuzz.seed=%d)%n", SEED, SEED);
    }

    @AfterAll
    void report() {
        long fiveHundreds = statuses.entrySet().stream()
                .filter(e -> e.getKey() >= 500)
                .mapToLong(Map.Entry::getValue)
                .sum();
        System.out.printf(
                "G8 fuzz: %d malformed requests (%d endpoints x %d callers x %d), seed %d: %d answered 5xx;"
                        + " faults %s (none = every answer a problem document and no row changed); statuses %s%n",
                sent.get(),
                Hostile.endpoints().size(),
                TestCallers.values().length,
                PER_PAIR,
                SEED,
                fiveHundreds,
                faults.isEmpty() ? "none" : faults,
                statuses);
    }

    Stream<Pair> pairs() {
        return Hostile.endpoints().stream()
                .flatMap(e -> Stream.of(TestCallers.values()).map(who -> new Pair(e, who)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void g8_malformedRequestsGetAProblemAndChangeNothing(Pair pair) {
        Random random = new Random(SEED ^ pair.toString().hashCode());
        HttpApi api = new HttpApi(port).as(null);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < PER_PAIR; i++) {
            Hostile.Request request = pair.endpoint().make(random, fixtures);
            HttpRequest.Builder builder = request.build(api);
            if (pair.who().token() != null) {
                builder.setHeader("Authorization", "Bearer " + pair.who().token());
            }
            Map<String, Long> before = AllTables.counts(database.dataSource());
            HttpApi.Response response = api.send(builder);
            sent.incrementAndGet();
            synchronized (statuses) {
                statuses.merge(response.status(), 1, Integer::sum);
            }
            String fault = check(pair.endpoint(), response);
            if (fault == null && !AllTables.counts(database.dataSource()).equals(before)) {
                fault = "rows changed";
            }
            if (fault != null) {
                synchronized (faults) {
                    faults.merge(fault.replaceAll(" \\(.*", ""), 1, Integer::sum);
                }
                failures.add(fault + ": " + request + " -> " + abbreviate(response.toString()));
            }
        }
        assertThat(failures).as("seed %d", SEED).isEmpty();
    }

    /** What is wrong with the answer, or null when it is a proper refusal. */
    private static String check(Hostile.Endpoint endpoint, HttpApi.Response response) {
        if (response.status() >= 500) {
            return "a 5xx";
        }
        if (response.status() < 400) {
            if (endpoint.bulk() && response.status() == 200) {
                return checkBulk(response);
            }
            return "not refused (" + response.status() + ")";
        }
        if (!response.contentType().startsWith("application/problem+json")) {
            return "not a problem document (" + response.contentType() + ")";
        }
        JsonNode problem;
        try {
            problem = response.json();
        } catch (RuntimeException e) {
            return "a problem that is not JSON";
        }
        if (problem.path("status").intValue() != response.status()
                || !problem.path("type").stringValue("").startsWith(Problem.BASE)
                || problem.path("title").stringValue("").isBlank()
                || problem.path("detail").stringValue("").isBlank()
                || !problem.path("instance").isString()
                || !problem.path("errors").isArray()) {
            return "an incomplete problem";
        }
        return null;
    }

    /** A valid envelope: every item must have been refused with its own problem, none created. */
    private static String checkBulk(HttpApi.Response response) {
        JsonNode body = response.json();
        if (body.path("created").intValue() != 0 || body.path("existing").intValue() != 0) {
            return "a bulk item was accepted";
        }
        for (JsonNode result : body.path("results")) {
            int status = result.path("status").intValue();
            JsonNode problem = result.path("problem");
            if (status < 400 || status >= 500 || problem.path("status").intValue() != status) {
                return "a bulk item without its 4xx problem";
            }
        }
        return null;
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
