package dev.jobfleet.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The fleet chaos harness (issue 10): the fleet as separate processes under a steady load, one
 * fault after another, every invariant checked from the database after each. Which scenarios run:
 * {@code -Djobfleet.chaos.scenarios=all} (the {@code chaos} profile) or a comma-separated list of
 * ids; by default the short variant below, a few minutes in the default build. The report goes to
 * {@code -Djobfleet.chaos.report} ({@code docs/chaos.md} under the chaos profile), its plots beside it.
 */
class FleetChaosIT {
    // backend kills are covered in verify by the worker's OutcomeWriteRetryIT; the full run has all 11
    static final List<String> SHORT = List.of("worker-crash");

    @Test
    void everyAcceptedJobFinishesOnceWhateverTheFault() throws Exception {
        List<Scenario> chosen = chosen(System.getProperty("jobfleet.chaos.scenarios", String.join(",", SHORT)));
        Path report = Path.of(System.getProperty("jobfleet.chaos.report", "target/chaos/chaos.md"))
                .toAbsolutePath();
        Path images = report.resolveSibling("chaos");
        Path directory = Path.of("target", "chaos-run-" + UUID.randomUUID()).toAbsolutePath();
        Path root = Path.of(System.getProperty("jobfleet.chaos.apps", ".."));
        String version = System.getProperty("jobfleet.chaos.version", "0.1.0-SNAPSHOT");
        long t0 = System.nanoTime();
        List<ScenarioResult> results = new ArrayList<>();
        try (ChaosFleet fleet = new ChaosFleet(
                directory,
                root.resolve("producer/target/jobfleet-producer-" + version + "-exec.jar"),
                root.resolve("worker/target/jobfleet-worker-" + version + "-exec.jar"))) {
            fleet.start();
            System.out.printf(
                    "chaos: fleet up in %d ms (PostgreSQL :%d, broker %s, producer %s, %d workers); scenarios %s%n",
                    (System.nanoTime() - t0) / 1_000_000,
                    fleet.postgresPort(),
                    fleet.broker().bootstrapServers(),
                    fleet.producer(),
                    ChaosFleet.WORKERS,
                    chosen.stream().map(Scenario::id).toList());
            setLimit(fleet);
            try (Sampler sampler = new Sampler(fleet.admin(), fleet.broker().bootstrapServers())) {
                ScenarioRunner runner = new ScenarioRunner(fleet, sampler, images);
                for (Scenario s : chosen) {
                    results.add(runner.run(s));
                }
                System.out.printf(
                        "chaos: %d samples failed (database down); last: %s%n",
                        sampler.failures(), sampler.lastFailure());
            }
        }
        Set<String> skipped = new LinkedHashSet<>();
        Faults.all().stream()
                .map(Scenario::title)
                .filter(t ->
                        results.stream().noneMatch(r -> r.scenario().title().equals(t)))
                .forEach(skipped::add);
        ChaosReport.write(
                report, images.getFileName().toString(), results, skipped, Duration.ofNanos(System.nanoTime() - t0));
        System.out.printf("chaos: report %s; %s%n", report, ChaosReport.summary(results));
        assertThat(results).as("scenarios run").hasSameSizeAs(chosen);
        for (ScenarioResult r : results) {
            assertThat(r.problems())
                    .as("%s: lost %s, duplicated %s", r.scenario().id(), r.lost(), r.duplicated())
                    .isEmpty();
        }
    }

    private static void deleteRecursively(Path directory) throws java.io.IOException {
        try (var paths = java.nio.file.Files.walk(directory)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        }
    }

    private static List<Scenario> chosen(String spec) {
        List<Scenario> all = Faults.all();
        if (spec.equals("all")) {
            return all;
        }
        List<String> ids = Arrays.stream(spec.split(",")).map(String::strip).toList();
        List<Scenario> chosen = all.stream().filter(s -> ids.contains(s.id())).toList();
        assertThat(chosen.stream().map(Scenario::id).toList())
                .as("known scenarios: %s", all.stream().map(Scenario::id).toList())
                .containsExactlyInAnyOrderElementsOf(ids);
        return chosen;
    }

    /** The limited key's limit, set through the API before any of its jobs exists. */
    private static void setLimit(ChaosFleet fleet) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create(fleet.producer() + "/concurrency-limits/" + LoadDriver.LIMITED_KEY))
                                .header("Content-Type", "application/json")
                                .header("Authorization", "Bearer " + fleet.token())
                                .PUT(HttpRequest.BodyPublishers.ofString("{\"maxRunning\":" + LoadDriver.LIMIT + "}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("PUT limit: %s", r.body()).isEqualTo(200);
    }
}
