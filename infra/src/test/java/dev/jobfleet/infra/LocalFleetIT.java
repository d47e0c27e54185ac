package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.containers.Backends;
import dev.jobfleet.model.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local fleet's wiring, whatever the apps hold today: embedded PostgreSQL, the broker child and
 * the producer and two workers in one JVM all start, each app answers its health check, and close()
 * leaves no process behind. It runs with {@code --containers}, which takes containers where a Docker
 * engine answers and says so, and falls back to the local parts where none does (as on the build
 * machine). Then the demo as {@code bin/fleet} runs it: after the workers' group is stable, through
 * {@code POST /jobs:batch} (the producer's request counts show it), every job succeeding; and how
 * {@link DemoBatch} counts what the producer refuses.
 */
class LocalFleetIT {
    private final Path directory =
            Path.of("target", "it", "fleet-" + UUID.randomUUID()).toAbsolutePath();

    @AfterEach
    void tearDown() throws Exception {
        Directories.deleteRecursively(directory);
    }

    @Test
    void startsEverythingInOneJvmAndStopsItInOrder() throws Exception {
        int producerPort = threeFreePorts();
        int managementPort = threeFreePorts();
        FleetOptions options = FleetOptions.parse(
                new String[] {
                    "--no-demo", "--jobs", "1200", "--containers", "--kafka-port", "0", "--dir", directory.toString()
                },
                Map.of(
                        "SERVER_PORT", Integer.toString(producerPort),
                        "MANAGEMENT_SERVER_PORT", Integer.toString(managementPort)));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LocalFleet fleet = new LocalFleet(options, Map.of(), new PrintStream(printed, true, StandardCharsets.UTF_8));
        KafkaBroker broker;
        boolean docker = Backends.dockerAvailable();
        long t0 = System.nanoTime();
        try {
            fleet.start();
            System.out.printf("fleet started in %d ms:%n%s", (System.nanoTime() - t0) / 1_000_000, printed);
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> health = http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://localhost:" + (managementPort + i) + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode())
                        .as("health of the app on %d", managementPort + i)
                        .isEqualTo(200);
                assertThat(health.body()).contains("\"UP\"");
                assertThat(status(http, "http://localhost:" + (producerPort + i) + "/livez", null))
                        .isEqualTo(200);
            }
            // the workers' Prometheus is open on their management ports, as in their own JVMs (the
            // producer's Spring Security on the shared classpath must not close it)
            for (int i = 1; i < 3; i++) {
                HttpResponse<String> prometheus = http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://localhost:" + (managementPort + i) + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(prometheus.statusCode())
                        .as("Prometheus of the worker on %d", managementPort + i)
                        .isEqualTo(200);
                assertThat(prometheus.body()).contains("jobfleet_");
            }
            // the demo (what bin/fleet runs after start): it waits for the workers' group, then submits
            // 1,200 jobs in 3 requests to POST /jobs:batch, none to POST /jobs, and all succeed
            URI producerManagement = URI.create("http://localhost:" + managementPort);
            assertThat(requestCount(http, producerManagement, "/jobs:batch"))
                    .as("no batch request before the demo")
                    .isZero();
            int printedBefore = printed.toString(StandardCharsets.UTF_8).length();
            assertThat(fleet.runDemo()).as("the demo's outcome").isTrue();
            String demo = printed.toString(StandardCharsets.UTF_8).substring(printedBefore);
            System.out.print(demo);
            assertThat(demo)
                    .containsPattern(
                            "the workers' group is stable: 2 members hold the \\d+ partitions of jobfleet.jobs")
                    .contains("to POST http://localhost:" + producerPort + "/jobs:batch, 500 per request")
                    .containsPattern("submitted 1200 jobs in 3 requests to POST /jobs:batch in [\\d.]+ s \\(\\d+ jobs/s"
                            + " accepted\\)")
                    .containsPattern(
                            "1200 of 1200 accepted jobs terminal [\\d.]+ s after the first submit \\(\\d+ jobs/s end"
                                    + " to end, peak \\d+ jobs/s in one second\\)")
                    .contains("demo: OK")
                    .doesNotContain("refused");
            assertThat(demo.indexOf("the workers' group is stable"))
                    .as("the group is stable before the first submit")
                    .isLessThan(demo.indexOf("demo: submitting"));
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(requestCount(http, producerManagement, "/jobs:batch"))
                            .as("POST /jobs:batch requests the producer served")
                            .isEqualTo(3));
            assertThat(requestCount(http, producerManagement, "/jobs"))
                    .as("POST /jobs requests: the demo submits none one by one")
                    .isZero();
            // the wait checks what it says: more workers than there are, or a group nobody joined,
            // time out with what the broker showed
            String bootstrap = fleet.endpoints().bootstrapServers();
            assertThatThrownBy(() ->
                            WorkerGroup.awaitStable(bootstrap, TestFleet.GROUP, Topics.JOBS, 3, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("was not stable with 3 members")
                    .hasMessageContaining("state Stable, 2 members");
            assertThatThrownBy(() ->
                            WorkerGroup.awaitStable(bootstrap, "nobody-joined", Topics.JOBS, 2, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the broker does not know the group yet");
            // refusals: a request the producer refuses whole counts all its jobs rejected, with its
            // answer; a refused item counts alone
            URI batchUri = URI.create("http://localhost:" + producerPort + "/jobs:batch");
            DemoBatch.Submitted unauthorized =
                    DemoBatch.submit(http, batchUri, "jf_not-a-token", DemoBatch.plan(7), 3, new AtomicInteger());
            assertThat(unauthorized)
                    .extracting(
                            DemoBatch.Submitted::accepted, DemoBatch.Submitted::rejected, DemoBatch.Submitted::requests)
                    .containsExactly(0, 7, 3);
            assertThat(unauthorized.firstRejection()).startsWith("HTTP 401 ");
            assertThat(unauthorized.sampleId()).isNull();
            AtomicInteger answered = new AtomicInteger();
            DemoBatch.Submitted tooMany =
                    DemoBatch.submit(http, batchUri, fleet.token(), DemoBatch.plan(1_001), 1_001, answered);
            assertThat(tooMany)
                    .extracting(
                            DemoBatch.Submitted::accepted, DemoBatch.Submitted::rejected, DemoBatch.Submitted::requests)
                    .containsExactly(0, 1_001, 1);
            assertThat(tooMany.firstRejection()).startsWith("HTTP 413 ");
            assertThat(answered).hasValue(1_001);
            DemoBatch.Submitted oneBad = DemoBatch.submit(
                    http,
                    batchUri,
                    fleet.token(),
                    List.of(new DemoBatch.Job("demo.noop", "{}"), new DemoBatch.Job("", "{}")),
                    500,
                    new AtomicInteger());
            assertThat(oneBad)
                    .extracting(
                            DemoBatch.Submitted::accepted, DemoBatch.Submitted::rejected, DemoBatch.Submitted::requests)
                    .containsExactly(1, 1, 1);
            assertThat(oneBad.firstRejection()).startsWith("item 1: 400 ");
            assertThat(oneBad.sampleId()).isNotNull();

            // the run's token is printed, the producer accepts it, and nothing goes in without it
            String token = fleet.token();
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("token       " + token);
            assertThat(status(http, "http://localhost:" + producerPort + "/jobs", null))
                    .isEqualTo(401);
            assertThat(status(http, "http://localhost:" + producerPort + "/jobs", token))
                    .isEqualTo(201);
            // the control of "the demo submits none one by one": the count sees a POST /jobs
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(requestCount(http, producerManagement, "/jobs"))
                            .isPositive());
            ByteArrayOutputStream hints = new ByteArrayOutputStream();
            CurlHints.print(
                    new PrintStream(hints, true, StandardCharsets.UTF_8),
                    URI.create("http://localhost:" + producerPort),
                    URI.create("http://localhost:" + managementPort),
                    java.util.List.of(URI.create("http://localhost:" + (managementPort + 1))),
                    token,
                    CurlHints.discover(http, URI.create("http://localhost:" + producerPort)),
                    null);
            assertThat(hints.toString(StandardCharsets.UTF_8))
                    .contains("export TOKEN=" + token, "-H \"Authorization: Bearer $TOKEN\"")
                    .doesNotContain("paths guessed");
            // the apps connect as the app role, not as the superuser that created the database
            LocalFleet.Endpoints endpoints = fleet.endpoints();
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                            endpoints.jdbcUrl(), endpoints.username(), endpoints.password());
                    java.sql.ResultSet users = c.createStatement()
                            .executeQuery(
                                    "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database()"
                                            + " AND pid <> pg_backend_pid() AND usename IS NOT NULL")) {
                java.util.Set<String> seen = new java.util.TreeSet<>();
                while (users.next()) {
                    seen.add(users.getString(1));
                }
                assertThat(seen).contains(LocalFleet.APP_ROLE);
                System.out.println("database users of the fleet: " + seen);
            }
            assertThat(printed.toString())
                    .contains(
                            docker
                                    ? "a Docker engine answers: Kafka and PostgreSQL run in containers"
                                    : "no Docker engine answers: the broker from the Kafka jars and embedded PostgreSQL");
            broker = fleet.broker();
            assertThat(broker == null)
                    .as("a broker child process only without Docker")
                    .isEqualTo(docker);
            assertThat(docker || broker.isRunning()).isTrue();
        } finally {
            fleet.close();
        }
        assertThat(broker == null || !broker.isRunning()).isTrue();
        assertThat(directory.resolve("postgres/data/postmaster.pid")).doesNotExist();
        assertThat(directory.resolve("logs/fleet.log")).isNotEmptyFile();
    }

    /** POST /jobs (when the path ends so) or GET, with the bearer token if any; the status. */
    private static int status(HttpClient http, String uri, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri));
        if (uri.endsWith("/jobs")) {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"demo.noop\"}"));
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /**
     * POST requests to {@code uri} (the mapping's pattern) that the producer served, from its
     * actuator's {@code http.server.requests}; 0 before the first one.
     */
    private static long requestCount(HttpClient http, URI management, String uri) throws Exception {
        String query = "tag=" + URLEncoder.encode("uri:" + uri, StandardCharsets.UTF_8) + "&tag="
                + URLEncoder.encode("method:POST", StandardCharsets.UTF_8);
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(management.resolve("/actuator/metrics/http.server.requests?" + query))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return 0; // no such request yet
        }
        assertThat(response.statusCode()).as("metrics: %s", response.body()).isEqualTo(200);
        JsonNode measurements =
                JsonMapper.builder().build().readTree(response.body()).path("measurements");
        for (JsonNode m : measurements) {
            if (m.path("statistic").asString("").equals("COUNT")) {
                return m.path("value").asLong();
            }
        }
        throw new AssertionError("no COUNT in " + response.body());
    }

    /** A free port whose next two ports are free too, for the producer and the two workers. */
    private static int threeFreePorts() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = LoopbackPorts.free();
            if (port < 65_000 && LoopbackPorts.isFree(port + 1) && LoopbackPorts.isFree(port + 2)) {
                return port;
            }
        }
        throw new IllegalStateException("no three free ports in a row");
    }
}
