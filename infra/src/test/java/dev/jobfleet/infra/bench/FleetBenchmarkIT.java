package dev.jobfleet.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.store.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A small smoke of the benchmark in the default build: one run of {@link FleetBenchmark} with a few
 * thousand jobs and one worker, on the embedded fleet, must run every phase, report, and find every
 * job run exactly once. It asserts no time: figures are the benchmark's business, not a test's. The
 * second case shows the exactly-once check can fail: one extra execution of one job is caught.
 */
class FleetBenchmarkIT {
    private final Path directory =
            Path.of("target", "it", "bench-" + UUID.randomUUID()).toAbsolutePath();

    @AfterEach
    void tearDown() throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void runsEveryPhaseAndReportsEveryJobRunExactlyOnce() throws Exception {
        Path report = directory.resolve("report");
        BenchOptions options = BenchOptions.parse(new String[] {
            "--jobs", "2000",
            "--warmup", "200",
            "--workers", "1",
            "--paths", "kafka,batch,single",
            "--single-concurrency", "8",
            "--steady", "50",
            "--steady-seconds", "3",
            "--ceiling-threads", "2",
            "--soak-seconds", "10",
            "--soak-retention", "60",
            "--timeout", "120",
            "--dir", directory.resolve("fleet").toString(),
            "--report-dir", report.toString()
        });
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        FleetBenchmark benchmark = new FleetBenchmark(options, new PrintStream(printed, true, StandardCharsets.UTF_8));

        boolean ok = benchmark.run();
        String console = printed.toString(StandardCharsets.UTF_8);
        System.out.print(console);

        assertThat(ok).as("the run's own verdict").isTrue();
        assertThat(benchmark.drains).hasSize(3);
        for (FleetBenchmark.Drain drain : benchmark.drains) {
            assertThat(drain.exactlyOnce()).as(drain.path()).isTrue();
            assertThat(drain.check().jobs()).isEqualTo(2000);
            assertThat(drain.check().oneExecution()).isEqualTo(2000);
        }
        assertThat(benchmark.drains)
                .filteredOn(d -> d.path().equals("single"))
                .singleElement()
                .satisfies(d -> assertThat(d.requests().getTotalCount())
                        .as("one answer timed per request")
                        .isEqualTo(2000));
        assertThat(benchmark.steadies).singleElement().satisfies(s -> {
            assertThat(s.exactlyOnce()).isTrue();
            assertThat(s.done().getTotalCount()).isEqualTo(s.jobs());
        });
        assertThat(benchmark.ceiling.error()).isNull();
        assertThat(benchmark.ceiling.jobs()).isEqualTo(2000);
        assertThat(benchmark.settings).containsEntry("synchronous_commit", "on");
        assertThat(benchmark.soak).isNotNull().satisfies(soak -> {
            assertThat(soak.ok()).as("soak: %s", soak.problems()).isTrue();
            assertThat(soak.windows()).isEqualTo(1);
            assertThat(soak.samples()).hasSizeBetween(1 + SoakRun.CHECK_LAG_WINDOWS, 1 + SoakRun.MAX_CHECK_LAG_WINDOWS);
            assertThat(soak.done().getTotalCount()).isEqualTo(soak.submitted());
        });
        assertThat(console).contains("settled", "bench: OK");

        String md = Files.readString(report.resolve(BenchReport.FILE));
        assertThat(md)
                .contains("## Drain", "## Ceiling", "## Steady (open loop)", "## Soak", "## Targets", "## Exactly once")
                .contains("pg_stat_statements")
                .contains("| Kafka-first | 1 | 2000 |", "| POST /jobs:batch | 1 | 2000 |", "| POST /jobs | 1 | 2000 |")
                .contains("Single `POST /jobs`: requests answered per second");
        assertThat(report.resolve(BenchReport.DRAIN_PNG)).isNotEmptyFile();
        assertThat(report.resolve(BenchReport.STEADY_PNG)).isNotEmptyFile();
        assertThat(report.resolve(BenchReport.SOAK_PNG)).isNotEmptyFile();
    }

    @Test
    void theExactlyOnceCheckCatchesASecondExecution() throws Exception {
        try (TestDatabase db = TestDatabase.create(3)) {
            JobRepository jobs = new JobRepository(db.dataSource());
            List<JobEvent> events = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                events.add(new JobEvent(
                        JobIds.next(),
                        "demo.noop",
                        JobCodec.mapper().createObjectNode().put("bench", "check"),
                        null,
                        null,
                        null,
                        null,
                        null));
            }
            List<Claim> claims = jobs.insertAndClaim(events, Set.of("demo.noop"), "w", Duration.ofMinutes(1), "w");
            List<RunOutcome> outcomes = new ArrayList<>();
            for (Claim c : claims) {
                jobs.endExecution(jobs.startExecution(c.jobId(), "w", c.token(), 1));
                outcomes.add(RunOutcome.succeeded(c.jobId(), c.token()));
            }
            jobs.finishRuns(outcomes, "w");
            RunProbe probe = new RunProbe(db.dataSource());

            RunProbe.Check clean = probe.check("check");
            assertThat(clean.exactlyOnce(20)).as(clean.describe()).isTrue();

            Claim twice = claims.get(0);
            jobs.endExecution(jobs.startExecution(twice.jobId(), "w2", twice.token(), 1));
            RunProbe.Check dirty = probe.check("check");
            assertThat(dirty.exactlyOnce(20)).as(dirty.describe()).isFalse();
            assertThat(dirty.oneExecution()).isEqualTo(19);
        }
    }
}
