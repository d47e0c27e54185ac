package dev.jobfleet.infra;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.containers.BackendChoice;
import dev.jobfleet.containers.Backends;
import dev.jobfleet.containers.ContainerMode;
import dev.jobfleet.containers.Containers;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.producer.ProducerApplication;
import dev.jobfleet.producer.security.ApiTokens;
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
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The embedded local default: the whole fleet in one command, with nothing installed but a JDK.
 *
 * <ol>
 *   <li>PostgreSQL: {@code SPRING_DATASOURCE_URL} (with {@code SPRING_DATASOURCE_USERNAME} and
 *       {@code _PASSWORD}) if set, otherwise an embedded server in {@code .jobfleet/postgres} (with
 *       {@code --containers} and a Docker engine that answers: a PostgreSQL container); migrated
 *       with {@link Schema#migrate}.
 *   <li>Kafka: {@code SPRING_KAFKA_BOOTSTRAP_SERVERS} if set, otherwise a {@link KafkaBroker} child
 *       process in {@code .jobfleet/kafka} (with {@code --containers} and Docker: a Kafka container).
 *   <li>In this JVM: the producer on {@code SERVER_PORT} (8080) and workers {@code worker-1},
 *       {@code worker-2} (two unless {@code --workers} says otherwise) on the next ports (8081,
 *       8082, ...); their actuators on {@code MANAGEMENT_SERVER_PORT} (9080) and the next ones. The
 *       apps connect as {@code jobfleet_app} (DML only) and validate the schema as {@code
 *       jobfleet_owner}. An operator API token is made for the run; the producer gets only its hash,
 *       the console shows the token.
 *   <li>Once the workers' consumer group is stable (every worker a member, every partition of the
 *       jobs topic assigned): a demo batch through the producer's {@code POST /jobs:batch}, with
 *       progress from the database, then the outcome: the submit rate, jobs/s from the first submit
 *       to the last terminal job, counts per state, overlapping executions (must be 0).
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
    private volatile PostgreSQLContainer postgresContainer;
    private volatile KafkaContainer kafkaContainer;
    private volatile boolean useContainers;
    private volatile FleetApps.Backends backends;
    private HikariDataSource monitorDataSource;
    private JobRepository repository;
    private String sampleJobId;
    /** Settings of the embedded PostgreSQL over zonky's defaults ({@link #postgresSetting}). */
    private final Map<String, String> postgresSettings = new LinkedHashMap<>();
    /** This run's operator token: printed once, the producer knows its hash only. */
    private final String token = ApiTokens.generate();

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
                        options.managementPort(),
                        options.workers(),
                        options.workerProperties(),
                        false,
                        options.containers()),
                env,
                out);
    }

    /**
     * Where the started fleet's parts are.
     *
     * @param jdbcUrl the database the apps use, with {@code username} and {@code password} of a
     *     role that may read every table (the one the fleet migrated it with)
     * @param bootstrapServers the Kafka the apps use
     * @param producer the producer's base URI
     * @param workers the workers' actuator base URIs (metrics)
     * @param token an operator API token the producer accepts
     */
    public record Endpoints(
            String jdbcUrl,
            String username,
            String password,
            String bootstrapServers,
            URI producer,
            List<URI> workers,
            String token) {}

    /**
     * A setting of the embedded PostgreSQL (not of a configured or container one), before {@link
     * #start()}: the benchmark asks for {@code synchronous_commit=on} and {@code pg_stat_statements}.
     */
    public LocalFleet postgresSetting(String name, String value) {
        postgresSettings.put(name, value);
        return this;
    }

    /** Where the parts are; only after {@link #start()}. */
    public Endpoints endpoints() {
        if (backends == null) {
            throw new IllegalStateException("the fleet is not started");
        }
        List<URI> workers = apps.running().stream()
                .filter(app -> app.name().startsWith("worker"))
                .map(app -> URI.create("http://localhost:" + app.managementPort()))
                .toList();
        return new Endpoints(
                backends.jdbcUrl(),
                migrationUser(),
                migrationPassword(),
                backends.bootstrapServers(),
                producerUri(),
                workers,
                token);
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
        useContainers = chooseContainers();
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
        backends = new FleetApps.Backends(
                jdbcUrl,
                appUser(),
                appPassword(),
                postgres != null ? OWNER_ROLE : migrationUser(),
                postgres != null ? "" : migrationPassword(),
                bootstrapServers,
                logFile());

        long t0 = System.nanoTime();
        FleetApps.Running producer = apps.start(
                "producer",
                ProducerApplication.class,
                options.producerPort(),
                options.managementPort(),
                backends,
                producerProperties());
        out.printf(
                "  producer    http://localhost:%d  (actuator :%d, %s)%n",
                producer.port(), producer.managementPort(), since(t0));
        for (int i = 0; i < options.workers(); i++) {
            String id = "worker-" + (i + 1);
            long t = System.nanoTime();
            FleetApps.Running worker = apps.start(
                    id,
                    WorkerApplication.class,
                    next(options.producerPort(), i + 1),
                    next(options.managementPort(), i + 1),
                    backends,
                    workerProperties(id));
            out.printf(
                    "  %-10s  http://localhost:%d  (actuator :%d, %s)%n",
                    id, worker.port(), worker.managementPort(), since(t));
        }
        out.println("  logs        " + logFile());
        out.println("  token       " + token + "  (operator; the producer keeps only its hash)");
    }

    /** The port {@code n} after {@code base}; 0 (any free port) stays 0. */
    private static int next(int base, int n) {
        return base == 0 ? 0 : base + n;
    }

    /** The producer accepts this run's token as an operator's: its hash, by name {@code fleet}. */
    private Map<String, String> producerProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("jobfleet.security.tokens.fleet.role", "operator");
        properties.put("jobfleet.security.tokens.fleet.hash", ApiTokens.hash(token));
        return properties;
    }

    /** This run's operator token. */
    public String token() {
        return token;
    }

    /**
     * With {@code --containers}: containers when a Docker engine answers, the local parts when none
     * does, said in one line either way. Without it: the local parts, without asking Docker.
     */
    private boolean chooseContainers() {
        if (!options.containers()) {
            return false;
        }
        boolean containers = BackendChoice.decide(ContainerMode.AUTO, Backends::dockerAvailable)
                .containers();
        out.println(
                containers
                        ? "  containers  a Docker engine answers: Kafka and PostgreSQL run in containers"
                        : "  containers  no Docker engine answers: the broker from the Kafka jars and embedded"
                                + " PostgreSQL instead");
        return containers;
    }

    /**
     * {@code jobfleet.worker.id}, and no OpenAPI endpoints: springdoc is on the shared classpath for
     * the producer's sake, a worker in its own JVM would not have it. {@code --worker-property}
     * settings go over these.
     */
    /** Spring Security's auto-configurations, which a worker started beside the producer must not get. */
    private static final List<String> WORKER_EXCLUDED_SECURITY = List.of(
            "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
            "org.springframework.boot.security.oauth2.server.resource.autoconfigure.web.OAuth2ResourceServerWebSecurityAutoConfiguration",
            "org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerAutoConfiguration");

    private Map<String, String> workerProperties(String id) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("jobfleet.worker.id", id);
        properties.put("springdoc.api-docs.enabled", "false");
        properties.put("springdoc.swagger-ui.enabled", "false");
        // the producer's Spring Security is on this JVM's classpath; a worker has no users or tokens,
        // and with it Boot would put its actuator (Prometheus included) behind a generated password
        properties.put("spring.autoconfigure.exclude", String.join(",", WORKER_EXCLUDED_SECURITY));
        properties.putAll(options.workerProperties());
        return properties;
    }

    /** How long the demo waits for the workers' consumer group to settle before it gives up. */
    static final Duration WORKER_GROUP_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Wait until the workers' consumer group is stable, then submit the demo batch through {@code
     * POST /jobs:batch} and watch it; true if every job ended as expected.
     */
    boolean runDemo() throws InterruptedException {
        List<DemoBatch.Job> jobs = DemoBatch.plan(options.jobs());
        if (!awaitWorkerGroup()) {
            return false;
        }
        out.printf(
                "demo: submitting %d jobs (%s) to POST %s, %d per request, %d requests in flight%n",
                jobs.size(), DemoBatch.describe(jobs), batchUri(), DemoBatch.CHUNK, DemoBatch.IN_FLIGHT);
        DemoMonitor monitor = new DemoMonitor(repository, out);
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger expected = new AtomicInteger(-1);
        long start = System.nanoTime();
        CompletableFuture<DemoBatch.Submitted> submission = CompletableFuture.supplyAsync(() -> {
            try {
                return DemoBatch.submit(http, batchUri(), token, jobs, DemoBatch.CHUNK, answered);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
        submission.whenComplete((s, e) -> expected.set(s == null ? 0 : s.accepted()));

        DemoMonitor.Outcome outcome =
                monitor.watch(start, jobs.size(), answered::get, expected::get, options.demoTimeout());
        DemoBatch.Submitted submitted = submission.join();
        sampleJobId = submitted.sampleId();
        return report(jobs.size(), submitted, outcome);
    }

    /**
     * Wait until every worker is a member of the workers' consumer group and between them they hold
     * every partition of the jobs topic, so that the demo measures the fleet and not its first
     * rebalance; false (said why) when that does not happen within {@link #WORKER_GROUP_TIMEOUT}.
     */
    private boolean awaitWorkerGroup() throws InterruptedException {
        String group = workerGroupId();
        out.printf(
                "%ndemo: waiting for the workers' consumer group %s to hold every partition of %s%n",
                group, Topics.JOBS);
        long t0 = System.nanoTime();
        try {
            WorkerGroup.Seen seen = WorkerGroup.awaitStable(
                    backends.bootstrapServers(), group, Topics.JOBS, options.workers(), WORKER_GROUP_TIMEOUT);
            out.printf(
                    "demo: the workers' group is stable: %d members hold the %d partitions of %s (%s)%n",
                    seen.members(), seen.partitions(), Topics.JOBS, since(t0));
            return true;
        } catch (IllegalStateException e) {
            out.println("demo: NOT OK, " + e.getMessage());
            return false;
        }
    }

    /** The workers' {@code jobfleet.worker.group-id} (their default unless a --worker-property sets it). */
    private String workerGroupId() {
        List<String> groups = apps.running().stream()
                .filter(app -> app.name().startsWith("worker"))
                .map(app -> app.context().getEnvironment().getProperty("jobfleet.worker.group-id"))
                .distinct()
                .toList();
        if (groups.size() != 1 || groups.get(0) == null) {
            throw new IllegalStateException("the workers do not name one consumer group: " + groups);
        }
        return groups.get(0);
    }

    /** Print the demo's outcome; true if every job ended as expected. */
    boolean report(int planned, DemoBatch.Submitted submitted, DemoMonitor.Outcome outcome) {
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
                "demo: submitted %d jobs in %d requests to POST /jobs:batch in %.2f s (%.0f jobs/s accepted)%n",
                submitted.accepted(), submitted.requests(), submitted.nanos() / 1e9, submitted.acceptedPerSecond());
        out.printf(
                "demo: %d of %d accepted jobs terminal %.2f s after the first submit (%.0f jobs/s end to end,"
                        + " peak %d jobs/s in one second)%n",
                s.terminal(),
                submitted.accepted(),
                seconds,
                s.terminal() / Math.max(seconds, 0.001),
                outcome.peakPerSecond());
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
                .map(app -> URI.create("http://localhost:" + app.managementPort()))
                .toList();
        URI producerManagement = apps.running().stream()
                .filter(app -> app.name().equals("producer"))
                .map(app -> URI.create("http://localhost:" + app.managementPort()))
                .findFirst()
                .orElseThrow();
        CurlHints.print(
                out,
                producerUri(),
                producerManagement,
                workers,
                token,
                CurlHints.discover(http, producerUri()),
                sampleJobId);
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
        if (kafkaContainer != null) {
            kafkaContainer.stop();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (postgresContainer != null) {
            postgresContainer.stop();
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
        if ((url == null || url.isBlank()) && useContainers) {
            PostgreSQLContainer container = Containers.newPostgres();
            container.start();
            postgresContainer = container;
            url = Containers.jdbcUrl(container, "postgres");
        } else if (url == null || url.isBlank()) {
            LocalPostgres.Builder builder =
                    LocalPostgres.builder(options.directory().resolve("postgres"));
            postgresSettings.forEach(builder::setting);
            postgres = builder.fresh(true).shutdownHook(false).start();
            url = postgres.jdbcUrl();
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(migrationUser());
        config.setPassword(migrationPassword());
        config.setMaximumPoolSize(2);
        config.setPoolName("fleet-monitor");
        monitorDataSource = new HikariDataSource(config);
        int applied = Schema.migrate(monitorDataSource);
        if (postgresContainer != null) {
            // the container asks every TCP client for a password; V6 made the app role without one
            org.springframework.jdbc.core.simple.JdbcClient.create(monitorDataSource)
                    .sql("ALTER ROLE " + APP_ROLE + " WITH LOGIN PASSWORD '" + containerAppPassword + "'")
                    .update();
        }
        repository = new JobRepository(monitorDataSource);
        out.printf(
                "  PostgreSQL  %s  (%s%s, %d migrations applied)%n",
                url,
                postgresContainer != null
                        ? "container " + Containers.POSTGRES_IMAGE
                        : postgres == null ? "from SPRING_DATASOURCE_URL" : "embedded, " + postgres.dataDirectory(),
                postgres == null && postgresContainer == null ? "" : ", " + since(t0),
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
        if (useContainers) {
            kafkaContainer = Containers.startedKafka();
            out.printf(
                    "  Kafka       %s  (container %s, %s)%n",
                    kafkaContainer.getBootstrapServers(), Containers.KAFKA_IMAGE, since(t0));
            return kafkaContainer.getBootstrapServers();
        }
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

    /** The role the apps run as (V6 grants it DML only). */
    static final String APP_ROLE = "jobfleet_app";

    /** The role that owns the schema. */
    static final String OWNER_ROLE = "jobfleet_owner";

    /** The app role's password in a PostgreSQL container, which asks for one; set after the migration. */
    private final String containerAppPassword = java.util.UUID.randomUUID().toString();

    /**
     * Who migrates the schema (and reads it for the demo's progress): the embedded server's or the
     * container's superuser, whose first run of V6 creates the two roles; for your own database
     * {@code SPRING_FLYWAY_USER} (default {@code postgres}), which the apps then use to validate it too.
     */
    private String migrationUser() {
        if (postgresContainer != null) {
            return postgresContainer.getUsername();
        }
        return postgres != null ? postgres.username() : env.getOrDefault("SPRING_FLYWAY_USER", "postgres");
    }

    private String migrationPassword() {
        if (postgresContainer != null) {
            return postgresContainer.getPassword();
        }
        return postgres != null ? postgres.password() : env.getOrDefault("SPRING_FLYWAY_PASSWORD", "");
    }

    /** The apps' role: {@code jobfleet_app}, or {@code SPRING_DATASOURCE_USERNAME} for your own database. */
    private String appUser() {
        return postgres != null || postgresContainer != null
                ? APP_ROLE
                : env.getOrDefault("SPRING_DATASOURCE_USERNAME", APP_ROLE);
    }

    private String appPassword() {
        if (postgresContainer != null) {
            return containerAppPassword;
        }
        return postgres != null ? "" : env.getOrDefault("SPRING_DATASOURCE_PASSWORD", "");
    }

    /** The producer's address: the port it listens on (also when it was asked for any free one, 0). */
    private URI producerUri() {
        int port = apps.running().stream()
                .filter(app -> app.name().equals("producer"))
                .mapToInt(FleetApps.Running::port)
                .findFirst()
                .orElse(options.producerPort());
        return URI.create("http://localhost:" + port);
    }

    private URI batchUri() {
        return producerUri().resolve("/jobs:batch");
    }

    private static String since(long startNanos) {
        return String.format("%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }
}
