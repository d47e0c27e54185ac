package dev.jobfleet.infra.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.infra.LocalFleet;
import dev.jobfleet.model.JobCodec;
import dev.jobfleet.store.JobRepository;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import tools.jackson.databind.JsonNode;

/**
 * The load generator: submits jobs to a fleet and reports jobs/s end to end (first submit to the
 * moment every job has ended), the latency percentiles of claim, run and end to end from the jobs
 * table, and the number of overlapping executions (must be 0). Not part of the build's tests; run
 * it with {@code ./mvnw -B -q -pl infra -Pbench exec:exec -Dbench.args="--jobs 20000"} (see {@link
 * LoadOptions#USAGE}, and infra/README.md).
 *
 * <p>Without {@code --jdbc-url} it starts a fleet in this JVM first, like {@link LocalFleet} with
 * {@code --workers} workers; the generator then shares the machine with it, as it would share a
 * laptop with a real fleet.
 */
public final class LoadGenerator {
    private static final Duration PROGRESS_TICK = Duration.ofMillis(100);
    /** The workers' consumer group (their {@code application.yml}). */
    private static final String GROUP = "jobfleet-workers";

    private final LoadOptions options;
    private final PrintStream out;

    LoadGenerator(LoadOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(LoadOptions.USAGE);
            return;
        }
        boolean ok = new LoadGenerator(options, System.out).run();
        System.exit(ok ? 0 : 1);
    }

    /** Start the fleet if asked, run the load, print the report; true if every job succeeded without overlap. */
    boolean run() throws Exception {
        LocalFleet fleet = null;
        LocalFleet.Endpoints target;
        if (options.startsFleet()) {
            LocalFleet.configureLogging(options.directory());
            fleet = LocalFleet.configure(
                    fleetArgs(),
                    // 0: each app binds a port the system gives it (see FleetBenchmark.startFleet)
                    Map.of("SERVER_PORT", "0", "MANAGEMENT_SERVER_PORT", "0"),
                    out);
            try {
                fleet.start();
            } catch (RuntimeException e) {
                fleet.close();
                throw e;
            }
            target = fleet.endpoints();
        } else {
            target = new LocalFleet.Endpoints(
                    options.jdbcUrl(),
                    options.jdbcUser(),
                    options.jdbcPassword(),
                    options.bootstrapServers(),
                    options.producer(),
                    List.of(),
                    System.getenv("JOBFLEET_TOKEN"));
        }
        try (HikariDataSource db = pool(target)) {
            return load(target, db);
        } finally {
            if (fleet != null) {
                fleet.close();
            }
        }
    }

    private boolean load(LocalFleet.Endpoints target, HikariDataSource db) throws Exception {
        LatencyReport report = new LatencyReport(db);
        JobRepository jobs = new JobRepository(db);
        out.printf(
                "%nload: %d x %s %s via %s, %s, against %s%n",
                options.jobs(),
                options.type(),
                options.payload(),
                options.via() == LoadOptions.Via.KAFKA ? "Kafka (straight to the topic)" : "HTTP (POST /jobs)",
                options.rate() == 0 ? "unthrottled" : "at most " + options.rate() + " jobs/s",
                options.startsFleet()
                        ? "a fleet in this JVM: " + options.workers() + " workers, handler concurrency "
                                + (options.handlerConcurrency() == 0 ? "default" : options.handlerConcurrency())
                        : target.jdbcUrl());
        if (options.startsFleet()) {
            awaitConsumerGroup(target.bootstrapServers(), options.workers());
        }
        if (options.warmup() > 0) {
            Submitted warmup = submit(target, options.warmup(), 0);
            long ended = awaitEnded(report, warmup, false);
            out.printf(
                    "load: warm-up of %d jobs (not counted) ended in %.1f s%n",
                    ended, (System.nanoTime() - warmup.startNanos()) / 1e9);
        }
        long overlapsBefore = jobs.overlappingExecutions();
        out.printf(
                "load: machine: %d cores, load average %.1f before the run%n",
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        double wallAtNano0 = System.currentTimeMillis() / 1e3;
        long nano0 = System.nanoTime();
        Submitted submitted = submit(target, options.jobs(), options.rate());
        out.printf(
                "load: submitted %d jobs in %.2f s (%.0f jobs/s)%s%n",
                submitted.ids().size(),
                submitted.seconds(),
                submitted.ids().size() / Math.max(submitted.seconds(), 1e-3),
                submitted.failed() == 0
                        ? ""
                        : "; " + submitted.failed() + " refused, first: " + submitted.firstFailure());
        List<UUID> ids = submitted.ids();
        long ended = awaitEnded(report, submitted, true);
        double wallSeconds = (System.nanoTime() - submitted.startNanos()) / 1e9;
        boolean finished = ended >= ids.size();

        LatencyReport.Latencies latencies = report.latencies(ids);
        long overlaps = jobs.overlappingExecutions() - overlapsBefore;
        double firstSubmit = wallAtNano0 + (submitted.startNanos() - nano0) / 1e9;
        out.println();
        out.printf(
                "load: %d of %d jobs ended (%d SUCCEEDED) %.2f s after the first submit: %.0f jobs/s end to end%n",
                ended, ids.size(), latencies.succeeded(), wallSeconds, ended / wallSeconds);
        out.printf(
                "load: by the database clock, first created_at to last finished_at: %.2f s (%.0f jobs/s);"
                        + " first row created %.0f ms after the first submit, last job finished after %.0f ms%n",
                latencies.spanSeconds(),
                latencies.jobs() / Math.max(latencies.spanSeconds(), 1e-3),
                (latencies.firstCreated() - firstSubmit) * 1e3,
                (latencies.lastFinished() - firstSubmit) * 1e3);
        latencies.print(out);
        out.printf("  overlapping executions: %d%n", overlaps);
        if (!target.workers().isEmpty()) {
            out.println("  claims by path (run and warm-up): " + ClaimPaths.scrape(target.workers()));
        }
        boolean ok = finished && latencies.succeeded() == ids.size() && overlaps == 0 && submitted.failed() == 0;
        out.println(
                ok ? "load: OK" : "load: NOT OK" + (finished ? "" : " (timed out after " + options.timeout() + ")"));
        return ok;
    }

    /** Poll until every submitted job has ended or the timeout passes; how many ended. */
    private long awaitEnded(LatencyReport report, Submitted submitted, boolean progress) {
        List<UUID> ids = submitted.ids();
        long deadline = submitted.startNanos() + options.timeout().toNanos();
        long lastPrint = System.nanoTime();
        long ended = 0;
        while (System.nanoTime() < deadline) {
            ended = report.ended(ids);
            if (ended >= ids.size()) {
                return ended;
            }
            if (progress && System.nanoTime() - lastPrint >= 1_000_000_000L) {
                out.printf(
                        "  [%5.1fs] %d/%d ended%n",
                        (System.nanoTime() - submitted.startNanos()) / 1e9, ended, ids.size());
                lastPrint = System.nanoTime();
            }
            LockSupport.parkNanos(PROGRESS_TICK.toNanos());
        }
        return ended;
    }

    /** Wait until {@code workers} consumers of the fleet's group hold partitions: no rebalance during the run. */
    private void awaitConsumerGroup(String bootstrapServers, int workers) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription group =
                        admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
                long assigned = group.members().stream()
                        .filter(m -> !m.assignment().topicPartitions().isEmpty())
                        .count();
                if (assigned == workers && group.groupState() == GroupState.STABLE) {
                    return;
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
        }
        out.println("load: the workers' consumer group did not settle within 60 s; running anyway");
    }

    private Submitted submit(LocalFleet.Endpoints target, int count, int rate) throws InterruptedException {
        return switch (options.via()) {
            case KAFKA -> {
                JsonNode payload = JobCodec.mapper().readTree(options.payload());
                yield new KafkaSubmitter(target.bootstrapServers()).submit(count, rate, options.type(), payload);
            }
            case HTTP ->
                new HttpSubmitter(target.producer(), target.token())
                        .submit(count, options.concurrency(), rate, options.type(), options.payload());
        };
    }

    private String[] fleetArgs() {
        List<String> args = new ArrayList<>(List.of(
                "--dir", options.directory().toString(),
                "--kafka-port", "0",
                "--workers", Integer.toString(options.workers())));
        if (options.handlerConcurrency() > 0) {
            args.add("--worker-property");
            args.add("jobfleet.worker.concurrency=" + options.handlerConcurrency());
        }
        return args.toArray(String[]::new);
    }

    private static HikariDataSource pool(LocalFleet.Endpoints target) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(target.jdbcUrl());
        config.setUsername(target.username());
        config.setPassword(target.password());
        config.setMaximumPoolSize(2);
        config.setPoolName("load-generator");
        return new HikariDataSource(config);
    }

    /** The workers' claim counters ({@code jobfleet_jobs_claimed_total}) by path, from their Prometheus endpoints. */
    static final class ClaimPaths {
        private ClaimPaths() {}

        static String scrape(List<URI> workers) {
            HttpClient http = HttpClient.newHttpClient();
            long listener = 0;
            long poller = 0;
            for (URI worker : workers) {
                try {
                    String body = http.send(
                                    HttpRequest.newBuilder(worker.resolve("/actuator/prometheus"))
                                            .timeout(Duration.ofSeconds(10))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
                    for (String line : body.split("\n")) {
                        if (line.startsWith("jobfleet_jobs_claimed_total{")) {
                            long n = Math.round(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                            if (line.contains("source=\"listener\"")) {
                                listener += n;
                            } else if (line.contains("source=\"poller\"")) {
                                poller += n;
                            }
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    return "(could not read " + worker + "/actuator/prometheus: " + e + ")";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "(interrupted)";
                }
            }
            return listener + " from Kafka batches, " + poller + " by the due-job pollers";
        }
    }
}
