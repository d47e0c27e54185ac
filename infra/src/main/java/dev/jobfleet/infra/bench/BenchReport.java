package dev.jobfleet.infra.bench;

import dev.jobfleet.infra.report.LinePlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.utils.AppInfoParser;
import org.springframework.boot.SpringBootVersion;

/**
 * Writes {@code benchmarks.md} (machine, versions, settings, command, tables, targets, what bounds
 * them) and the PNG plots of a {@link FleetBenchmark} run into the report directory.
 */
final class BenchReport {
    static final String FILE = "benchmarks.md";
    static final String DRAIN_PNG = "benchmarks-drain.png";
    static final String STEADY_PNG = "benchmarks-steady.png";
    static final String SOAK_PNG = "benchmarks-soak.png";
    /** Hand-written reading of the figures; this report links to it and never rewrites it. */
    static final String ANALYSIS = "benchmarks-analysis.md";

    private final FleetBenchmark run;
    private final BenchOptions options;
    private final String started;

    BenchReport(FleetBenchmark run, BenchOptions options, String started) {
        this.run = run;
        this.options = options;
        this.started = started;
    }

    /** The 1, 5 and 15 minute load averages, from {@code /proc/loadavg} where there is one. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format(
                    "%.2f",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());
        }
    }

    Path write() throws IOException {
        Path dir = options.reportDirectory();
        Files.createDirectories(dir);
        plots(dir);
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Written by `FleetBenchmark` (infra/src/main/java/dev/jobfleet/infra/bench) from one run started ")
                .append(started)
                .append(", finished ")
                .append(Instant.now())
                .append(". Rerun it with the command below; it rewrites this file and its plots.\n\n");
        md.append("## Command\n\n```sh\n./mvnw -B -q install -DskipTests\n")
                .append("./mvnw -B -q -pl infra -Pbench exec:exec -Dbench.main=dev.jobfleet.infra.bench.FleetBenchmark")
                .append(" -Dbench.args=\"")
                .append(String.join(" ", options.commandLine()))
                .append("\"\n```\n\n");
        md.append(
                "Defaults: `--jobs 200000 --workers 1,2,4 --paths kafka,batch,single --steady 25,50,75 --steady-seconds 30"
                        + " --ceiling-threads 4 --batch 200`; `--help` lists every option, including a running fleet"
                        + " instead of the embedded one.\n\n");
        machine(md);
        drains(md);
        ceiling(md);
        steady(md);
        soak(md);
        targets(md);
        exactlyOnce(md);
        bound(md);
        if (!run.notes.isEmpty()) {
            md.append("## Notes from the run\n\n");
            run.notes.forEach(n -> md.append("- ").append(n).append('\n'));
            md.append('\n');
        }
        Path file = dir.resolve(FILE);
        Files.writeString(file, md.toString());
        return file;
    }

    private void machine(StringBuilder md) {
        md.append("## Machine, versions, settings\n\n| | |\n|---|---|\n");
        row(md, "CPU", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores seen by the JVM");
        row(md, "memory", memTotal());
        row(md, "kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        row(md, "load average at the end (1/5/15 min)", loadAverage());
        row(md, "Java", Runtime.version().toString() + " (" + System.getProperty("java.vm.name") + ")");
        row(md, "Spring Boot", SpringBootVersion.getVersion());
        row(md, "Kafka clients / broker jars", AppInfoParser.getVersion());
        run.settings.forEach((k, v) -> row(md, "PostgreSQL " + k, v));
        row(
                md,
                "fleet",
                options.startsFleet()
                        ? "embedded: PostgreSQL (zonky) and a Kafka broker as child processes; the producer and the"
                                + " workers as application contexts in the benchmark's JVM (-Xmx2g), each worker with"
                                + " its own Kafka consumer, pools and engine (concurrency 16, max-poll-records 200)"
                        : "a running fleet: " + options.jdbcUrl() + ", " + options.bootstrapServers());
        md.append('\n');
    }

    private void drains(StringBuilder md) {
        md.append("## Drain\n\n");
        md.append(options.jobs())
                .append(
                        " `demo.noop` jobs submitted at once, timed from the first submit to the last"
                                + " `finished_at`. Kafka-first: events straight to `jobfleet.jobs`; batch: `POST /jobs:batch`, ")
                .append(options.batch())
                .append(" per request, ")
                .append(options.httpConcurrency())
                .append(" requests in flight; single: one `POST /jobs` per job, ")
                .append(options.singleConcurrency())
                .append(" requests in flight (both through the API, outbox, relay, Kafka, workers).\n\n");
        md.append("| path | workers | jobs | submitted in s | drained in s | jobs/s | exactly once | load avg after"
                + " |\n|---|---|---|---|---|---|---|---|\n");
        for (FleetBenchmark.Drain d : run.drains) {
            md.append(String.format(
                    "| %s | %d | %d | %.2f | %.2f | **%.0f** | %s | %s |%n",
                    pathName(d.path()),
                    d.workers(),
                    d.jobs(),
                    d.submitSeconds(),
                    d.seconds(),
                    d.jobsPerSecond(),
                    d.exactlyOnce() ? "yes" : "**no**: " + d.check().describe(),
                    d.load()));
        }
        md.append("\n![throughput over time](").append(DRAIN_PNG).append(")\n\n");
        singles(md);
        md.append("CPU seconds during each drain (from `/proc`; the machine's total is cores x wall time):\n\n");
        md.append("| drain | wall s | JVM (apps + generator) | broker | PostgreSQL | other processes | idle |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (FleetBenchmark.Drain d : run.drains) {
            Map<String, Double> c = d.cpu();
            md.append(String.format(
                    "| %s %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
                    d.path(),
                    d.workers(),
                    c.getOrDefault("wall", 0.0),
                    c.getOrDefault(CpuSplit.JVM, 0.0),
                    c.getOrDefault(CpuSplit.BROKER, 0.0),
                    c.getOrDefault(CpuSplit.POSTGRES, 0.0),
                    c.getOrDefault(CpuSplit.OTHER, 0.0),
                    c.getOrDefault(CpuSplit.IDLE, 0.0)));
        }
        md.append('\n');
    }

    /** The single-request drains: requests per second and each request's time, as the clients saw it. */
    private void singles(StringBuilder md) {
        List<FleetBenchmark.Drain> singles =
                run.drains.stream().filter(d -> d.requests() != null).toList();
        if (singles.isEmpty()) {
            return;
        }
        md.append("Single `POST /jobs`: requests answered per second (first request to last answer; every answer a"
                        + " 201) and the time of one request, ")
                .append(options.singleConcurrency())
                .append(" in flight, closed loop:\n\n");
        md.append(
                "| workers | requests/s | request p50 ms | p99 ms | p99.9 ms | max ms |\n|---|---|---|---|---|---|\n");
        for (FleetBenchmark.Drain d : singles) {
            Histogram h = d.requests();
            md.append(String.format(
                    "| %d | **%.0f** | %.1f | %.1f | %.1f | %.1f |%n",
                    d.workers(),
                    d.submittedPerSecond(),
                    h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3,
                    h.getMaxValue() / 1e3));
        }
        md.append('\n');
    }

