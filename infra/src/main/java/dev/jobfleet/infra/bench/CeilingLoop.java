package dev.jobfleet.infra.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.store.Schema;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The database's own limit for the Kafka-first path: the statements a worker runs for a batch of
 * events ({@link JobRepository#insertAndClaim}, {@link JobRepository#claim} for what it left, {@link
 * JobRepository#finishRuns}) in a tight loop on {@code threads} connections, no Kafka, no handler,
 * no audit. On a fresh database of the same server, dropped afterwards.
 */
final class CeilingLoop {
    private static final String TYPE = "bench.noop";

    private CeilingLoop() {}

    static FleetBenchmark.Ceiling run(
            String serverUrl, String user, String password, int jobs, int threads, int batch, PrintStream out) {
        String name = "jobfleet_ceiling_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        out.printf(
                "%nbench: ceiling: %d jobs, %d threads x %d jobs per statement (insert, claim, finish),"
                        + " database %s on the same server; load average %s%n",
                jobs, threads, batch, name, BenchReport.loadAverage());
        try {
            execute(serverUrl, user, password, "CREATE DATABASE " + name);
        } catch (SQLException e) {
            out.println("bench: ceiling skipped: " + e.getMessage());
            return new FleetBenchmark.Ceiling(threads, batch, 0, 1, BenchReport.loadAverage(), e.getMessage());
        }
        String url = serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1) + name;
        try (HikariDataSource ds = FleetBenchmark.pool(url, user, password, threads + 1, "ceiling")) {
            Schema.migrate(ds);
            JobRepository repository = new JobRepository(ds);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                return drain(repository, jobs, threads, batch, pool, out);
            } finally {
                // also when a statement failed: the loop's threads must not keep the JVM alive
                pool.shutdownNow();
            }
        } catch (Exception e) {
            out.println("bench: ceiling failed: " + e);
            return new FleetBenchmark.Ceiling(threads, batch, 0, 1, BenchReport.loadAverage(), e.toString());
        } finally {
            try {
                execute(serverUrl, user, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (SQLException e) {
                out.println("bench: could not drop " + name + ": " + e.getMessage());
            }
        }
    }

    private static FleetBenchmark.Ceiling drain(
            JobRepository repository, int jobs, int threads, int batch, ExecutorService pool, PrintStream out)
            throws Exception {
        AtomicLong left = new AtomicLong(jobs);
        AtomicLong done = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            String owner = "ceiling-" + t;
            futures.add(pool.submit(() -> {
                while (true) {
                    long n = Math.min(batch, left.getAndAdd(-batch));
                    if (n <= 0) {
                        return null;
                    }
                    List<JobEvent> events = new ArrayList<>((int) n);
                    List<UUID> ids = new ArrayList<>((int) n);
                    for (int i = 0; i < n; i++) {
                        UUID id = JobIds.next();
                        ids.add(id);
                        events.add(new JobEvent(
                                id, TYPE, JsonNodeFactory.instance.objectNode(), null, null, null, null, null));
                    }
                    List<Claim> claims = new ArrayList<>(
                            repository.insertAndClaim(events, Set.of(TYPE), owner, Duration.ofMinutes(5), owner));
                    if (claims.size() < n) {
                        // as the intake: what the first statement did not claim, by id
                        Set<UUID> rest = new java.util.HashSet<>(ids);
                        claims.forEach(c -> rest.remove(c.jobId()));
                        claims.addAll(repository.claim(rest, Set.of(TYPE), owner, Duration.ofMinutes(5)));
                    }
                    List<RunOutcome> outcomes = claims.stream()
                            .map(c -> RunOutcome.succeeded(c.jobId(), c.token()))
                            .toList();
                    int finished = repository.finishRuns(outcomes, owner).size();
                    if (finished != n) {
                        throw new IllegalStateException(owner + " finished " + finished + " of " + n);
                    }
                    done.addAndGet(finished);
                }
            }));
        }
        long lastPrint = System.nanoTime();
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get(1, java.util.concurrent.TimeUnit.SECONDS);
                    break;
                } catch (java.util.concurrent.TimeoutException stillRunning) {
                    if (System.nanoTime() - lastPrint >= 1_000_000_000L) {
                        out.printf(
                                "  [%6.1fs] ceiling: %d/%d done%n",
                                (System.nanoTime() - start) / 1e9, done.get(), jobs);
                        lastPrint = System.nanoTime();
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        FleetBenchmark.Ceiling ceiling =
                new FleetBenchmark.Ceiling(threads, batch, done.get(), seconds, BenchReport.loadAverage(), null);
        out.printf("bench: ceiling: %d jobs in %.2f s = %.0f jobs/s%n", done.get(), seconds, ceiling.jobsPerSecond());
        return ceiling;
    }

    private static void execute(String url, String user, String password, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
