package dev.jobfleet.infra;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.model.JobState;
import dev.jobfleet.producer.ProducerApplication;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Schema;
import dev.jobfleet.worker.WorkerApplication;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * The embedded local default: the whole fleet in one command, with nothing installed but a JDK.
 *
 * <ol>
 *   <li>PostgreSQL: {@code SPRING_DATASOURCE_URL} (with {@code SPRING_DATASOURCE_USERNAME} and
 *       {@code _PASSWORD}) if set, otherwise an embedded server in {@code .jobfleet/postgres};
 *       migrated with {@link Schema#migrate}.
 *   <li>Kafka: {@code SPRING_KAFKA_BOOTSTRAP_SERVERS} if set, otherwise a {@link KafkaBroker} child
 *       process in {@code .jobfleet/kafka}.
 *   <li>In this JVM: the producer on {@code SERVER_PORT} (8080) and workers {@code worker-1},
 *       {@code worker-2} (two unless {@code --workers} says otherwise) on the next ports (8081,
 *       8082, ...).
 *   <li>A demo batch through the producer's HTTP API, with progress from the database, then the
 *       outcome: counts per state, throughput, overlapping executions (must be 0).
 *   <li>Runs until Ctrl-C; then closes the apps, the broker and PostgreSQL, in that order.
 * </ol>
 *
 * <p>The embedded PostgreSQL and Kafka start empty each time (their directories are wiped): a
 * database kept from a previous run next to a fresh topic, or the other way round, would show jobs
 * that the other side does not know.
 */
public final class LocalFleet implements AutoCloseable {
    private final FleetOptions options;
    private final Map<String, String> env;
    private final PrintStream out;
    private final FleetApps apps = new FleetApps();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile LocalPostgres postgres;
    private volatile KafkaBroker broker;
    private volatile FleetApps.Backends backends;
    private HikariDataSource monitorDataSource;
    private JobRepository repository;
    private String sampleJobId;

    LocalFleet(FleetOptions options, Map<String, String> env, PrintStream out) {
        this.options = options;
        this.env = env;
        this.out = out;
    }

    /**
     * A fleet configured by {@code args} (the flags of {@link FleetOptions#USAGE}) and {@code env}
     * ({@code SERVER_PORT}, {@code SPRING_DATASOURCE_URL}, ...), not started: for tools that run
     * their own load against it, such as the benchmark. {@code --no-demo} is implied.
     */
    public static LocalFleet configure(String[] args, Map<String, String> env, PrintStream out) {
        FleetOptions options = FleetOptions.parse(args, env);
        return new LocalFleet(
                new FleetOptions(
                        options.jobs(),
                        false,
                        false,
                        options.demoTimeout(),
                        options.directory(),
                        options.kafkaPort(),
                        options.producerPort(),
                        options.workers(),
                        options.workerProperties(),
                        false),
                env,
                out);
    }

    /**
     * Where the started fleet's parts are.
     *
     * @param jdbcUrl the database the apps use, with {@code username} and {@code password}
     * @param bootstrapServers the Kafka the apps use
     * @param producer the producer's base URI
     * @param workers the workers' base URIs
     */
    public record Endpoints(
            String jdbcUrl,
            String username,
            String password,
            String bootstrapServers,
            URI producer,
            List<URI> workers) {}

    /** Where the parts are; only after {@link #start()}. */
    public Endpoints endpoints() {
        if (backends == null) {
            throw new IllegalStateException("the fleet is not started");
        }
        List<URI> workers = apps.running().stream()
                .filter(app -> app.name().startsWith("worker"))
                .map(app -> URI.create("http://localhost:" + app.port()))
                .toList();
        return new Endpoints(
                backends.jdbcUrl(),
                backends.username(),
                backends.password(),
                backends.bootstrapServers(),
                producerUri(),
                workers);
    }

    public static void main(String[] args) throws Exception {
        FleetOptions options;
        try {
            options = FleetOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(FleetOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(FleetOptions.USAGE);
            return;
        }
        configureLogging(options.directory());

        LocalFleet fleet = new LocalFleet(options, System.getenv(), System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(fleet::close, "jobfleet-shutdown"));
        try {
            fleet.start();
        } catch (RuntimeException e) {
            System.err.println("\nThe fleet did not start: " + e.getMessage());
            System.err.println("(details in " + fleet.logFile() + ")");
            fleet.close();
            System.exit(1);
        }
        boolean demoOk = !options.demo() || fleet.runDemo();
        if (options.exitAfterDemo()) {
            fleet.close();
            System.exit(demoOk ? 0 : 1);
        }
        fleet.printHints();
        fleet.out.println("\nThe fleet is running. Ctrl-C stops it.");
        fleet.closed.await();
    }

    /**
     * Point logback at the fleet's configuration (INFO to {@code <directory>/logs/fleet.log}, ERROR to
     * the console) before anything logs (zonky, Flyway and the Kafka
     * admin client log before Spring Boot configures logging), then take the property away again:
     * Spring Boot warns about it and uses {@code logging.config}, which names the same file.
     */
    public static void configureLogging(Path directory) {
        System.setProperty("jobfleet.home", directory.toAbsolutePath().toString());
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", FleetApps.LOGGING_CONFIG);
            LoggerFactory.getILoggerFactory();
            System.clearProperty("logback.configurationFile");
        }
    }

    /** Start PostgreSQL, Kafka and the apps, printing where each one is. */
    public void start() {
        out.println(
                "jobfleet: starting the local fleet in " + options.directory().toAbsolutePath());
        // the two take a few seconds each and need nothing from each other
        CompletableFuture<String> kafka = CompletableFuture.supplyAsync(this::startKafka);
        String jdbcUrl;
        try {
            jdbcUrl = startDatabase();
        } catch (RuntimeException e) {
            kafka.exceptionally(ignored -> null).join(); // so that close() finds the broker
            throw e;
        }
        String bootstrapServers;
        try {
            bootstrapServers = kafka.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        backends = new FleetApps.Backends(jdbcUrl, databaseUser(), databasePassword(), bootstrapServers, logFile());

        long t0 = System.nanoTime();
        FleetApps.Running producer =
                apps.start("producer", ProducerApplication.class, options.producerPort(), backends, Map.of());
        out.printf("  producer    http://localhost:%d  (%s)%n", producer.port(), since(t0));
        for (int i = 0; i < options.workers(); i++) {
            String id = "worker-" + (i + 1);
            long t = System.nanoTime();
            FleetApps.Running worker = apps.start(
                    id, WorkerApplication.class, options.producerPort() + 1 + i, backends, workerProperties(id));
            out.printf("  %-10s  http://localhost:%d  (%s)%n", id, worker.port(), since(t));
        }
        out.println("  logs        " + logFile());
    }

    /**
     * {@code jobfleet.worker.id}, and no OpenAPI endpoints: springdoc is on the shared classpath for
     * the producer's sake, a worker in its own JVM would not have it. {@code --worker-property}
     * settings go over these.
     */
    private Map<String, String> workerProperties(String id) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("jobfleet.worker.id", id);
        properties.put("springdoc.api-docs.enabled", "false");
        properties.put("springdoc.swagger-ui.enabled", "false");
        properties.putAll(options.workerProperties());
        return properties;
    }

    /** Submit the demo batch and watch it; true if every job ended as expected. */
    boolean runDemo() throws InterruptedException {
        List<DemoBatch.Job> jobs = DemoBatch.plan(options.jobs());
        out.printf("%ndemo: submitting %d jobs (%s) to POST %s%n", jobs.size(), DemoBatch.describe(jobs), jobsUri());
        DemoMonitor monitor = new DemoMonitor(repository, out);
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger expected = new AtomicInteger(-1);
        CompletableFuture<DemoBatch.Submitted> submission = CompletableFuture.supplyAsync(() -> {
            try {
                return DemoBatch.submit(http, jobsUri(), jobs, answered);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
        submission.whenComplete((s, e) -> expected.set(s == null ? 0 : s.accepted()));

        DemoMonitor.Outcome outcome = monitor.watch(jobs.size(), answered::get, expected::get, options.demoTimeout());
        DemoBatch.Submitted submitted = submission.join();
        sampleJobId = submitted.sampleId();
        return report(jobs.size(), submitted, outcome);
    }

    private boolean report(int planned, DemoBatch.Submitted submitted, DemoMonitor.Outcome outcome) {
        DemoMonitor.Snapshot s = outcome.last();
        double seconds = s.elapsedNanos() / 1e9;
        out.println();
        if (submitted.accepted() == 0) {
            out.printf(
                    "demo: NOT OK, the producer accepted none of the %d jobs; first answer: %s%n",
                    planned, submitted.firstRejection());
            return false;
        }
        if (submitted.rejected() > 0) {
            out.printf(
                    "demo: the producer refused %d of %d jobs; first answer: %s%n",
                    submitted.rejected(), planned, submitted.firstRejection());
        }
        out.printf(
                "demo: %d of %d accepted jobs terminal after %.1f s (%.0f jobs/s end to end)%n",
                s.terminal(), submitted.accepted(), seconds, s.terminal() / Math.max(seconds, 0.001));
        for (JobState state : JobState.values()) {
            out.printf("  %-16s %6d%n", state, s.count(state));
        }
        out.printf("  overlapping executions: %d%n", outcome.overlappingExecutions());
        boolean ok = submitted.accepted() == planned
                && outcome.finished()
                && s.count(JobState.SUCCEEDED) == planned
                && outcome.overlappingExecutions() == 0;
        out.println(
                ok
                        ? "demo: OK, every job succeeded (demo.fail on its retry) and no job ran twice at once"
                        : "demo: NOT OK (expected " + planned + " SUCCEEDED, 0 overlapping executions"
                                + (outcome.finished()
                                        ? ")"
                                        : ", within " + options.demoTimeout().toSeconds() + " s)"));
        return ok;
    }

    void printHints() {
        List<URI> workers = apps.running().stream()
                .filter(app -> app.name().startsWith("worker"))
                .map(app -> URI.create("http://localhost:" + app.port()))
                .toList();
        CurlHints.print(out, producerUri(), workers, CurlHints.discover(http, producerUri()), sampleJobId);
    }

    /** Close the apps, then the broker, then PostgreSQL; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        out.println("\njobfleet: stopping the apps, then Kafka, then PostgreSQL");
        apps.close();
        if (monitorDataSource != null) {
            monitorDataSource.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        out.println("jobfleet: stopped");
        closed.countDown();
    }

    /** The broker child, or null when Kafka came from SPRING_KAFKA_BOOTSTRAP_SERVERS. */
    KafkaBroker broker() {
        return broker;
    }

    Path logFile() {
        return options.directory().toAbsolutePath().resolve("logs").resolve("fleet.log");
    }

    private String startDatabase() {
        String url = env.get("SPRING_DATASOURCE_URL");
        long t0 = System.nanoTime();
        if (url == null || url.isBlank()) {
            postgres = LocalPostgres.builder(options.directory().resolve("postgres"))
                    .fresh(true)
                    .shutdownHook(false)
                    .start();
            url = postgres.jdbcUrl();
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(databaseUser());
        config.setPassword(databasePassword());
        config.setMaximumPoolSize(2);
        config.setPoolName("fleet-monitor");
        monitorDataSource = new HikariDataSource(config);
        int applied = Schema.migrate(monitorDataSource);
        repository = new JobRepository(monitorDataSource);
        out.printf(
                "  PostgreSQL  %s  (%s%s, %d migrations applied)%n",
                url,
                postgres == null ? "from SPRING_DATASOURCE_URL" : "embedded, " + postgres.dataDirectory(),
                postgres == null ? "" : ", " + since(t0),
                applied);
        return url;
    }

    private String startKafka() {
        String servers = env.get("SPRING_KAFKA_BOOTSTRAP_SERVERS");
        if (servers != null && !servers.isBlank()) {
            out.printf("  Kafka       %s  (from SPRING_KAFKA_BOOTSTRAP_SERVERS)%n", servers);
            return servers;
        }
        long t0 = System.nanoTime();
        Path dir = options.directory().resolve("kafka");
        try {
            Directories.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty " + dir, e);
        }
        int port = options.kafkaPort();
        broker = KafkaBroker.builder(dir)
                .port(port != 0 && LoopbackPorts.isFree(port) ? port : 0)
                .shutdownHook(false)
                .build();
        broker.start();
        out.printf(
                "  Kafka       %s  (child process %d, log %s, %s)%n",
                broker.bootstrapServers(), broker.pid(), broker.logFile(), since(t0));
        return broker.bootstrapServers();
    }

    private String databaseUser() {
        return postgres != null ? postgres.username() : env.getOrDefault("SPRING_DATASOURCE_USERNAME", "postgres");
    }

    private String databasePassword() {
        return postgres != null ? postgres.password() : env.getOrDefault("SPRING_DATASOURCE_PASSWORD", "");
    }

    private URI producerUri() {
        return URI.create("http://localhost:" + options.producerPort());
    }

    private URI jobsUri() {
        return producerUri().resolve("/jobs");
    }

    private static String since(long startNanos) {
        return String.format("%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }
}