    static String pathName(String path) {
        return switch (path) {
            case "kafka" -> "Kafka-first";
            case "batch" -> "POST /jobs:batch";
            default -> "POST /jobs";
        };
    }

    private void ceiling(StringBuilder md) {
        md.append("## Ceiling\n\n");
        FleetBenchmark.Ceiling c = run.ceiling;
        if (c == null) {
            md.append("Not run (`--ceiling-threads 0`).\n\n");
            return;
        }
        if (c.error() != null) {
            md.append("Failed: ").append(c.error()).append("\n\n");
            return;
        }
        md.append(String.format(
                "The Kafka-first path's statements (`insertAndClaim`, `claim` by id for what it left, `finishRuns`) in a tight JDBC loop,"
                        + " %d threads x %d jobs per statement, no Kafka, no handler, no audit, on a fresh database"
                        + " of the same server after the drains: **%.0f jobs/s** (%d jobs in %.2f s, load average %s).%n%n",
                c.threads(), c.batch(), c.jobsPerSecond(), c.jobs(), c.seconds(), c.load()));
        md.append("| drain | jobs/s | share of the ceiling |\n|---|---|---|\n");
        for (FleetBenchmark.Drain d : run.drains) {
            md.append(String.format(
                    "| %s, %d worker(s) | %.0f | %.0f%% |%n",
                    d.path(), d.workers(), d.jobsPerSecond(), 100 * d.jobsPerSecond() / c.jobsPerSecond()));
        }
        md.append('\n');
    }

