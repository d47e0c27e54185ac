package dev.jobfleet.infra;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The curl commands a newcomer can try against the running fleet. The paths for reading, listing and
 * cancelling come from the producer's OpenAPI document when it has one, so they follow the API as it
 * changes; otherwise they are the conventional ones, marked as a guess.
 */
final class CurlHints {
    private static final Pattern ONE_JOB = Pattern.compile("/jobs/\\{[^/}]+}");
    private static final Pattern CANCEL = Pattern.compile("/jobs/\\{[^/}]+}/cancel");

    private CurlHints() {}

    /**
     * The paths of the producer's job API.
     *
     * @param guessedBecause why the paths are the conventional ones; null when they come from the
     *     OpenAPI document
     */
    record Paths(String get, String list, String cancelMethod, String cancel, String guessedBecause) {
        static Paths guess(String because) {
            return new Paths("/jobs/$ID", "/jobs", "POST", "/jobs/$ID/cancel", because);
        }
    }

    static Paths discover(HttpClient http, URI producer) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(producer.resolve("/v3/api-docs"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Paths.guess("the producer has no /v3/api-docs (HTTP " + response.statusCode() + ")");
            }
            JsonNode paths =
                    JsonMapper.builder().build().readTree(response.body()).path("paths");
            Optional<String> get = find(paths, ONE_JOB, "get");
            Optional<String> cancelPost = find(paths, CANCEL, "post");
            Optional<String> cancelDelete = find(paths, ONE_JOB, "delete");
            boolean list = paths.path("/jobs").has("get");
            if (get.isEmpty() && !list && cancelPost.isEmpty() && cancelDelete.isEmpty()) {
                return Paths.guess("the producer's /v3/api-docs lists no job paths yet");
            }
            Paths guess = Paths.guess(null);
            return new Paths(
                    get.map(CurlHints::withId).orElse(guess.get()),
                    list ? "/jobs" : guess.list(),
                    cancelPost.isPresent() ? "POST" : cancelDelete.isPresent() ? "DELETE" : guess.cancelMethod(),
                    cancelPost.or(() -> cancelDelete).map(CurlHints::withId).orElse(guess.cancel()),
                    null);
        } catch (IOException | RuntimeException e) {
            return Paths.guess("reading /v3/api-docs failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Paths.guess("interrupted");
        }
    }

    /** The header every API hint sends: the run's token, from the shell variable the hints set. */
    static final String AUTH = "-H \"Authorization: Bearer $TOKEN\"";

    /**
     * @param producerManagement the producer's actuator (health, metrics)
     * @param workers the workers' actuators
     * @param token the operator token the hints put in {@code $TOKEN}
     */
    static void print(
            PrintStream out,
            URI producer,
            URI producerManagement,
            Iterable<URI> workers,
            String token,
            Paths paths,
            String sampleId) {
        String base = producer.toString().replaceAll("/$", "");
        out.println();
        out.println("Try it"
                + (paths.guessedBecause() == null ? ":" : " (paths guessed: " + paths.guessedBecause() + "):"));
        out.println("  export TOKEN=" + token + "    # this run's operator token (the dashboard's login takes it too)");
        String runAt = Instant.now()
                .plus(Duration.ofHours(1))
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
        out.println("  # submit a job that waits an hour (runAt), and keep its id");
        out.println("  ID=$(curl -s -X POST " + base + "/jobs " + AUTH + " -H 'Content-Type: application/json' \\");
        out.println("        -d '{\"type\":\"demo.noop\",\"payload\":{},\"runAt\":\"" + runAt + "\"}' \\");
        out.println("        | grep -o '\"id\":\"[^\"]*\"' | head -1 | cut -d'\"' -f4); echo $ID");
        if (sampleId != null) {
            out.println("  # (a finished job of the demo, to read: ID=" + sampleId + ")");
        }
        command(out, "curl -s " + AUTH + " " + base + paths.get(), "read it");
        command(out, "curl -s " + AUTH + " '" + base + paths.list() + "?state=SUCCEEDED&limit=5'", "list (next: more)");
        command(
                out,
                "curl -s " + AUTH + " -X " + paths.cancelMethod() + " " + base + paths.cancel(),
                "cancel it (it is still waiting)");
        command(out, "curl -s " + AUTH + " '" + base + "/fleet/status?format=text'", "lag, queue depth, DEAD jobs");
        command(out, "curl -s " + base + "/v3/api-docs", "the OpenAPI document (no token needed)");
        out.println("  # the dashboard: open " + base + "/fleet and paste the token");
        String management = producerManagement.toString().replaceAll("/$", "");
        command(out, "curl -s " + management + "/actuator/health", "health, on the management port");
        Iterator<URI> it = workers.iterator();
        if (it.hasNext()) {
            String worker = it.next().toString().replaceAll("/$", "");
            command(out, "curl -s " + worker + "/actuator/prometheus | grep ^jobfleet_", "a worker's metrics");
        }
    }

    private static void command(PrintStream out, String command, String comment) {
        out.printf("  %-62s # %s%n", command, comment);
    }

    private static Optional<String> find(JsonNode paths, Pattern pattern, String method) {
        for (String path : paths.propertyNames()) {
            if (pattern.matcher(path).matches() && paths.path(path).has(method)) {
                return Optional.of(path);
            }
        }
        return Optional.empty();
    }

    private static String withId(String path) {
        return path.replaceAll("\\{[^/}]+}", "\\$ID");
    }
}
