package dev.jobfleet.infra.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.infra.LocalFleet;
import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Topics;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import tools.jackson.databind.JsonNode;

/**
 * The benchmark of issue 8 in one command: drains (Kafka-first and {@code POST /jobs:batch}) with
 * each worker count, steady open-loop rates at percentages of the measured peak, the JDBC ceiling
 * of the same statements, an exactly-once check of every run, and {@code benchmarks.md} with PNG
 * plots ({@link BenchReport}). {@link BenchOptions#USAGE} lists the options; docs/benchmarks.md
 * the command.
 *
 * <p>Each worker count gets a fresh embedded fleet (PostgreSQL with {@code synchronous_commit=on}
 * and {@code pg_stat_statements}, a broker child process, the producer and the workers as
 * application contexts of this JVM), or the one running fleet the options name.
 */
public final class FleetBenchmark {
    private static final String GROUP = "jobfleet-workers";
    static final String TYPE = "demo.noop";
    private static final Pattern CREATED = Pattern.compile("\"status\"\\s*:\\s*201");

    /** One drain: {@code jobs} submitted at once, until all ended. */
    record Drain(
            String path,
            int workers,
            long jobs,
            double submitSeconds,
            double seconds,
            RunProbe.Check check,
            boolean exactlyOnce,
            String load,
            Map<String, Double> cpu,
            Map<String, Long> waits,
            List<RunProbe.TopStatement> top,
            double[] t,
            double[] rate,
            Histogram requests) {
        double jobsPerSecond() {
            return jobs / seconds;
        }

        /** Submissions accepted per second, first request to last answer. */
        double submittedPerSecond() {
            return jobs / submitSeconds;
        }
    }

    /** One steady rate: latencies from the intended send time (no coordinated omission). */
    record Steady(
            int percent,
            int workers,
            int rate,
            long jobs,
            double offeredRate,
            double seconds,
            Histogram start,
            Histogram done,
            boolean exactlyOnce,
            String check,
            String load,
            double[] t,
            double[] p99) {}

    /** The JDBC loop of the same insert, claim and finish statements. */
    record Ceiling(int threads, int batch, long jobs, double seconds, String load, String error) {
        double jobsPerSecond() {
            return jobs / seconds;
        }
    }

    private final BenchOptions options;
    private final PrintStream out;
    /** The fleet running now, closed by a shutdown hook if the run is interrupted. */
    private volatile LocalFleet current;

    final List<Drain> drains = new ArrayList<>();
    final List<Steady> steadies = new ArrayList<>();
    Ceiling ceiling;
    SoakRun.Result soak;
    final Map<String, String> settings = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();