    private void steady(StringBuilder md) {
        md.append("## Steady (open loop)\n\n");
        if (run.steadies.isEmpty()) {
            md.append("Not run.\n\n");
            return;
        }
        md.append("A fixed arrival rate, Kafka-first, each job's latency measured from its *intended* send time (the"
                + " schedule, so a stalled sender cannot hide a stall: no coordinated omission) to `started_at`"
                + " (submit->start) and `finished_at` (submit->done), HdrHistogram, milliseconds.\n\n");
        md.append("| % of peak | workers | target jobs/s | offered jobs/s | jobs | submit->start p50 / p99 / p99.9 |"
                + " submit->done p50 / p99 / p99.9 | exactly once | load avg after |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        for (FleetBenchmark.Steady s : run.steadies) {
            md.append(String.format(
                    "| %d%% | %d | %d | %.0f | %d | %s | %s | %s | %s |%n",
                    s.percent(),
                    s.workers(),
                    s.rate(),
                    s.offeredRate(),
                    s.jobs(),
                    percentiles(s.start()),
                    percentiles(s.done()),
                    s.exactlyOnce() ? "yes" : "**no**: " + s.check(),
                    s.load()));
        }
        md.append("\n![p99 submit->done per second](").append(STEADY_PNG).append(")\n\n");
    }

    private void soak(StringBuilder md) {
        md.append("## Soak\n\n");
        SoakRun.Result soak = run.soak;
        if (soak == null) {
            md.append("Not run.\n\n");
            return;
        }
        md.append(String.format(
                "A fleet of its own with %d worker(s) and retention deleting `SUCCEEDED` jobs %d s after they end"
                        + " (chore every 5 s), offered %d jobs/s Kafka-first for %d s (%d jobs). Every %d s: jobs"
                        + " settled per second (the workers' committed offsets), p99 submit->done of the window"
                        + " checked then (each %d-s window's jobs checked exactly once %d windows later, again at the"
                        + " next samples while some have not ended, up to " + SoakRun.MAX_CHECK_LAG_WINDOWS
                        + " windows), live and"
                        + " deleted rows of `jobs` (`pg_stat_user_tables`), sizes with indexes, and the benchmark"
                        + " JVM's heap after its last collection (the producer and the workers run in it). %d of"
                        + " %d windows exactly once%s; p99 submit->done over the soak %.1f ms.%n%n",
                soak.workers(),
                soak.retention().toSeconds(),
                soak.rate(),
                soak.seconds(),
                soak.submitted(),
                SoakRun.WINDOW_SECONDS,
                SoakRun.WINDOW_SECONDS,
                SoakRun.CHECK_LAG_WINDOWS,
                soak.windows(),
                Math.max(1, soak.seconds() / SoakRun.WINDOW_SECONDS),
                soak.problems().isEmpty() ? "" : " (**" + String.join("; ", soak.problems()) + "**)",
                soak.done().getValueAtPercentile(99) / 1e3));
        List<SoakRun.Sample> samples = soak.samples();
        List<SoakRun.Sample> steady = steadyPhase(soak);
        boolean wholeSoak = steady.size() < 3 || steady.getFirst().t() <= steadyFrom(soak);
        double from = steadyFrom(soak);
        int third = Math.max(1, steady.size() / 3);
        List<SoakRun.Sample> first = steady.subList(0, Math.min(steady.size(), third));
        List<SoakRun.Sample> last = steady.subList(Math.max(0, steady.size() - third), steady.size());
        md.append(String.format(
                "Flat? The mean of the last third of the %s over the mean of its first third:%n%n",
                wholeSoak
                        ? "samples while the load was offered (too short for a steady phase after retention began)"
                        : String.format(
                                "steady phase (from %.0f s, once retention had been deleting for 30 s, to %d s,"
                                        + " when the load stopped; %d samples)",
                                from, soak.seconds(), steady.size())));
        md.append("| | first third | last third | ratio |\n|---|---|---|---|\n");
        flat(md, "jobs settled per second", first, last, SoakRun.Sample::jobsPerSecond, "%.0f");
        flat(md, "live rows of `jobs`", first, last, x -> x.liveJobs(), "%.0f");
        flat(md, "`jobs` MB (with indexes)", first, last, SoakRun.Sample::jobsMb, "%.1f");
        flat(md, "`job_history` MB", first, last, SoakRun.Sample::historyMb, "%.1f");
        flat(md, "`demo_execution` MB", first, last, SoakRun.Sample::auditMb, "%.1f");
        flat(md, "heap after GC, MB", first, last, SoakRun.Sample::heapAfterGcMb, "%.0f");
        md.append('\n');
        md.append("Waits: the database's active client backends by wait event, sampled every "
                + SoakRun.WAIT_SAMPLE_MILLIS + " ms over each window (largest shares); autovacuums: runs on the"
                + " hot tables that ended in the window; vacuuming: what a vacuum worked on at the sample.\n\n");
        md.append("| s | jobs/s | p99 ms | live jobs | deleted | jobs MB | jobs indexes MB | history MB | audit MB |"
                + " heap after GC MB | waits | autovacuums | vacuuming |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (SoakRun.Sample x : samples) {
            md.append(String.format(
                    "| %.0f | %.0f | %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %s | %d | %s |%n",
                    x.t(),
                    x.jobsPerSecond(),
                    Double.isNaN(x.p99Ms()) ? "-" : String.format("%.1f", x.p99Ms()),
                    x.liveJobs(),
                    x.deletedJobs(),
                    x.jobsMb(),
                    x.jobsIndexesMb(),
                    x.historyMb(),
                    x.auditMb(),
                    x.heapAfterGcMb(),
                    x.waits(),
                    x.autovacuums(),
                    x.vacuuming().isEmpty() ? "-" : x.vacuuming()));
        }
        md.append("\n![soak](").append(SOAK_PNG).append(")\n\n");
    }

