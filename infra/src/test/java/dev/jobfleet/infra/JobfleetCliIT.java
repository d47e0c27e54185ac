package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.cli.ExitCodes;
import dev.jobfleet.cli.JobfleetCli;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.TestDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin CLI ({@code jobfleet}, module {@code cli}) against a real fleet: the producer and two
 * workers ({@link TestFleet}) on a real broker and PostgreSQL. Every command runs in process through
 * {@link JobfleetCli#run} with the environment a user would set ({@code JOBFLEET_URL}, {@code
 * JOBFLEET_TOKEN}); one test runs {@code bin/jobfleet} itself. Each command's output is checked
 * against the API and the database, each refusal against its exit code, its message and tables
 * that did not change.
 *
 * <p>The producer is given hashed API tokens as the access contract defines them ({@code
 * jobfleet.security.tokens.<name>.role} and {@code .hash}); the CLI always sends the operator's. A
 * producer without access control ignores both; the test of refused roles runs where Spring
 * Security is on the producer's classpath.
 */
class JobfleetCliIT {
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String OPERATOR_TOKEN = "op-" + UUID.randomUUID();
    private static final String VIEWER_TOKEN = "view-" + UUID.randomUUID();
    private static final Map<Integer, AtomicInteger> exits = new ConcurrentHashMap<>();

    private static final Path directory =
            Path.of("target", "it", "cli-" + UUID.randomUUID()).toAbsolutePath();
    private static TestDatabase db;
    private static TestKafka broker;
    private static TestFleet fleet;
    private static JdbcClient jdbc;
    private static final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static List<UUID> succeeded;
    private static List<UUID> dead;