    FleetBenchmark(BenchOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(BenchOptions.USAGE);
            return;
        }
        FleetBenchmark benchmark = new FleetBenchmark(options, System.out);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LocalFleet fleet = benchmark.current;
                            if (fleet != null) {
                                fleet.close();
                            }
                        },
                        "bench-shutdown"));
        boolean ok = benchmark.run();
        System.exit(ok ? 0 : 1);
    }

    /** Runs every phase and writes the report; true if every run was exactly-once and ended. */
    boolean run() throws Exception {
        if (options.startsFleet()) {
            LocalFleet.configureLogging(options.directory());
        }
        String started = Instant.now().toString();
        out.printf(
                "bench: %d jobs per drain, workers %s, paths %s, steady %s%% x %d s, ceiling %d threads x %d;"
                        + " load average %s%n",
                options.jobs(),
                options.workers(),
                options.paths(),
                options.steadyPercents(),
                options.steadySeconds(),
                options.ceilingThreads(),
                options.batch(),
                BenchReport.loadAverage());
        boolean ok = true;
        for (int i = 0; i < options.workers().size(); i++) {
            int workers = options.workers().get(i);
            boolean last = i == options.workers().size() - 1;
            ok &= withFleet(workers, last);
        }
        if (options.soakSeconds() > 0) {
            ok &= soak(options.workers().getLast());
        }
        Path md = new BenchReport(this, options, started).write();
        out.println("bench: report written to " + md.toAbsolutePath().normalize());
        out.println(ok ? "bench: OK" : "bench: NOT OK (see the exactly-once column)");
        return ok;
    }

    private boolean withFleet(int workers, boolean last) throws Exception {
        LocalFleet fleet = null;
        LocalFleet.Endpoints target;
        if (options.startsFleet()) {
            out.printf("%nbench: starting a fleet with %d worker(s)%n", workers);
            fleet = startFleet("workers-" + workers, workers, List.of());
            target = fleet.endpoints();
        } else {
            target = runningFleet();
        }
        try (HikariDataSource db = pool(target.jdbcUrl(), target.username(), target.password(), 4, "bench")) {
            RunProbe probe = new RunProbe(db);
            readSettings(probe, workers);
            awaitConsumerGroup(target.bootstrapServers(), options.startsFleet() ? workers : -1);
            boolean ok = true;
            if (options.warmup() > 0) {
                String tag = "warm" + workers;
                long t0 = System.nanoTime();
                kafka(target.bootstrapServers(), options.warmup(), 0, tag, null);
                awaitFinished(probe, target, tag, options.warmup(), 0, null);
                out.printf(
                        "bench: warm-up of %d jobs (not counted) ended in %.1f s%n",
                        options.warmup(), (System.nanoTime() - t0) / 1e9);
            }
            if (options.paths().contains("kafka")) {
                ok &= drain("kafka", workers, target, probe);
            }
            if (options.paths().contains("batch")) {
                ok &= drain("batch", workers, target, probe);
            }
            if (options.paths().contains("single")) {
                ok &= drain("single", workers, target, probe);
            }
            if (last) {
                double peak = drains.stream()
                        .filter(d -> d.path().equals("kafka"))
                        .mapToDouble(Drain::jobsPerSecond)
                        .max()
                        .orElse(drains.stream()
                                .mapToDouble(Drain::jobsPerSecond)
                                .max()
                                .orElse(0));
                for (int percent : options.steadyPercents()) {
                    ok &= steady(percent, peak, workers, target, probe);
                }
                if (options.ceilingThreads() > 0) {
                    ceiling = CeilingLoop.run(
                            target.jdbcUrl(),
                            target.username(),
                            target.password(),
                            options.jobs(),
                            options.ceilingThreads(),
                            options.batch(),
                            out);
                }
            }
            return ok;
        } finally {
            if (fleet != null) {
                out.printf("bench: stopping the fleet with %d worker(s)%n", workers);
                fleet.close();
                current = null;
            }
        }
    }

    /** The soak: its own fleet (retention deleting finished jobs a minute after they end), at a share of the peak. */
    private boolean soak(int workers) throws Exception {
        double peak = drains.stream()
                .filter(d -> d.path().equals("kafka"))
                .mapToDouble(Drain::jobsPerSecond)
                .max()
                .orElse(0);
        if (peak <= 0) {
            notes.add("the soak needs a Kafka-first drain to find the peak; it did not run");
            return true;
        }
        int rate = (int) Math.max(1, Math.round(peak * options.soakPercent() / 100.0));
        Duration retention = Duration.ofSeconds(options.soakRetentionSeconds());
        out.printf(
                "%nbench: soak %d%% of %.0f jobs/s = %d jobs/s for %d s, %d worker(s), retention of SUCCEEDED jobs"
                        + " %s (every 5 s); load average %s%n",
                options.soakPercent(),
                peak,
                rate,
                options.soakSeconds(),
                workers,
                retention,
                BenchReport.loadAverage());
        LocalFleet fleet = null;
        LocalFleet.Endpoints target;
        if (options.startsFleet()) {
            fleet = startFleet(
                    "soak",
                    workers,
                    List.of(
                            "--worker-property",
                            "jobfleet.worker.retention.succeeded=" + retention.toSeconds() + "s",
                            "--worker-property",
                            "jobfleet.worker.retention.interval=5s"));
            target = fleet.endpoints();
        } else {
            target = runningFleet();
            notes.add("soak on a running fleet: its own retention settings apply (not changed by the benchmark)");
        }
        try (HikariDataSource db = pool(target.jdbcUrl(), target.username(), target.password(), 2, "bench-soak")) {
            awaitConsumerGroup(target.bootstrapServers(), options.startsFleet() ? workers : -1);
            soak = new SoakRun(db, target.bootstrapServers(), out).run(rate, options.soakSeconds(), workers, retention);
            out.printf(
                    "bench: soak: %d jobs, %d windows exactly once, p99 submit->done %.1f ms; %s%n",
                    soak.submitted(),
                    soak.windows(),
                    soak.done().getValueAtPercentile(99) / 1e3,
                    soak.ok() ? "OK" : "problems: " + soak.problems());
            return soak.ok();
        } finally {
            if (fleet != null) {
                out.println("bench: stopping the soak fleet");
                fleet.close();
                current = null;
            }
        }
    }

    private LocalFleet.Endpoints runningFleet() {
        return new LocalFleet.Endpoints(
                options.jdbcUrl(),
                options.jdbcUser(),
                options.jdbcPassword(),
                options.bootstrapServers(),
                options.producer(),
                List.of(),
                System.getenv("JOBFLEET_TOKEN"));
    }

    /** An embedded fleet in {@code dir} under the benchmark's directory, with {@code extraArgs} for LocalFleet. */
    private LocalFleet startFleet(String dir, int workers, List<String> extraArgs) {
        List<String> args = new ArrayList<>(List.of(
                "--dir", options.directory().resolve(dir).toString(),
                "--kafka-port", "0",
                "--workers", Integer.toString(workers)));
        for (String property : options.workerProperties()) {
            args.addAll(List.of("--worker-property", property));
        }
        args.addAll(extraArgs);
        LocalFleet fleet = LocalFleet.configure(
                        args.toArray(String[]::new),
                        // 0: each app binds a port the system gives it; ports picked free in advance could be
                        // taken meanwhile (a run failed: another process's connection got a worker's port)
                        Map.of("SERVER_PORT", "0", "MANAGEMENT_SERVER_PORT", "0"),
                        out)
                // zonky turns all three off; published figures have every commit on disk
                .postgresSetting("synchronous_commit", "on")
                .postgresSetting("fsync", "on")
                .postgresSetting("full_page_writes", "on")
                .postgresSetting("shared_preload_libraries", "pg_stat_statements")
                .postgresSetting("pg_stat_statements.track", "top");
        current = fleet;
        try {
            fleet.start();
        } catch (RuntimeException e) {
            fleet.close();
            current = null;
            throw e;
        }
        return fleet;
    }

    private void readSettings(RunProbe probe, int workers) throws Exception {
        String sync = probe.setting("synchronous_commit");
        out.printf("bench: synchronous_commit=%s (published figures need on)%n", sync);
        if (!"on".equals(sync)) {
            notes.add("synchronous_commit was " + sync + " on the fleet with " + workers
                    + " worker(s): its figures are not publishable");
        }
        settings.put("synchronous_commit", sync);
        for (String name : List.of(
                "server_version",
                "fsync",
                "full_page_writes",
                "shared_buffers",
                "max_connections",
                "wal_level",
                "shared_preload_libraries",
                "jit")) {
            settings.put(name, probe.setting(name));
        }
    }

    private boolean drain(String path, int workers, LocalFleet.Endpoints target, RunProbe probe) throws Exception {
        String tag = (path.equals("single") ? "p" : path.substring(0, 1)) + workers;
        int jobs = options.jobs();
        out.printf(
                "%nbench: drain %s, %d worker(s): %d x %s%s; load average %s%n",
                path,
                workers,
                jobs,
                TYPE,
                switch (path) {
                    case "batch" ->
                        " through POST /jobs:batch (" + options.batch() + " per request, " + options.httpConcurrency()
                                + " in flight)";
                    case "single" ->
                        " through POST /jobs, one job per request, " + options.singleConcurrency() + " in flight";
                    default -> " straight to the topic";
                },
                BenchReport.loadAverage());
        boolean statements = probe.resetStatements(notes::add);
        CpuSplit cpu = CpuSplit.begin();
        RunProbe.WaitSampler waits = probe.new WaitSampler(100);
        long submitStart = System.nanoTime();
        double wall0 = System.currentTimeMillis() / 1e3;
        AtomicLong submitEnd = new AtomicLong();
        AtomicReference<Throwable> submitFailure = new AtomicReference<>();
        Histogram requests = path.equals("single") ? new Histogram(3) : null;
        Thread submitter = Thread.ofPlatform().name("bench-submit").start(() -> {
            try {
                long accepted = switch (path) {
                    case "kafka" -> kafka(target.bootstrapServers(), jobs, 0, tag, null);
                    case "batch" -> batch(target.producer(), target.token(), jobs, tag);
                    default -> single(target.producer(), target.token(), jobs, tag, requests);
                };
                if (accepted != jobs) {
                    throw new IllegalStateException(accepted + " of " + jobs + " jobs accepted");
                }
            } catch (Throwable e) {
                submitFailure.set(e);
            } finally {
                submitEnd.set(System.nanoTime());
            }
        });
        List<double[]> progress = new ArrayList<>();
        long ended = awaitFinished(probe, target, tag, jobs, submitStart, progress);
        submitter.join();
        waits.close();
        Map<String, Double> split = cpu.end();
        String load = BenchReport.loadAverage();
        if (submitFailure.get() != null) {
            notes.add("drain " + tag + ": submission failed: " + submitFailure.get());
        }
        RunProbe.Check check = probe.check(tag);
        boolean ok = ended >= jobs && check.exactlyOnce(jobs) && submitFailure.get() == null;
        double seconds = check.lastFinished() - wall0;
        List<RunProbe.TopStatement> top = statements ? probe.topStatements() : List.of();
        double[] t = new double[Math.max(0, progress.size() - 1)];
        double[] rate = new double[t.length];
        for (int i = 1; i < progress.size(); i++) {
            double[] a = progress.get(i - 1);
            double[] b = progress.get(i);
            t[i - 1] = b[0];
            rate[i - 1] = (b[1] - a[1]) / Math.max(b[0] - a[0], 1e-3);
        }
        Drain drain = new Drain(
                path,
                workers,
                jobs,
                (submitEnd.get() - submitStart) / 1e9,
                seconds,
                check,
                ok,
                load,
                split,
                waits.counts(),
                top,
                t,
                rate,
                requests);
        drains.add(drain);
        out.printf(
                "bench: drain %s, %d worker(s): %d jobs in %.2f s = %.0f jobs/s (submitted in %.2f s); %s: %s%n",
                path,
                workers,
                jobs,
                seconds,
                drain.jobsPerSecond(),
                drain.submitSeconds(),
                ok ? "exactly once" : "NOT exactly once",
                check.describe());
        return ok;
    }

    private boolean steady(int percent, double peak, int workers, LocalFleet.Endpoints target, RunProbe probe)
            throws Exception {
        int rate = (int) Math.max(1, Math.round(peak * percent / 100.0));
        int jobs = rate * options.steadySeconds();
        String tag = "s" + percent;
        out.printf(
                "%nbench: steady %d%% of %.0f jobs/s = %d jobs/s for %d s (%d jobs), Kafka-first, %d worker(s);"
                        + " load average %s%n",
                percent, peak, rate, options.steadySeconds(), jobs, workers, BenchReport.loadAverage());
        Map<UUID, Long> intended = new HashMap<>(jobs * 2);
        long submitStart = System.nanoTime();
        AtomicReference<Throwable> submitFailure = new AtomicReference<>();
        AtomicLong submitEnd = new AtomicLong();
        Thread submitter = Thread.ofPlatform().name("bench-steady").start(() -> {
            try {
                kafka(target.bootstrapServers(), jobs, rate, tag, intended);
            } catch (Throwable e) {
                submitFailure.set(e);
            } finally {
                submitEnd.set(System.nanoTime());
            }
        });
        long ended = awaitFinished(probe, target, tag, jobs, submitStart, null);
        submitter.join();
        String load = BenchReport.loadAverage();
        RunProbe.Check check = probe.check(tag);
        Histogram start = new Histogram(3_600_000_000L, 3);
        Histogram done = new Histogram(3_600_000_000L, 3);
        long first = intended.values().stream().mapToLong(Long::longValue).min().orElse(0);
        Map<Integer, Histogram> perSecond = new HashMap<>();
        probe.times(tag, (id, started, finished) -> {
            Long sent = intended.get(id);
            if (sent == null || Double.isNaN(started) || Double.isNaN(finished)) {
                return;
            }
            long s = Math.max(0, Math.round(started * 1e6) - sent);
            long d = Math.max(0, Math.round(finished * 1e6) - sent);
            start.recordValue(Math.min(s, start.getHighestTrackableValue()));
            done.recordValue(Math.min(d, done.getHighestTrackableValue()));
            perSecond
                    .computeIfAbsent((int) ((sent - first) / 1_000_000L), k -> new Histogram(3_600_000_000L, 2))
                    .recordValue(Math.min(d, done.getHighestTrackableValue()));
        });
        int seconds =
                perSecond.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        double[] t = new double[seconds];
        double[] p99 = new double[seconds];
        for (int i = 0; i < seconds; i++) {
            t[i] = i;
            Histogram h = perSecond.get(i);
            p99[i] = h == null ? 0 : h.getValueAtPercentile(99) / 1e3;
        }
        boolean ok = ended >= jobs && check.exactlyOnce(jobs) && submitFailure.get() == null;
        double submitSeconds = (submitEnd.get() - submitStart) / 1e9;
        Steady steady = new Steady(
                percent,
                workers,
                rate,
                jobs,
                jobs / submitSeconds,
                submitSeconds,
                start,
                done,
                ok,
                check.describe(),
                load,
                t,
                p99);
        steadies.add(steady);
        out.printf(
                "bench: steady %d%%: offered %.0f jobs/s; submit->start p50 %.1f p99 %.1f p99.9 %.1f ms;"
                        + " submit->done p50 %.1f p99 %.1f p99.9 %.1f ms; %s%n",
                percent,
                steady.offeredRate(),
                start.getValueAtPercentile(50) / 1e3,
                start.getValueAtPercentile(99) / 1e3,
                start.getValueAtPercentile(99.9) / 1e3,
                done.getValueAtPercentile(50) / 1e3,
                done.getValueAtPercentile(99) / 1e3,
                done.getValueAtPercentile(99.9) / 1e3,
                ok ? "exactly once" : "NOT exactly once: " + check.describe());
        return ok;
    }

    /**
     * Waits until {@code jobs} jobs of the run have ended, printing a progress line every second.
     * Progress comes from the workers' consumer group (the sum of its committed offsets, which pass a
     * record only once its run is settled), read from the broker, so that the generator does not load
     * the database it measures; the end is confirmed by one count in the database. Adds (seconds since
     * {@code startNanos}, records settled) to {@code progress} when given.
     */
    private long awaitFinished(
            RunProbe probe,
            LocalFleet.Endpoints target,
            String tag,
            long jobs,
            long startNanos,
            List<double[]> progress)
            throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            long base = committed(admin);
            if (startNanos == 0) {
                startNanos = System.nanoTime();
            }
            long deadline = startNanos + options.timeout().toNanos();
            long ended = 0;
            long lastPrint = System.nanoTime();
            long lastConfirm = 0;
            long lastSettled = -1;
            if (progress != null) {
                progress.add(new double[] {0, 0});
            }
            while (System.nanoTime() < deadline) {
                LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
                long settled = Math.min(jobs, committed(admin) - base);
                ended = Math.max(ended, settled);
                double at = (System.nanoTime() - startNanos) / 1e9;
                if (progress != null) {
                    progress.add(new double[] {at, settled});
                }
                // the committed offsets may stop short of the end (a partition's watermark is committed
                // with its next poll): ask the database once a second when they are close or stand
                // still, and every five seconds otherwise
                boolean still = settled == lastSettled;
                lastSettled = settled;
                long sinceConfirm = System.nanoTime() - lastConfirm;
                if (((settled >= jobs * 0.99 || still) && sinceConfirm >= 1_000_000_000L)
                        || sinceConfirm >= 5_000_000_000L) {
                    lastConfirm = System.nanoTime();
                    long confirmed = probe.finished(tag);
                    ended = Math.max(ended, confirmed);
                    if (confirmed >= jobs) {
                        out.printf("  [%6.1fs] %s: %d/%d ended%n", at, tag, confirmed, jobs);
                        return confirmed;
                    }
                }
                if (System.nanoTime() - lastPrint >= 1_000_000_000L) {
                    out.printf(
                            "  [%6.1fs] %s: %d/%d settled, load average %s%n",
                            at, tag, ended, jobs, BenchReport.loadAverage());
                    lastPrint = System.nanoTime();
                }
            }
            out.printf("bench: %s timed out after %s with %d/%d ended%n", tag, options.timeout(), ended, jobs);
            return ended;
        }
    }

    /** The sum of the workers' committed offsets on the jobs topic. */
    static long committed(Admin admin) throws Exception {
        return admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get().entrySet().stream()
                .filter(e -> e.getKey().topic().equals(Topics.JOBS) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset())
                .sum();
    }

    /**
     * Job events straight to the topic, tagged {@code {"bench": tag}}; at {@code rate} jobs/s (0:
     * unthrottled). With {@code intended}, records each job's intended send time (epoch
     * microseconds): the steady latencies start there, not when the send happened. How many were
     * acknowledged.
     */
    static long kafka(String bootstrapServers, int jobs, int rate, String tag, Map<UUID, Long> intended) {
        JsonNode payload = JobCodec.mapper().createObjectNode().put("bench", tag);
        AtomicLong acknowledged = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Pacer pacer = new Pacer(jobs, rate);
        try (KafkaProducer<String, byte[]> producer =
                KafkaSubmitter.producer(bootstrapServers, "jobfleet-bench", rate == 0 ? 5 : 0)) {
            producer.partitionsFor(Topics.JOBS);
            long wallMicros = System.currentTimeMillis() * 1000;
            long nanos0 = System.nanoTime();
            double microsPerSlot = rate == 0 ? 0 : 1e6 / rate;
            pacer.start();
            for (long slot = pacer.await(); slot >= 0; slot = pacer.await()) {
                UUID id = JobIds.next();
                if (intended != null) {
                    intended.put(
                            id,
                            rate == 0
                                    ? wallMicros + (System.nanoTime() - nanos0) / 1000
                                    : wallMicros + Math.round(slot * microsPerSlot));
                }
                JobEvent event = new JobEvent(id, TYPE, payload, null, null, null, null, null);
                producer.send(new ProducerRecord<>(Topics.JOBS, id.toString(), JobCodec.encode(event)), (meta, e) -> {
                    if (e == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Kafka refused a job event", failure.get());
        }
        return acknowledged.get();
    }

    /** {@code POST /jobs:batch}, {@code batch} jobs per request, some in flight; how many were created (201). */
    private long batch(URI producer, String token, int jobs, String tag) throws Exception {
        HttpClient http = httpClient();
        URI uri = producer.resolve("/jobs:batch");
        String item = "{\"type\":\"" + TYPE + "\",\"payload\":{\"bench\":\"" + tag + "\"}}";
        AtomicInteger next = new AtomicInteger();
        AtomicLong created = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(
                options.httpConcurrency(),
                Thread.ofPlatform().name("bench-http-", 0).daemon().factory());
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < options.httpConcurrency(); c++) {
            clients.add(pool.submit(() -> {
                while (true) {
                    int from = next.getAndAdd(options.batch());
                    if (from >= jobs) {
                        return null;
                    }
                    int n = Math.min(options.batch(), jobs - from);
                    StringBuilder body = new StringBuilder(n * (item.length() + 1) + 16).append("{\"jobs\":[");
                    for (int i = 0; i < n; i++) {
                        body.append(i == 0 ? "" : ",").append(item);
                    }
                    body.append("]}");
                    HttpResponse<String> response = http.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(120))
                                    .header("Content-Type", "application/json")
                                    .header("Authorization", "Bearer " + token)
                                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("POST /jobs:batch answered " + response.statusCode() + ": "
                                + response.body()
                                        .substring(
                                                0, Math.min(300, response.body().length())));
                    }
                    Matcher m = CREATED.matcher(response.body());
                    long ok = 0;
                    while (m.find()) {
                        ok++;
                    }
                    created.addAndGet(ok);
                }
            }));
        }
        pool.shutdown();
        for (Future<?> client : clients) {
            client.get();
        }
        pool.awaitTermination(1, TimeUnit.MINUTES);
        return created.get();
    }

    /**
     * One {@code POST /jobs} per job, {@code single-concurrency} requests in flight, each answer's time
     * recorded in {@code latency} (microseconds); how many were created (201).
     */
    private long single(URI producer, String token, int jobs, String tag, Histogram latency) throws Exception {
        HttpClient http = httpClient();
        URI uri = producer.resolve("/jobs");
        String body = "{\"type\":\"" + TYPE + "\",\"payload\":{\"bench\":\"" + tag + "\"}}";
        AtomicInteger next = new AtomicInteger();
        AtomicLong created = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(
                options.singleConcurrency(),
                Thread.ofPlatform().name("bench-single-", 0).daemon().factory());
        List<Future<Histogram>> clients = new ArrayList<>();
        for (int c = 0; c < options.singleConcurrency(); c++) {
            clients.add(pool.submit(() -> {
                Histogram mine = new Histogram(3);
                while (next.getAndIncrement() < jobs) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> response = http.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(60))
                                    .header("Content-Type", "application/json")
                                    .header("Authorization", "Bearer " + token)
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    mine.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                    if (response.statusCode() != 201) {
                        throw new IllegalStateException("POST /jobs answered " + response.statusCode() + ": "
                                + response.body()
                                        .substring(
                                                0, Math.min(300, response.body().length())));
                    }
                    created.incrementAndGet();
                }
                return mine;
            }));
        }
        pool.shutdown();
        for (Future<Histogram> client : clients) {
            latency.add(client.get());
        }
        pool.awaitTermination(1, TimeUnit.MINUTES);
        return created.get();
    }

    private static HttpClient httpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Wait until {@code workers} consumers of the fleet's group hold partitions; -1: any number, just stable. */
    private void awaitConsumerGroup(String bootstrapServers, int workers) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription group;
                try {
                    group = admin.describeConsumerGroups(List.of(GROUP))
                            .all()
                            .get()
                            .get(GROUP);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                    // no worker has joined yet
                    LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                    continue;
                }
                long assigned = group.members().stream()
                        .filter(m -> !m.assignment().topicPartitions().isEmpty())
                        .count();
                if ((workers < 0 || assigned == workers) && group.groupState() == GroupState.STABLE) {
                    return;
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
        }
        notes.add("the workers' consumer group did not settle within 60 s (" + workers + " workers)");
    }

    static HikariDataSource pool(String url, String user, String password, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setPoolName(name);
        return new HikariDataSource(config);
    }
}