    private static void flat(
            StringBuilder md,
            String name,
            List<SoakRun.Sample> first,
            List<SoakRun.Sample> last,
            java.util.function.ToDoubleFunction<SoakRun.Sample> value,
            String format) {
        double a = first.stream().mapToDouble(value).average().orElse(Double.NaN);
        double b = last.stream().mapToDouble(value).average().orElse(Double.NaN);
        md.append("| ")
                .append(name)
                .append(" | ")
                .append(String.format(format, a))
                .append(" | ")
                .append(String.format(format, b))
                .append(" | ")
                .append(a > 0 ? String.format("%.2f", b / a) : "-")
                .append(" |\n");
    }

    /** The targets beside this run's figures. */
    private void targets(StringBuilder md) {
        md.append("## Targets\n\n");
        md.append("The targets for a 2-core machine with the broker, the database and every JVM on it, beside this"
                        + " run. Why the figures stand where they do is read from the measurements in [")
                .append(ANALYSIS)
                .append("](")
                .append(ANALYSIS)
                .append(") (written by hand; a rerun does not touch it).\n\n");
        md.append("| target | this run | met |\n|---|---|---|\n");
        double kafka = run.drains.stream()
                .filter(d -> d.path().equals("kafka"))
                .mapToDouble(FleetBenchmark.Drain::jobsPerSecond)
                .max()
                .orElse(Double.NaN);
        double batch = run.drains.stream()
                .filter(d -> d.path().equals("batch"))
                .mapToDouble(FleetBenchmark.Drain::jobsPerSecond)
                .max()
                .orElse(Double.NaN);
        target(md, "drain Kafka-first >= 30,000 jobs/s", kafka, "%.0f jobs/s", kafka >= 30_000);
        target(md, "drain through POST /jobs:batch >= 15,000 jobs/s", batch, "%.0f jobs/s", batch >= 15_000);
        run.drains.stream()
                .filter(d -> d.path().equals("single"))
                .mapToDouble(FleetBenchmark.Drain::submittedPerSecond)
                .max()
                .ifPresentOrElse(
                        single -> target(
                                md,
                                "single POST /jobs >= 3,000 requests/s",
                                single,
                                "%.0f requests/s",
                                single >= 3_000),
                        () -> md.append(
                                "| single POST /jobs >= 3,000 requests/s | no single drain in this run | - |\n"));
        run.steadies.stream()
                .filter(s -> s.percent() == 50)
                .findFirst()
                .ifPresentOrElse(
                        s -> {
                            double p99 = s.start().getValueAtPercentile(99) / 1e3;
                            target(md, "p99 submit->start <= 50 ms at 50% of peak", p99, "%.1f ms", p99 <= 50);
                        },
                        () -> md.append(
                                "| p99 submit->start <= 50 ms at 50% of peak | no 50% steady rate in this run | - |\n"));
        if (run.ceiling != null && run.ceiling.error() == null) {
            double share = 100 * kafka / run.ceiling.jobsPerSecond();
            target(md, "drain >= 40% of the ceiling", share, "%.0f%%", share >= 40);
        }
        if (run.soak != null && !run.soak.samples().isEmpty()) {
            List<SoakRun.Sample> samples = run.soak.samples();
            double heap = samples.stream()
                    .mapToDouble(SoakRun.Sample::heapAfterGcMb)
                    .max()
                    .orElse(Double.NaN);
            List<SoakRun.Sample> steady = steadyPhase(run.soak);
            int third = Math.max(1, steady.size() / 3);
            double first = steady.subList(0, third).stream()
                    .mapToDouble(SoakRun.Sample::heapAfterGcMb)
                    .average()
                    .orElse(Double.NaN);
            double last = steady.subList(steady.size() - third, steady.size()).stream()
                    .mapToDouble(SoakRun.Sample::heapAfterGcMb)
                    .average()
                    .orElse(Double.NaN);
            // flat: the last third within 10% of the first
            target(
                    md,
                    "worker heap <= 256 MB and flat in the soak",
                    heap,
                    "%.0f MB at most after GC, last third / first third " + String.format("%.2f", last / first)
                            + " (the whole benchmark JVM: producer, workers, generator)",
                    heap <= 256 && last <= first * 1.1);
        }
        md.append('\n');
    }

