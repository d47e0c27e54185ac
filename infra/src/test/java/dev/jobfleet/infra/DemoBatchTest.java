package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoBatchTest {
    @Test
    void aThousandJobsAreMostlyNoops() {
        List<DemoBatch.Job> jobs = DemoBatch.plan(1_000);
        assertThat(jobs).hasSize(1_000);
        assertThat(DemoBatch.describe(jobs)).isEqualTo("50 demo.fail, 900 demo.noop, 50 demo.sleep");
        assertThat(jobs).extracting(DemoBatch.Job::type).allMatch(DemoBatch.TYPES::contains);
    }

    @Test
    void eachJobIsTheJsonThatPostJobsTakes() {
        assertThat(DemoBatch.plan(20))
                .extracting(DemoBatch.Job::json)
                .contains(
                        "{\"type\":\"demo.noop\",\"payload\":{}}",
                        "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":50}}",
                        "{\"type\":\"demo.fail\",\"payload\":{\"times\":1}}");
    }

    @Test
    void theBatchGoesInChunksOfAtMostTheChunkSizeInPlanOrder() {
        List<DemoBatch.Job> jobs = DemoBatch.plan(1_200);
        List<List<DemoBatch.Job>> chunks = DemoBatch.chunks(jobs, DemoBatch.CHUNK);
        assertThat(chunks).extracting(List::size).containsExactly(500, 500, 200);
        assertThat(chunks.stream().flatMap(List::stream).toList()).isEqualTo(jobs);
        assertThat(DemoBatch.chunks(DemoBatch.plan(500), 500)).hasSize(1);
        assertThat(DemoBatch.chunks(List.of(), 500)).isEmpty();
    }

    @Test
    void aChunkIsTheBodyThatPostJobsBatchTakes() {
        assertThat(DemoBatch.batchJson(DemoBatch.plan(6).subList(4, 6)))
                .isEqualTo("{\"jobs\":[{\"type\":\"demo.noop\",\"payload\":{}},"
                        + "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":50}}]}");
    }

    @Test
    void theReportSaysTheRatesAndARefusedChunk() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LocalFleet fleet = new LocalFleet(
                FleetOptions.parse(new String[] {"--dir", "target/never-started"}, Map.of()),
                Map.of(),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        counts.put(JobState.SUCCEEDED, 1_000L);
        DemoMonitor.Outcome outcome =
                new DemoMonitor.Outcome(new DemoMonitor.Snapshot(counts, 2_000_000_000L), true, 0, 800);
        DemoBatch.Submitted submitted = new DemoBatch.Submitted(
                1_000, 500, "HTTP 413 {\"title\":\"Payload Too Large\"}", "some-id", 3, 500_000_000L);

        assertThat(fleet.report(1_500, submitted, outcome)).isFalse();

        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("demo: the producer refused 500 of 1500 jobs; first answer: HTTP 413 {\"title\"")
                .contains(
                        "demo: submitted 1000 jobs in 3 requests to POST /jobs:batch in 0.50 s (2000 jobs/s accepted)")
                .contains(
                        "demo: 1000 of 1000 accepted jobs terminal 2.00 s after the first submit (500 jobs/s end to end, peak 800 jobs/s in one second)")
                .contains("demo: NOT OK");
    }

    @Test
    void theReportOfACleanRunSaysOk() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LocalFleet fleet = new LocalFleet(
                FleetOptions.parse(new String[] {"--dir", "target/never-started", "--jobs", "20"}, Map.of()),
                Map.of(),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        counts.put(JobState.SUCCEEDED, 20L);
        DemoMonitor.Outcome outcome =
                new DemoMonitor.Outcome(new DemoMonitor.Snapshot(counts, 100_000_000L), true, 0, 20);

        assertThat(fleet.report(20, new DemoBatch.Submitted(20, 0, null, "id", 1, 10_000_000L), outcome))
                .isTrue();
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("demo: OK")
                .doesNotContain("refused");
    }
}
