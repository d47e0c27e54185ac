package dev.jobfleet.infra.chaos;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.infra.KafkaBroker;
import dev.jobfleet.infra.LocalPostgres;
import dev.jobfleet.producer.security.ApiTokens;
import dev.jobfleet.store.Schema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The fleet under test, every part a process of its own: a PostgreSQL server and a Kafka broker
 * owned by the harness (data in {@code directory}), the producer and {@value #WORKERS} workers
 * started from their executable jars. Settings that make faults show within seconds: a 3 s lease
 * (heartbeat every second), the reaper every 500 ms, the poller every 250 ms, short backoffs; two
 * handlers per worker, so that the handlers, not the CPU, bound the throughput.
 *
 * <p>The harness connects as the superuser (its {@link #admin()} pool); the apps connect as {@code
 * jobfleet_app}, so their sessions are the ones named by that user in {@code pg_stat_activity}.
 */
final class ChaosFleet implements AutoCloseable {
    static final int WORKERS = 3;
    static final String APP_ROLE = "jobfleet_app";
    static final String OWNER_ROLE = "jobfleet_owner";
    /** Runs per worker at once; with demo.sleep of {@link LoadDriver#SLEEP_MS} the fleet's ceiling. */
    static final int CONCURRENCY = 2;

    private final Path directory;
    private final Path producerJar;
    private final Path workerJar;
    private final String token = ApiTokens.generate();
    private final int postgresPort = freePort();
    private LocalPostgres postgres;
    private KafkaBroker broker;
    private HikariDataSource admin;
    private AppProcess producer;
    private int producerPort;
    private final List<AppProcess> workers = new ArrayList<>();
    /** The JDBC URL each worker uses, by index: the server's own, or a proxy in front of it. */
    private final Map<Integer, String> workerJdbcUrls = new LinkedHashMap<>();
    /** Between the last worker and PostgreSQL: the network partition cuts it. */
    private TcpProxy proxy;
    /** Set by the partition scenario: whose end writes waited out a cut, and when it healed. */
    private volatile Partition partition;

    /** A cut the partition scenario made: the worker cut off, and when the link was healed (epoch ms). */
    record Partition(String worker, long healedMillis) {}

    ChaosFleet(Path directory, Path producerJar, Path workerJar) {
        this.directory = directory.toAbsolutePath();
        this.producerJar = requireJar(producerJar);
        this.workerJar = requireJar(workerJar);
    }

    /**
     * Start PostgreSQL and the broker (side by side), migrate, then the producer and the workers; the
     * last worker reaches PostgreSQL through a {@link TcpProxy} the harness controls.
     */
    void start() {
        CompletableFuture<KafkaBroker> kafka = CompletableFuture.supplyAsync(() ->
                KafkaBroker.builder(directory.resolve("kafka")).partitions(6).start());
        postgres = startPostgres();
        broker = kafka.join();
        admin = adminPool();
        Schema.migrate(admin);
        durableCommits();

        producerPort = freePort();
        Map<String, String> p = common("producer");
        p.put("server.port", Integer.toString(producerPort));
        p.put("jobfleet.security.tokens.chaos.role", "operator");
        p.put("jobfleet.security.tokens.chaos.hash", ApiTokens.hash(token));
        p.put("spring.datasource.url", postgresJdbcUrl());
        producer =
                new AppProcess("producer", producerJar, p, Integer.parseInt(p.get("management.server.port")), logs());
        producer.launch();
        proxy = new TcpProxy(postgresPort);
        for (int i = 1; i <= WORKERS; i++) {
            String name = "worker-" + i;
            Map<String, String> w = common(name);
            String url = i == WORKERS
                    ? "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + LocalPostgres.DATABASE
                    : postgresJdbcUrl();
            workerJdbcUrls.put(i, url);
            w.put("server.port", Integer.toString(freePort()));
            w.put("spring.datasource.url", url);
            w.put("jobfleet.worker.id", name);
            w.put("jobfleet.worker.concurrency", Integer.toString(CONCURRENCY));
            w.put("jobfleet.worker.lease", "3s");
            w.put("jobfleet.worker.poll-interval", "250ms");
            w.put("jobfleet.worker.reaper-interval", "500ms");
            w.put("jobfleet.worker.retry-promoter-interval", "250ms");
            w.put("jobfleet.worker.backoff.base", "50ms");
            w.put("jobfleet.worker.backoff.max", "200ms");
            w.put("jobfleet.worker.max-poll-records", "50");
            w.put("jobfleet.worker.queue-metrics-interval", "1s");
            w.put("jobfleet.worker.shutdown-grace", "5s");
            w.put("jobfleet.worker.max-rescues", "50");
            // Kafka's 45 s default holds every worker's intake that long after a kill (docs/chaos.md, findings)
            w.put("spring.kafka.consumer.properties[session.timeout.ms]", "10000");
            w.put("spring.kafka.consumer.properties[heartbeat.interval.ms]", "3000");
            w.put("springdoc.api-docs.enabled", "false");
            w.put("springdoc.swagger-ui.enabled", "false");
            AppProcess worker =
                    new AppProcess(name, workerJar, w, Integer.parseInt(w.get("management.server.port")), logs());
            worker.launch();
            workers.add(worker);
        }
        producer.awaitReady();
        workers.forEach(AppProcess::awaitReady);
    }

    private Map<String, String> common(String name) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("spring.application.name", name);
        s.put("management.server.port", Integer.toString(freePort()));
        s.put("spring.datasource.username", APP_ROLE);
        s.put("spring.datasource.password", "");
        s.put("spring.flyway.user", OWNER_ROLE);
        s.put("spring.flyway.password", "");
        s.put("spring.datasource.hikari.maximum-pool-size", "6");
        // a pool that cannot connect answers within 2 s instead of holding a request for 30
        s.put("spring.datasource.hikari.connection-timeout", "2000");
        s.put("spring.kafka.bootstrap-servers", broker.bootstrapServers());
        s.put("spring.kafka.client-id", name);
        s.put("logging.file.name", logs().resolve(name + ".app.log").toString());
        s.put("logging.level.root", "WARN");
        s.put("logging.level.dev.jobfleet", "INFO");
        return s;
    }

    /**
     * zonky starts the embedded server with {@code synchronous_commit=off} on its command line: a
     * crash (the immediate stop of the database-restart scenario) then loses the last commits,
     * jobs the producer had answered 201 for (3 in the first full run). The database's own setting
     * wins over the command line for every session opened after it; checked from the app's role.
     */
    private void durableCommits() {
        org.springframework.jdbc.core.simple.JdbcClient.create(admin)
                .sql("ALTER DATABASE " + LocalPostgres.DATABASE + " SET synchronous_commit = on")
                .update();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(postgresJdbcUrl(), APP_ROLE, "");
                java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            if (!rs.getString(1).equals("on")) {
                throw new IllegalStateException("the apps' sessions run with synchronous_commit=" + rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot check the apps' synchronous_commit", e);
        }
    }

    private LocalPostgres startPostgres() {
        return LocalPostgres.builder(directory.resolve("postgres"))
                .port(postgresPort)
                .start();
    }

    /** Stop PostgreSQL with a fast shutdown (every session cut, a checkpoint written). */
    void stopPostgresFast() {
        postgres.close();
    }

    /**
     * Stop PostgreSQL with an immediate shutdown: SIGQUIT to the postmaster (what {@code pg_ctl -m
     * immediate} sends), which ends every backend at once, without a checkpoint; the next start runs
     * crash recovery. Returns the postmaster's pid, gone when this returns.
     */
    long stopPostgresImmediate() {
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(postgres.dataDirectory().resolve("postmaster.pid"))
                    .getFirst()
                    .strip());
        } catch (IOException e) {
            throw new UncheckedIOException("no postmaster.pid: is PostgreSQL running?", e);
        }
        ProcessHandle postmaster =
                ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no postmaster with pid " + pid));
        Chaos.run(List.of("kill", "-QUIT", Long.toString(pid)));
        try {
            postmaster.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the postmaster " + pid + " did not exit within 30 s of SIGQUIT", e);
        }
        // the zonky handle still thinks its server runs: closing it stops a stopped server
        try {
            postgres.close();
        } catch (RuntimeException alreadyStopped) {
            System.out.println("chaos: closing the stopped server's handle: " + alreadyStopped.getMessage());
        }
        return pid;
    }

    void startPostgresAgain() {
        postgres = startPostgres();
    }

    int postgresPort() {
        return postgresPort;
    }

    String postgresJdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/" + LocalPostgres.DATABASE;
    }

    /** The proxy between the last worker ({@code worker-3}) and PostgreSQL. */
    TcpProxy proxy() {
        return proxy;
    }

    AppProcess proxiedWorker() {
        return workers.getLast();
    }

    void partitioned(Partition p) {
        this.partition = p;
    }

    /** The partition of the scenario that just ran, if any, forgotten once read. */
    Partition takePartition() {
        Partition p = partition;
        partition = null;
        return p;
    }

    KafkaBroker broker() {
        return broker;
    }

    /** The harness's own pool, as the superuser: audits, samples and faults. */
    HikariDataSource admin() {
        return admin;
    }

    URI producer() {
        return URI.create("http://127.0.0.1:" + producerPort);
    }

    String token() {
        return token;
    }

    List<AppProcess> workers() {
        return List.copyOf(workers);
    }

    Path directory() {
        return directory;
    }

    private Path logs() {
        return directory.resolve("logs");
    }

    private HikariDataSource adminPool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgresJdbcUrl());
        config.setUsername(LocalPostgres.USER);
        config.setPassword("");
        config.setMaximumPoolSize(6);
        config.setConnectionTimeout(2_000);
        config.setPoolName("chaos-admin");
        return new HikariDataSource(config);
    }

    @Override
    public void close() {
        for (AppProcess w : workers) {
            w.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (RuntimeException e) {
                System.err.println("chaos: could not stop PostgreSQL: " + e);
            }
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path requireJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " is missing: build the apps first (./mvnw -B -q install -DskipTests)");
        }
        return jar;
    }
}