    /** Where the soak's steady phase starts: retention has been deleting for 30 s (the tables stopped filling). */
    static double steadyFrom(SoakRun.Result soak) {
        return soak.retention().toSeconds() + 3.0 * SoakRun.WINDOW_SECONDS;
    }

    /**
     * The samples "flat" is judged on: from {@link #steadyFrom} until the load stopped (the samples
     * after it only wait for the last checks). A soak too short for that phase gives every sample
     * taken while the load was offered.
     */
    static List<SoakRun.Sample> steadyPhase(SoakRun.Result soak) {
        List<SoakRun.Sample> offered =
                soak.samples().stream().filter(x -> x.t() <= soak.seconds()).toList();
        List<SoakRun.Sample> steady =
                offered.stream().filter(x -> x.t() > steadyFrom(soak)).toList();
        if (steady.size() >= 3) {
            return steady;
        }
        return offered.isEmpty() ? soak.samples() : offered;
    }

    private static void target(StringBuilder md, String name, double value, String format, boolean met) {
        md.append("| ")
                .append(name)
                .append(" | ")
                .append(Double.isNaN(value) ? "not run" : String.format(format, value))
                .append(" | ")
                .append(Double.isNaN(value) ? "-" : met ? "yes" : "**no**")
                .append(" |\n");
    }

