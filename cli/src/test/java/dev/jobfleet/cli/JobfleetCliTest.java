package dev.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the CLI reads its settings and turns the producer's answers into output and exit codes, against
 * a small HTTP server in the test that answers what the producer would (including the {@code 401} and
 * {@code 403} of a producer with access control). The commands against a real fleet are in infra's
 * {@code JobfleetCliIT}.
 */
class JobfleetCliTest {
    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    /** One run: exit code, standard output, standard error. */
    record Run(int exit, String out, String err) {}

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        switch (path) {
            case "/jobs/0193a000-0000-7000-8000-000000000001/cancel" ->
                send(exchange, 409, "application/problem+json", """
                    {"type":"https://jobfleet.dev/problems/job-not-cancellable","title":"Job cannot be cancelled",
                     "status":409,"detail":"The job is SUCCEEDED.","instance":"/jobs/x/cancel","errors":[],
                     "state":"SUCCEEDED"}""");
            case "/concurrency-limits/tenant-7" -> send(exchange, 400, "application/problem+json", """
                    {"type":"https://jobfleet.dev/problems/invalid-request","title":"Invalid request","status":400,
                     "detail":"1 field is invalid: maxRunning must be between 1 and 10000.",
                     "errors":[{"field":"maxRunning","message":"must be between 1 and 10000"}]}""");
            case "/schedules/nightly" -> send(exchange, 404, "application/problem+json", """
                    {"type":"https://jobfleet.dev/problems/schedule-not-found","title":"Schedule not found",
                     "status":404,"detail":"No schedule named 'nightly'.","errors":[{"field":"name","message":"unknown"}]}""");
            case "/fleet/status" -> {
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                if (auth == null) {
                    send(exchange, 401, "application/problem+json", """
                        {"type":"https://jobfleet.dev/problems/unauthenticated","title":"Authentication required",
                         "status":401,"detail":"Send Authorization: Bearer <token>.","errors":[]}""");
                } else if (auth.equals("Bearer viewer-token")) {
                    send(exchange, 403, "application/problem+json", """
                        {"type":"https://jobfleet.dev/problems/forbidden","title":"Forbidden","status":403,
                         "detail":"Role viewer may not do this.","errors":[]}""");
                } else {
                    send(exchange, 200, "application/json", """
                        {"at":"2026-12-01T10:00:00Z","consumerLag":{"group":"jobfleet-workers","topic":"jobfleet.jobs",
                         "known":true,"total":7,"groupState":"STABLE","members":1,"partitions":[
                         {"partition":0,"committed":10,"start":0,"end":17,"lag":7,"owner":"worker-1","host":"/10.0.0.1"}],
                         "error":null},
                         "queue":{"byState":{"PENDING":7,"RUNNING":0,"SUCCEEDED":10,"RETRY_SCHEDULED":0,"DEAD":1,
                         "CANCELLED":0},"byType":[{"type":"demo.noop","counts":{"PENDING":7,"RUNNING":0,"SUCCEEDED":10,
                         "RETRY_SCHEDULED":0,"DEAD":1,"CANCELLED":0},"total":18}],"total":18},
                         "oldestDuePendingAgeSeconds":1.25,"outboxBacklog":0,"deadJobs":1}""");
                }
            }
            case "/jobs" -> send(exchange, 500, "text/html", "<html><body>proxy error</body></html>");
            default -> send(exchange, 404, "text/plain", "");
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = JobfleetCli.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void theUrlAndTokenComeFromTheEnvironmentAndTheTokenGoesAsBearer() {
        Run run = run(Map.of("JOBFLEET_URL", url(), "JOBFLEET_TOKEN", "operator-token"), "status");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(authorizations).containsExactly("Bearer operator-token");
        assertThat(run.out().lines())
                .contains(
                        "consumer lag (records)          7",
                        "oldest due pending job (s)    1.3",
                        "DEAD jobs                       1",
                        "CONSUMER LAG  group jobfleet-workers on jobfleet.jobs: 7 records behind, group STABLE, 1 member",
                        "        0         10   17    7  worker-1  /10.0.0.1",
                        "demo.noop        7        0         10                0     1          0     18");
    }

    @Test
    void optionsWinOverTheEnvironment() {
        Run run = run(
                Map.of("JOBFLEET_URL", "http://127.0.0.1:1", "JOBFLEET_TOKEN", "from-env"),
                "status",
                "--url",
                url(),
                "--token",
                "from-option");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(authorizations).containsExactly("Bearer from-option");
    }

    @Test
    void noTokenIsExit4WithTheProblemAndAHint() {
        Run run = run(Map.of(), "status", "--url", url());

        assertThat(authorizations).containsExactly("null");
        assertThat(run.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .contains("jobfleet: Authentication required (401 unauthenticated)")
                .contains("Send Authorization: Bearer <token>.")
                .contains("hint: set JOBFLEET_TOKEN");
    }

    @Test
    void aRoleThatMayNotIsExit4() {
        Run run = run(Map.of("JOBFLEET_TOKEN", "viewer-token"), "status", "--url", url());

        assertThat(run.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(run.err()).contains("Forbidden (403 forbidden)").contains("Role viewer may not do this.");
    }

    @Test
    void aConflictIsExit3AndNamesTheStateTheProducerReported() {
        Run run = run(Map.of(), "--url", url(), "jobs", "cancel", "0193a000-0000-7000-8000-000000000001");

        assertThat(run.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(run.err())
                .contains("Job cannot be cancelled (409 job-not-cancellable)")
                .contains("state: SUCCEEDED")
                .contains("request: POST /jobs/0193a000-0000-7000-8000-000000000001/cancel");
    }

    @Test
    void invalidInputIsExit1AndNamesTheField() {
        Run run = run(Map.of(), "--url", url(), "limits", "set", "tenant-7", "0");

        assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("field maxRunning: must be between 1 and 10000");
        assertThat(requests).containsExactly("PUT /concurrency-limits/tenant-7");
    }

    @Test
    void withJsonAnErrorIsTheProblemDocumentOnStandardError() {
        Run run = run(Map.of(), "--url", url(), "--json", "schedules", "delete", "nightly");

        assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.out()).isEmpty();
        assertThat(Json.parse(run.err()).get("type").stringValue()).endsWith("/schedule-not-found");
    }

    @Test
    void aServerErrorWithoutAProblemDocumentIsExit5WithTheStartOfTheBody() {
        Run run = run(Map.of(), "--url", url(), "jobs", "list");

        assertThat(run.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(run.err()).contains("Internal server error (500)").contains("proxy error");
    }

    @Test
    void aProducerThatDoesNotAnswerIsExit5() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }

        Run run = run(Map.of(), "--url", "http://127.0.0.1:" + closed, "status");

        assertThat(run.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(run.err()).contains("cannot connect to http://127.0.0.1:" + closed);
    }

    @Test
    void usageErrorsAreExit1AndSendNothing() {
        assertThat(run(Map.of(), "--url", url()).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run(Map.of(), "--url", url(), "jobs").exit()).isEqualTo(ExitCodes.USAGE);
        Run typo = run(Map.of(), "--url", url(), "jobs", "lst");
        assertThat(typo.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err()).contains("Did you mean: jobs list?");
        assertThat(run(Map.of(), "--url", url(), "limits", "set", "k", "many").exit())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(run(Map.of(), "--url", "ftp://x", "status").exit()).isEqualTo(ExitCodes.USAGE);
        Run payload = run(
                Map.of(),
                "--url",
                url(),
                "schedules",
                "set",
                "s",
                "--cron",
                "* * * * * *",
                "--type",
                "t",
                "--payload",
                "{not json");
        assertThat(payload.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(payload.err()).contains("--payload is not JSON");
        assertThat(requests).isEmpty();
    }

    @Test
    void pathSegmentsAreEscapedSoThatAnArgumentCannotReachAnotherResource() {
        run(Map.of(), "--url", url(), "jobs", "show", "../fleet/status?x=1");

        assertThat(requests).containsExactly("GET /jobs/..%2Ffleet%2Fstatus%3Fx%3D1");
    }
}
