package dev.jobfleet.infra.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.infra.LocalFleet;
import dev.jobfleet.infra.LocalPostgres;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.store.Schema;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The store alone, no Kafka, no apps: how many jobs per second {@code threads} workers move through
 * {@link JobRepository#claimDue} (batch of n, {@code FOR UPDATE SKIP LOCKED}) and {@link
 * JobRepository#finish} (the batch's outcomes in one statement), on jobs inserted beforehand, for
 * each batch size asked. One row per statement against a hundred is the difference ENVIRONMENT.md
 * measured with pgbench on this machine (~2k jobs/s against tens of thousands).
 *
 * <p>Each batch size gets a fresh database (created on the server, migrated, dropped afterwards).
 * The server is {@code --jdbc-url}'s, or an embedded PostgreSQL 15 started here (zonky's defaults:
 * {@code synchronous_commit=off}).
 *
 * <p>{@code ./mvnw -B -q -pl infra -Pbench exec:exec -Dbench.main=dev.jobfleet.infra.bench.ClaimBenchmark
 * -Dbench.args="--jobs 20000 --threads 4 --batches 100,1"}
 */
public final class ClaimBenchmark {
    static final String USAGE = """
            Usage: ClaimBenchmark [options]
              --jobs N          jobs inserted, then claimed and finished, per batch size (default 20000)
              --threads N       claiming threads, each with its own connection (default 4)
              --batches A,B     claim batch sizes to compare (default 100,1)
              --jdbc-url URL    a server to create the benchmark databases on, e.g.
                                jdbc:postgresql://127.0.0.1:5432/test (default: an embedded PostgreSQL)
              --jdbc-user U     (default postgres)
              --dir PATH        where the embedded PostgreSQL lives (default bench/claim-postgres, in infra/target
                                with -Pbench)
            """;
    private static final String TYPE = "bench.noop";
    private static final int INSERT_CHUNK = 1_000;

    private final PrintStream out;

    private ClaimBenchmark(PrintStream out) {
        this.out = out;
    }

    /** One batch size's outcome. */
    record Result(int batch, int threads, long jobs, long statements, double seconds) {
        double jobsPerSecond() {
            return jobs / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int jobs = 20_000;
        int threads = 4;
        int[] batches = {100, 1};
        String url = null;
        String user = "postgres";
        Path dir = Path.of("bench", "claim-postgres");
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--jobs" -> jobs = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                    case "--threads" -> threads = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                    case "--batches" ->
                        batches = Arrays.stream(
                                        LoadOptions.value(args, ++i, arg).split(","))
                                .mapToInt(b -> LoadOptions.atLeast(1, arg, b))
                                .toArray();
                    case "--jdbc-url" -> url = LoadOptions.value(args, ++i, arg);
                    case "--jdbc-user" -> user = LoadOptions.value(args, ++i, arg);
                    case "--dir" -> dir = Path.of(LoadOptions.value(args, ++i, arg));
                    case "--help", "-h" -> {
                        System.out.print(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option: " + arg);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        LocalFleet.configureLogging(dir);
        LocalPostgres embedded = null;
        if (url == null) {
            embedded = LocalPostgres.builder(dir).fresh(true).start();
            url = embedded.jdbcUrl();
            user = embedded.username();
        }
        try {
            new ClaimBenchmark(System.out).run(url, user, jobs, threads, batches, embedded != null);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private void run(String serverUrl, String user, int jobs, int threads, int[] batches, boolean embedded)
            throws Exception {
        out.printf(
                "claim benchmark: %d jobs per run, %d threads, batches %s, on %s (%s); %d cores, load average %.1f%n",
                jobs,
                threads,
                Arrays.toString(batches),
                serverUrl,
                embedded ? "embedded, synchronous_commit=off" : "synchronous_commit as the server has it",
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        List<Result> results = new ArrayList<>();
        for (int batch : batches) {
            results.add(runOne(serverUrl, user, jobs, threads, batch));
        }
        out.println();
        out.printf("%8s %8s %8s %12s %10s %12s%n", "batch", "threads", "jobs", "statements", "seconds", "jobs/s");
        for (Result r : results) {
            out.printf(
                    "%8d %8d %8d %12d %10.2f %12.0f%n",
                    r.batch(), r.threads(), r.jobs(), r.statements(), r.seconds(), r.jobsPerSecond());
        }
    }

    private Result runOne(String serverUrl, String user, int jobs, int threads, int batch) throws Exception {
        String name = "jobfleet_bench_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        execute(serverUrl, user, "CREATE DATABASE " + name);
        String url = serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1) + name;
        try (HikariDataSource ds = pool(url, user, threads + 1)) {
            Schema.migrate(ds);
            JobRepository repository = new JobRepository(ds);
            long t0 = System.nanoTime();
            insert(repository, jobs);
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE jobs");
            }
            out.printf(
                    "batch %d: %d pending jobs inserted in %.1f s; claiming with %d threads...%n",
                    batch, jobs, (System.nanoTime() - t0) / 1e9, threads);

            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<long[]>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                String owner = "bench-" + t;
                done.add(pool.submit(claimAndFinish(repository, batch, owner)));
            }
            long claimed = 0;
            long statements = 0;
            for (Future<long[]> f : done) {
                long[] r = f.get();
                claimed += r[0];
                statements += r[1];
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            Result result = new Result(batch, threads, claimed, statements, seconds);
            out.printf(
                    "batch %d: %d jobs claimed and finished in %.2f s: %.0f jobs/s (%d statements)%n",
                    batch, claimed, seconds, result.jobsPerSecond(), statements);
            if (claimed != jobs) {
                throw new IllegalStateException(
                        "claimed " + claimed + " of " + jobs + " jobs: a job was claimed twice or lost");
            }
            return result;
        } finally {
            execute(serverUrl, user, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** Claim up to {@code batch} jobs, finish them all in one statement, until nothing is left; [jobs, statements]. */
    private static Callable<long[]> claimAndFinish(JobRepository repository, int batch, String owner) {
        return () -> {
            long jobs = 0;
            long statements = 0;
            while (true) {
                List<Claim> claims = repository.claimDue(List.of(TYPE), batch, owner, Duration.ofMinutes(5));
                statements++;
                if (claims.isEmpty()) {
                    return new long[] {jobs, statements};
                }
                List<RunOutcome> outcomes = claims.stream()
                        .map(c -> RunOutcome.succeeded(c.job().id(), c.token()))
                        .toList();
                int finished = repository.finish(outcomes, owner).size();
                statements++;
                if (finished != claims.size()) {
                    throw new IllegalStateException(
                            owner + " finished " + finished + " of its " + claims.size() + " claims");
                }
                jobs += finished;
            }
        };
    }

    /** Pending jobs, a thousand per statement (the worker's Kafka-first insert: no outbox rows). */
    private static void insert(JobRepository repository, int jobs) {
        List<JobEvent> chunk = new ArrayList<>(INSERT_CHUNK);
        for (int i = 0; i < jobs; i++) {
            chunk.add(new JobEvent(
                    JobIds.next(), TYPE, JsonNodeFactory.instance.objectNode(), null, null, null, null, null));
            if (chunk.size() == INSERT_CHUNK || i == jobs - 1) {
                repository.insertMissing(chunk, "bench");
                chunk.clear();
            }
        }
    }

    private static HikariDataSource pool(String url, String user, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setMaximumPoolSize(size);
        config.setPoolName("claim-bench");
        return new HikariDataSource(config);
    }

    private static void execute(String url, String user, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, null);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