    /** One run of the CLI. */
    record Run(int exit, String out, String err) {
        JsonNode json() {
            return JSON.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    @BeforeAll
    static void startFleet() throws Exception {
        long t0 = System.nanoTime();
        db = TestDatabase.create(4);
        jdbc = JdbcClient.create(db.dataSource());
        broker = TestKafka.start(directory.resolve("kafka"));
        PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        fleet = TestFleet.builder(directory)
                .database(db)
                .broker(broker)
                .producerProperty("jobfleet.security.tokens.clioperator.role", "operator")
                .producerProperty("jobfleet.security.tokens.clioperator.hash", encoder.encode(OPERATOR_TOKEN))
                .producerProperty("jobfleet.security.tokens.cliviewer.role", "viewer")
                .producerProperty("jobfleet.security.tokens.cliviewer.hash", encoder.encode(VIEWER_TOKEN))
                .start();
        await("both workers consume the jobs topic")
                .atMost(DEADLINE)
                .ignoreExceptions()
                .until(
                        () -> TopicChecks.membersAssigned(broker.bootstrapServers(), TestFleet.GROUP, Topics.JOBS),
                        n -> n == TestFleet.WORKERS.size());

        succeeded = new ArrayList<>();
        dead = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            succeeded.add(submit("{\"type\":\"demo.noop\",\"payload\":{\"n\":" + i + "}}"));
        }
        for (int i = 0; i < 3; i++) {
            dead.add(submit("{\"type\":\"demo.fail\",\"payload\":{\"times\":5},\"maxAttempts\":1}"));
        }
        await("6 SUCCEEDED and 3 DEAD")
                .atMost(DEADLINE)
                .until(() -> count(succeeded, JobState.SUCCEEDED) == 6 && count(dead, JobState.DEAD) == 3);
        System.out.printf(
                "cli: fleet (producer + 2 workers) started and 9 jobs run in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stopFleet() throws Exception {
        System.out.printf("cli: exit codes of the commands run: %s%n", new TreeMap<>(exits));
        if (fleet != null) {
            fleet.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (db != null) {
            db.close();
        }
        Directories.deleteRecursively(directory);
    }

    @Test
    void statusPrintsTheFleetsFiguresAsTheApiAndTheDatabaseHaveThem() {
        awaitQuiet();
        long deadInDatabase = countState(JobState.DEAD);
        long jobsInDatabase =
                jdbc.sql("SELECT count(*) FROM jobs").query(Long.class).single();

        Run table = cli("status");
        Run json = cli("status", "--json");

        assertThat(table.exit()).as(table.toString()).isZero();
        assertThat(json.exit()).as(json.toString()).isZero();
        System.out.println("cli sample: jobfleet status\n" + table.out());
        assertThat(value(table.out(), "DEAD jobs")).isEqualTo(deadInDatabase);
        assertThat(value(table.out(), "outbox backlog (rows)")).isZero();
        assertThat(table.out())
                .contains("CONSUMER LAG  group " + TestFleet.GROUP + " on " + Topics.JOBS)
                .contains("QUEUE DEPTH  " + jobsInDatabase + " jobs");
        assertThat(table.out().lines().filter(l -> l.startsWith("demo.fail ")))
                .singleElement()
                .satisfies(l -> assertThat(l.split("\\s+")).contains(Long.toString(dead.size())));
        JsonNode status = json.json();
        assertThat(status.get("deadJobs").longValue()).isEqualTo(deadInDatabase);
        assertThat(status.get("queue").get("total").longValue()).isEqualTo(jobsInDatabase);
        assertThat(status.get("consumerLag").get("group").stringValue()).isEqualTo(TestFleet.GROUP);
        assertThat(status.get("consumerLag").get("partitions").size()).isPositive();
    }

    @Test
    void jobsListShowsTheJobsOfAStateAndTypeAsTheApiDoes() throws Exception {
        Run table = cli("jobs", "list", "--state", "DEAD", "--type", "demo.fail", "--limit", "1000");
        Run json = cli("jobs", "list", "--state", "DEAD", "--type", "demo.fail", "--limit", "1000", "--json");
        Run sample = cli("jobs", "list", "--limit", "8");

        assertThat(table.exit()).as(table.toString()).isZero();
        assertThat(json.exit()).as(json.toString()).isZero();
        System.out.println("cli sample: jobfleet jobs list --limit 8\n" + sample.out());
        Set<String> apiIds = ids(api("GET", "/jobs?state=DEAD&type=demo.fail&limit=1000", null));
        Set<String> jsonIds = ids(json.json());
        assertThat(jsonIds).isEqualTo(apiIds).containsAll(strings(dead));
        List<String> rows = table.out()
                .lines()
                .skip(1)
                .filter(l -> l.matches("^[0-9a-f-]{36} .*"))
                .toList();
        assertThat(rows).hasSize(apiIds.size());
        assertThat(rows)
                .allSatisfy(row -> assertThat(row).contains("demo.fail", "DEAD", "1/1", "demo.fail: attempt 1"));
        assertThat(table.out()).contains(apiIds.size() + " jobs");
        assertThat(sample.out().lines().findFirst().orElseThrow())
                .matches("ID\\s+TYPE\\s+STATE\\s+ATTEMPTS\\s+PRIORITY\\s+CREATED\\s+LAST ERROR");
    }

    @Test
    void jobsShowPrintsTheFieldsTheHistoryAndTheErrorsOfAJob() throws Exception {
        UUID id = dead.getFirst();

        Run table = cli("jobs", "show", id.toString());
        Run json = cli("jobs", "show", id.toString(), "--json");

        assertThat(table.exit()).as(table.toString()).isZero();
        assertThat(table.out().lines())
                .contains("id                 " + id, "type               demo.fail", "state              DEAD");
        assertThat(table.out())
                .contains("PENDING  RUNNING", "RUNNING  DEAD", "demo.fail: attempt 1 of the 5 that fail");
        assertThat(json.json()).isEqualTo(api("GET", "/jobs/" + id, null));
    }

    @Test
    void cancelCancelsAWaitingJobAndRefusesAFinishedOneWithExit3() throws Exception {
        UUID waiting = submit("{\"type\":\"demo.noop\",\"runAt\":\"2099-01-01T00:00:00Z\"}");

        Run cancel = cli("jobs", "cancel", waiting.toString());

        assertThat(cancel.exit()).as(cancel.toString()).isZero();
        assertThat(cancel.out()).contains("cancelled " + waiting + " (demo.noop): now CANCELLED");
        assertThat(state(waiting)).isEqualTo(JobState.CANCELLED);

        Map<String, Long> before = settledTables();
        Run again = cli("jobs", "cancel", waiting.toString());
        Run finished = cli("jobs", "cancel", succeeded.getFirst().toString(), "--json");

        assertThat(again.exit()).as(again.toString()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(again.err()).contains("Job cannot be cancelled (409 job-not-cancellable)", "state: CANCELLED");
        assertThat(finished.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(finished.out()).isEmpty();
        assertThat(JSON.readTree(finished.err()).get("state").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(tables()).as("refusals change nothing").isEqualTo(before);
        assertThat(state(succeeded.getFirst())).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void retryReDrivesADeadJobAndRefusesOneThatIsNotDeadWithExit3() {
        UUID redriven = dead.getLast();

        Run retry = cli("jobs", "retry", redriven.toString(), "--json");

        assertThat(retry.exit()).as(retry.toString()).isZero();
        assertThat(retry.json().get("id").stringValue()).isEqualTo(redriven.toString());
        assertThat(retry.json().get("history").size()).isGreaterThanOrEqualTo(4);
        await("the re-driven job ran again and is DEAD again")
                .atMost(DEADLINE)
                .until(() -> attempts(redriven) == 1 && state(redriven) == JobState.DEAD && runs(redriven) == 2);

        Map<String, Long> before = settledTables();
        Run notDead = cli("jobs", "retry", succeeded.get(1).toString());

        assertThat(notDead.exit()).as(notDead.toString()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(notDead.err()).contains("(409 job-not-dead)", "state: SUCCEEDED");
        assertThat(tables()).isEqualTo(before);
    }

    @Test
    void anUnknownJobIsExit2AndAMalformedIdExit1NamingTheField() {
        Map<String, Long> before = settledTables();

        Run unknown = cli("jobs", "show", UUID.randomUUID().toString());
        Run malformed = cli("jobs", "cancel", "not-a-uuid");

        assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(unknown.err()).contains("Job not found (404 job-not-found)");
        assertThat(malformed.exit()).as(malformed.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(malformed.err()).contains("field id:");
        assertThat(tables()).isEqualTo(before);
    }

    @Test
    void limitsAreSetListedAndDeletedAndBadInputIsExit1() throws Exception {
        String key = "tenant-" + UUID.randomUUID().toString().substring(0, 8);

        Run set = cli("limits", "set", key, "3");
        Run list = cli("limits", "list");
        Run json = cli("limits", "list", "--json");

        assertThat(set.exit()).as(set.toString()).isZero();
        assertThat(set.out().lines()).anyMatch(l -> l.matches(key + "\\s+3\\s+0\\s+\\S+"));
        assertThat(list.out().lines()).anyMatch(l -> l.matches(key + "\\s+3\\s+0\\s+\\S+"));
        assertThat(json.json()).isEqualTo(api("GET", "/concurrency-limits", null));
        assertThat(maxRunning(key)).isEqualTo(3);

        Map<String, Long> before = settledTables();
        Run zero = cli("limits", "set", key, "0");
        assertThat(zero.exit()).as(zero.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(zero.err()).contains("field maxRunning: must be between 1 and 10000");
        assertThat(maxRunning(key)).isEqualTo(3);
        assertThat(tables()).isEqualTo(before);

        Run delete = cli("limits", "delete", key);
        assertThat(delete.exit()).as(delete.toString()).isZero();
        assertThat(delete.out()).contains("deleted the concurrency limit of " + key);
        assertThat(maxRunning(key)).isNull();
        Run again = cli("limits", "delete", key);
        assertThat(again.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(again.err()).contains("(404 concurrency-limit-not-found)", "field key: has no limit");
    }

    @Test
    void schedulesAreSetListedAndDeletedAndABadCronIsExit1() throws Exception {
        String name = "nightly-" + UUID.randomUUID().toString().substring(0, 8);

        Run set = cli(
                "schedules",
                "set",
                name,
                "--cron",
                "0 0 3 * * *",
                "--type",
                "demo.noop",
                "--zone",
                "Europe/Paris",
                "--payload",
                "{\"report\":\"pdf\"}",
                "--priority",
                "4");
        Run list = cli("schedules", "list");
        Run json = cli("schedules", "list", "--json");

        assertThat(set.exit()).as(set.toString()).isZero();
        assertThat(list.out().lines())
                .anyMatch(l ->
                        l.matches(name + "\\s+0 0 3 \\* \\* \\*\\s+Europe/Paris\\s+demo.noop\\s+4\\s+true\\s+\\S+"));
        assertThat(json.json()).isEqualTo(api("GET", "/schedules", null));
        JsonNode stored = api("GET", "/schedules/" + name, null);
        assertThat(stored.get("payload")).isEqualTo(JSON.readTree("{\"report\":\"pdf\"}"));
        assertThat(stored.get("priority").intValue()).isEqualTo(4);

        Map<String, Long> before = settledTables();
        Run badCron = cli("schedules", "set", name, "--cron", "every day", "--type", "demo.noop");
        assertThat(badCron.exit()).as(badCron.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(badCron.err()).contains("field cron:");
        assertThat(tables()).isEqualTo(before);
        assertThat(api("GET", "/schedules/" + name, null).get("cron").stringValue())
                .isEqualTo("0 0 3 * * *");

        Run delete = cli("schedules", "delete", name, "--json");
        assertThat(delete.exit()).as(delete.toString()).isZero();
        assertThat(delete.json().get("deleted").booleanValue()).isTrue();
        Run again = cli("schedules", "delete", name);
        assertThat(again.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void aProducerThatDoesNotAnswerIsExit5() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }

        Run run = run(Map.of("JOBFLEET_URL", "http://127.0.0.1:" + closed, "JOBFLEET_TOKEN", OPERATOR_TOKEN), "status");

        assertThat(run.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(run.err()).contains("cannot connect to http://127.0.0.1:" + closed);
    }

    @Test
    void withoutATokenOrWithAViewersTokenChangesAreRefusedWithExit4() {
        assumeThat(ClassUtils.isPresent("org.springframework.security.web.SecurityFilterChain", null))
                .as("the producer has access control (Spring Security on its classpath)")
                .isTrue();
        UUID waiting = submit("{\"type\":\"demo.noop\",\"runAt\":\"2099-01-01T00:00:00Z\"}");
        Map<String, Long> before = settledTables();

        Run none = run(Map.of("JOBFLEET_URL", fleet.producer().toString()), "jobs", "cancel", waiting.toString());
        Run bad = run(Map.of("JOBFLEET_URL", fleet.producer().toString(), "JOBFLEET_TOKEN", "not-a-token"), "status");
        Run viewer = run(
                Map.of("JOBFLEET_URL", fleet.producer().toString(), "JOBFLEET_TOKEN", VIEWER_TOKEN),
                "jobs",
                "cancel",
                waiting.toString());
        Run viewerReads =
                run(Map.of("JOBFLEET_URL", fleet.producer().toString(), "JOBFLEET_TOKEN", VIEWER_TOKEN), "status");

        assertThat(none.exit()).as(none.toString()).isEqualTo(ExitCodes.AUTH);
        assertThat(none.err()).contains("(401").contains("hint: set JOBFLEET_TOKEN");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(ExitCodes.AUTH);
        assertThat(viewer.exit()).as(viewer.toString()).isEqualTo(ExitCodes.AUTH);
        assertThat(viewer.err()).contains("(403");
        assertThat(viewerReads.exit()).as(viewerReads.toString()).isZero();
        assertThat(tables()).isEqualTo(before);
        assertThat(state(waiting)).isEqualTo(JobState.PENDING);
    }

    @Test
    void theWrapperRunsTheRunnableJar() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path jar = root.resolve("cli/target/jobfleet.jar");
        assertThat(jar)
                .as("the reactor packages cli before infra's integration tests (or: ./mvnw -pl cli package)")
                .exists();

        ProcessBuilder status =
                new ProcessBuilder(root.resolve("bin/jobfleet").toString(), "status").redirectErrorStream(false);
        status.environment().put("JOBFLEET_URL", fleet.producer().toString());
        status.environment().put("JOBFLEET_TOKEN", OPERATOR_TOKEN);
        status.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = status.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(err).isZero();
        assertThat(out).startsWith("jobfleet status of " + fleet.producer()).contains("QUEUE DEPTH");

        ProcessBuilder missing = new ProcessBuilder(
                root.resolve("bin/jobfleet").toString(),
                "jobs",
                "show",
                UUID.randomUUID().toString());
        missing.environment().put("JOBFLEET_URL", fleet.producer().toString());
        missing.environment().put("JOBFLEET_TOKEN", OPERATOR_TOKEN);
        missing.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process notFound = missing.redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(notFound.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(notFound.exitValue())
                .as("the process exits with the CLI's code")
                .isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(Files.size(jar)).as("a small jar").isLessThan(10L * 1024 * 1024);
    }

    // ---- the CLI, the API and the database

    private static Run cli(String... args) {
        return run(Map.of("JOBFLEET_URL", fleet.producer().toString(), "JOBFLEET_TOKEN", OPERATOR_TOKEN), args);
    }

    private static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = JobfleetCli.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
        exits.computeIfAbsent(exit, e -> new AtomicInteger()).incrementAndGet();
        return new Run(exit, out.toString(), err.toString());
    }

    /** The number at the end of the summary line that starts with {@code label}. */
    private static long value(String table, String label) {
        String line = table.lines()
                .filter(l -> l.startsWith(label + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + label + "' in\n" + table));
        return Long.parseLong(line.substring(label.length()).strip());
    }

    private static UUID submit(String json) {
        return UUID.fromString(api("POST", "/jobs", json).get("id").stringValue());
    }

    private static JsonNode api(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fleet.producer() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + OPERATOR_TOKEN)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as("%s %s: %s", method, path, response.body())
                    .isBetween(200, 299);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static Set<String> ids(JsonNode list) {
        Set<String> ids = new HashSet<>();
        list.get("jobs").forEach(job -> ids.add(job.get("id").stringValue()));
        return ids;
    }

    private static List<String> strings(List<UUID> ids) {
        return ids.stream().map(UUID::toString).toList();
    }

    private static long count(List<UUID> ids, JobState state) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE id = ANY(?::uuid[]) AND state::text = ?")
                .params(ids.stream().map(UUID::toString).toArray(String[]::new), state.name())
                .query(Long.class)
                .single();
    }

    private static long countState(JobState state) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE state::text = ?")
                .param(state.name())
                .query(Long.class)
                .single();
    }

    private static JobState state(UUID id) {
        return JobState.valueOf(jdbc.sql("SELECT state::text FROM jobs WHERE id = ?")
                .param(id)
                .query(String.class)
                .single());
    }

    private static int attempts(UUID id) {
        return jdbc.sql("SELECT attempts FROM jobs WHERE id = ?")
                .param(id)
                .query(Integer.class)
                .single();
    }

    private static long runs(UUID id) {
        return jdbc.sql("SELECT count(*) FROM job_history WHERE job_id = ? AND to_state::text = 'RUNNING'")
                .param(id)
                .query(Long.class)
                .single();
    }

    private static Integer maxRunning(String key) {
        return jdbc.sql("SELECT max_running FROM concurrency_limit WHERE key = ?")
                .param(key)
                .query(Integer.class)
                .optional()
                .orElse(null);
    }

    /**
     * {@link #tables()} once the relay has published every outbox row: the relay drains rows written by earlier
     * commands (a submit, a cancel) on its own time, which is not a change a refusal made.
     */
    private static Map<String, Long> settledTables() {
        await("the relay published every outbox row").atMost(DEADLINE).until(() -> tables().get("outbox") == 0L);
        return tables();
    }

    /** Row counts of the tables the commands write, and the jobs per state: what a refusal must not move. */
    private static Map<String, Long> tables() {
        Map<String, Long> counts = new TreeMap<>();
        for (String table : List.of("jobs", "job_history", "outbox", "concurrency_limit", "job_schedule")) {
            counts.put(
                    table,
                    jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single());
        }
        for (JobState state : JobState.values()) {
            counts.put(state.name(), countState(state));
        }
        return counts;
    }

    /** Nothing running, waiting for a retry or due: the figures of {@code status} hold still. */
    private static void awaitQuiet() {
        await("the fleet is quiet")
                .atMost(DEADLINE)
                .until(() -> jdbc.sql("SELECT count(*) FROM jobs WHERE state::text IN ('RUNNING', 'RETRY_SCHEDULED')"
                                        + " OR (state::text = 'PENDING' AND run_at <= now())")
                                .query(Long.class)
                                .single()
                        == 0);
    }
}