    private void exactlyOnce(StringBuilder md) {
        md.append("## Exactly once\n\n");
        md.append("After every run the benchmark counts, for the run's jobs (found by the tag in their payload, one"
                + " set-based query, no id literals), the jobs with exactly one claim (`job_history` rows into"
                + " `RUNNING`), one execution (`demo_execution` rows) and one outcome (`job_history` rows leaving"
                + " `RUNNING`), and requires each count to equal the jobs submitted and `SUCCEEDED`.\n\n");
        for (FleetBenchmark.Drain d : run.drains) {
            md.append("- ")
                    .append(d.path())
                    .append(", ")
                    .append(d.workers())
                    .append(" worker(s): ")
                    .append(d.check().describe())
                    .append('\n');
        }
        for (FleetBenchmark.Steady s : run.steadies) {
            md.append("- steady ")
                    .append(s.percent())
                    .append("%: ")
                    .append(s.check())
                    .append('\n');
        }
        md.append('\n');
    }

    private void bound(StringBuilder md) {
        md.append("## What bounds it (measured in this run)\n\n");
        for (FleetBenchmark.Drain d : run.drains) {
            if (d.top().isEmpty() && d.waits().isEmpty()) {
                continue;
            }
            md.append("### ").append(d.path()).append(", ").append(d.workers()).append(" worker(s)\n\n");
            long samples =
                    d.waits().values().stream().mapToLong(Long::longValue).sum();
            if (samples > 0) {
                md.append(
                        "Active client backends in `pg_stat_activity`, sampled every 100 ms (backend-samples):" + " ");
                md.append(d.waits().entrySet().stream()
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .limit(8)
                        .map(e -> "`" + e.getKey() + "` " + e.getValue())
                        .collect(Collectors.joining(", ")));
                md.append("\n\n");
            }
            if (!d.top().isEmpty()) {
                md.append("Top statements by total time (`pg_stat_statements`, reset before the drain):\n\n");
                md.append("| calls | total ms | mean ms | rows | statement |\n|---|---|---|---|---|\n");
                for (RunProbe.TopStatement t : d.top()) {
                    md.append(String.format(
                            "| %d | %.0f | %.3f | %d | `%s` |%n",
                            t.calls(),
                            t.totalMs(),
                            t.meanMs(),
                            t.rows(),
                            t.query().replace("|", "\\|")));
                }
                md.append('\n');
            }
        }
    }

    private void plots(Path dir) {
        if (!run.drains.isEmpty()) {
            LinePlot plot = new LinePlot("Drain: jobs ended per second", "seconds since the first submit", "jobs/s");
            for (FleetBenchmark.Drain d : run.drains) {
                if (d.t().length > 0) {
                    plot.series(d.path() + " " + d.workers() + "w", d.t(), d.rate());
                }
            }
            plot.write(dir.resolve(DRAIN_PNG));
        }
        if (run.soak != null && !run.soak.samples().isEmpty()) {
            List<SoakRun.Sample> samples = run.soak.samples();
            double[] t = samples.stream().mapToDouble(SoakRun.Sample::t).toArray();
            new LinePlot("Soak: sizes, heap and throughput every 10 s", "seconds", "MB; jobs/s / 100")
                    .series(
                            "jobs MB",
                            t,
                            samples.stream().mapToDouble(SoakRun.Sample::jobsMb).toArray())
                    .series(
                            "job_history MB",
                            t,
                            samples.stream()
                                    .mapToDouble(SoakRun.Sample::historyMb)
                                    .toArray())
                    .series(
                            "heap after GC MB",
                            t,
                            samples.stream()
                                    .mapToDouble(SoakRun.Sample::heapAfterGcMb)
                                    .toArray())
                    .series(
                            "jobs/s / 100",
                            t,
                            samples.stream()
                                    .mapToDouble(x -> x.jobsPerSecond() / 100)
                                    .toArray())
                    .write(dir.resolve(SOAK_PNG));
        }
        if (!run.steadies.isEmpty()) {
            LinePlot plot =
                    new LinePlot("Steady: p99 submit->done per second of intended submit time", "seconds", "p99 ms");
            for (FleetBenchmark.Steady s : run.steadies) {
                if (s.t().length > 0) {
                    plot.series(s.percent() + "% (" + s.rate() + "/s)", s.t(), s.p99());
                }
            }
            plot.write(dir.resolve(STEADY_PNG));
        }
    }

    private static String percentiles(Histogram h) {
        return String.format(
                "%.1f / %.1f / %.1f",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3);
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value).append(" |\n");
    }

    private static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return lines.stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
