package dev.jobfleet.infra.bench;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Topics;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import tools.jackson.databind.JsonNode;

/**
 * The soak: a fixed arrival rate for a long time against a fleet whose retention deletes finished
 * jobs a minute after they end, so the tables should stay the same size however long it runs.
 * Every {@value #WINDOW_SECONDS} s it samples throughput (from the workers' committed offsets, not
 * the database), table and index sizes, live rows and deletes ({@code pg_stat_user_tables}), and
 * the benchmark JVM's heap after its last collection (the producer and the workers run in it);
 * the jobs of each {@value #WINDOW_SECONDS}-s window carry their own tag and are checked, latency
 * and exactly-once, {@value #CHECK_LAG_WINDOWS} windows later (again at each sample while some have
 * not ended, up to {@value #MAX_CHECK_LAG_WINDOWS} windows later), before retention takes them.
 */
final class SoakRun {
    static final int WINDOW_SECONDS = 10;
    static final int CHECK_LAG_WINDOWS = 2;
    /**
     * The last chance for a window's check: its first jobs ended about this many windows ago, and
     * retention (at least {@code --soak-retention} 60 s) has not taken them yet.
     */
    static final int MAX_CHECK_LAG_WINDOWS = 4;

    /**
     * One sample.
     *
     * @param t seconds since the soak started
     * @param jobsPerSecond records settled by the workers in the last window, per second
     * @param p99Ms p99 submit->done of the windows whose check passed at this sample; NaN when none did
     * @param liveJobs live rows of {@code jobs}
     * @param deletedJobs rows deleted from {@code jobs} since the fleet started (retention)
     * @param jobsMb {@code jobs} with its indexes and TOAST
     * @param jobsIndexesMb {@code jobs}' indexes alone
     * @param historyMb {@code job_history} with its indexes
     * @param auditMb {@code demo_execution} with its indexes
     * @param heapAfterGcMb heap in use after the last collection, over all heap pools
     * @param waits the database's active client backends in the window by wait event, sampled
     *     every {@value #WAIT_SAMPLE_MILLIS} ms, as shares of the samples (largest first, up to 3)
     * @param autovacuums autovacuum runs on the hot tables that ended in the window
     * @param vacuuming the hot tables a vacuum was working on at the sample, with its phase
     */
    record Sample(
            double t,
            double jobsPerSecond,
            double p99Ms,
            long liveJobs,
            long deletedJobs,
            double jobsMb,
            double jobsIndexesMb,
            double historyMb,
            double auditMb,
            double heapAfterGcMb,
            String waits,
            long autovacuums,
            String vacuuming) {}

    /** How often the soak samples the database's wait events (to explain stalls). */
    static final long WAIT_SAMPLE_MILLIS = 100;

    /** The tables every job churns, whose vacuums the soak watches. */
    private static final String HOT_TABLES =
            "'jobs', 'job_history', 'demo_execution', 'outbox', 'job_count_delta', 'concurrency_slot'";

    /**
     * The soak's outcome.
     *
     * @param windows windows whose jobs were all found ended and exactly once
     * @param problems windows that were not, and why
     */
    record Result(
            int rate,
            int seconds,
            int workers,
            Duration retention,
            long submitted,
            Histogram done,
            List<Sample> samples,
            int windows,
            List<String> problems,
            String load) {
        boolean ok() {
            return problems.isEmpty() && windows > 0;
        }
    }

    private final DataSource db;
    private final RunProbe probe;
    private final String bootstrapServers;
    private final PrintStream out;

    SoakRun(DataSource db, String bootstrapServers, PrintStream out) {
        this.db = db;
        this.probe = new RunProbe(db);
        this.bootstrapServers = bootstrapServers;
        this.out = out;
    }

    Result run(int rate, int seconds, int workers, Duration retention) throws Exception {
        int windows = Math.max(1, seconds / WINDOW_SECONDS);
        List<Map<UUID, Long>> intended = new ArrayList<>();
        List<AtomicLong> acked = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            intended.add(new ConcurrentHashMap<>());
            acked.add(new AtomicLong());
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        Thread submitter = Thread.ofPlatform()
                .name("bench-soak")
                .start(() -> submit(rate, windows, start, intended, acked, failure));
        Histogram done = new Histogram(3_600_000_000L, 3);
        List<Sample> samples = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props);
                RunProbe.WaitSampler waits = probe.new WaitSampler(WAIT_SAMPLE_MILLIS)) {
            Map<String, Long> lastWaits = waits.counts();
            long lastAutovacuums = autovacuums();
            long lastSettled = FleetBenchmark.committed(admin);
            java.util.Deque<Integer> pending = new java.util.ArrayDeque<>();
            int lastWindow = windows + MAX_CHECK_LAG_WINDOWS;
            for (int k = 1; k <= lastWindow; k++) {
                if (k > windows + CHECK_LAG_WINDOWS && pending.isEmpty()) {
                    break;
                }
                long due = start + Duration.ofSeconds((long) k * WINDOW_SECONDS).toNanos();
                while (System.nanoTime() < due) {
                    LockSupport.parkNanos(Math.min(due - System.nanoTime(), 200_000_000L));
                }
                long settled = FleetBenchmark.committed(admin);
                double perSecond = (settled - lastSettled) / (double) WINDOW_SECONDS;
                lastSettled = settled;
                int ready = k - CHECK_LAG_WINDOWS;
                if (ready >= 0 && ready < windows) {
                    pending.addLast(ready);
                }
                // a window is checked from CHECK_LAG windows after it on; one whose jobs have not all ended
                // yet (the fleet fell behind) is checked again at each sample up to MAX_CHECK_LAG, still
                // well before retention can take its first jobs
                Histogram sampleDone = new Histogram(3_600_000_000L, 3);
                for (java.util.Iterator<Integer> it = pending.iterator(); it.hasNext(); ) {
                    int window = it.next();
                    Histogram windowDone = new Histogram(3_600_000_000L, 3);
                    String problem = check(
                            window, intended.get(window), acked.get(window).get(), windowDone);
                    if (problem == null) {
                        checked++;
                        done.add(windowDone);
                        sampleDone.add(windowDone);
                    } else if (k - window >= MAX_CHECK_LAG_WINDOWS) {
                        problems.add(problem + " (" + (k - window) * WINDOW_SECONDS + " s after the window began)");
                    } else {
                        continue;
                    }
                    intended.set(window, Map.of());
                    it.remove();
                }
                double p99 = sampleDone.getTotalCount() == 0 ? Double.NaN : sampleDone.getValueAtPercentile(99) / 1e3;
                Map<String, Long> nowWaits = waits.counts();
                long nowAutovacuums = autovacuums();
                Sample sample = sample(
                        k * (double) WINDOW_SECONDS,
                        perSecond,
                        p99,
                        shares(lastWaits, nowWaits),
                        nowAutovacuums - lastAutovacuums);
                lastWaits = nowWaits;
                lastAutovacuums = nowAutovacuums;
                samples.add(sample);
                out.printf(
                        "  [%6.1fs] soak: %.0f jobs/s settled, p99 submit->done %s, jobs %d live / %d deleted,"
                                + " jobs %.1f MB (indexes %.1f), history %.1f MB, audit %.1f MB, heap after GC %.0f MB,"
                                + " load average %s; waits %s; autovacuums %d%s%n",
                        sample.t(),
                        sample.jobsPerSecond(),
                        Double.isNaN(p99) ? "-" : String.format("%.1f ms", p99),
                        sample.liveJobs(),
                        sample.deletedJobs(),
                        sample.jobsMb(),
                        sample.jobsIndexesMb(),
                        sample.historyMb(),
                        sample.auditMb(),
                        sample.heapAfterGcMb(),
                        BenchReport.loadAverage(),
                        sample.waits(),
                        sample.autovacuums(),
                        sample.vacuuming().isEmpty() ? "" : ", vacuuming " + sample.vacuuming());
            }
        }
        submitter.join();
        if (failure.get() != null) {
            problems.add("the submitter failed: " + failure.get());
        }
        long submitted = acked.stream().mapToLong(AtomicLong::get).sum();
        return new Result(
                rate,
                seconds,
                workers,
                retention,
                submitted,
                done,
                samples,
                checked,
                problems,
                BenchReport.loadAverage());
    }

    /** One producer for the whole soak; window {@code w}'s jobs are tagged {@code soak-w}. */
    private void submit(
            int rate,
            int windows,
            long start,
            List<Map<UUID, Long>> intended,
            List<AtomicLong> acked,
            AtomicReference<Throwable> failure) {
        // one payload per window, not one per job
        List<JsonNode> payloads = new ArrayList<>(windows);
        for (int w = 0; w < windows; w++) {
            payloads.add(JobCodec.mapper().createObjectNode().put("bench", "soak-" + w));
        }
        long wallMicros = System.currentTimeMillis() * 1000 - (System.nanoTime() - start) / 1000;
        double nanosPerJob = 1e9 / rate;
        long total = (long) rate * windows * WINDOW_SECONDS;
        try (KafkaProducer<String, byte[]> producer =
                KafkaSubmitter.producer(bootstrapServers, "jobfleet-bench-soak", 0)) {
            for (long slot = 0; slot < total && failure.get() == null; slot++) {
                long at = start + Math.round(slot * nanosPerJob);
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int window = (int) Math.min(windows - 1, (at - start) / 1_000_000_000L / WINDOW_SECONDS);
                UUID id = JobIds.next();
                // latency counts from the schedule, not from when the send happened (no coordinated omission)
                intended.get(window).put(id, wallMicros + (at - start) / 1000);
                JobEvent event =
                        new JobEvent(id, FleetBenchmark.TYPE, payloads.get(window), null, null, null, null, null);
                AtomicLong windowAcked = acked.get(window);
                producer.send(new ProducerRecord<>(Topics.JOBS, id.toString(), JobCodec.encode(event)), (m, e) -> {
                    if (e == null) {
                        windowAcked.incrementAndGet();
                    } else {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Null if every job of the window ended exactly once; else what was wrong. */
    private String check(int window, Map<UUID, Long> sent, long acked, Histogram windowDone) throws SQLException {
        String tag = "soak-" + window;
        RunProbe.Check check = probe.check(tag);
        if (!check.exactlyOnce(acked)) {
            return "window " + window + " (" + acked + " jobs): " + check.describe();
        }
        probe.times(tag, (id, started, finished) -> {
            Long at = sent.get(id);
            if (at != null && !Double.isNaN(finished)) {
                long micros = Math.max(0, Math.round(finished * 1e6) - at);
                windowDone.recordValue(Math.min(micros, windowDone.getHighestTrackableValue()));
            }
        });
        return null;
    }

    private Sample sample(double t, double perSecond, double p99, String waits, long autovacuums) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT pg_total_relation_size('jobs'), pg_indexes_size('jobs'),
                               pg_total_relation_size('job_history'), pg_total_relation_size('demo_execution'),
                               (SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'jobs'),
                               (SELECT n_tup_del FROM pg_stat_user_tables WHERE relname = 'jobs'),
                               (SELECT coalesce(string_agg(v.relid::regclass || ' ' || v.phase, ', '), '')
                                FROM pg_stat_progress_vacuum v WHERE v.datname = current_database())""")) {
            rs.next();
            return new Sample(
                    t,
                    perSecond,
                    p99,
                    rs.getLong(5),
                    rs.getLong(6),
                    rs.getLong(1) / 1e6,
                    rs.getLong(2) / 1e6,
                    rs.getLong(3) / 1e6,
                    rs.getLong(4) / 1e6,
                    heapAfterGcMb(),
                    waits,
                    autovacuums,
                    rs.getString(7));
        }
    }

    /** Autovacuum runs so far on the hot tables (cumulative). */
    private long autovacuums() throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(sum(autovacuum_count), 0) FROM pg_stat_user_tables"
                        + " WHERE relname IN (" + HOT_TABLES + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The wait events sampled between two snapshots of the sampler's counts, as shares of all
     * samples of active backends in that time, largest first (up to 3), e.g. {@code
     * "CPU (no wait event) 61%, IO:WALSync 22%, Lock:transactionid 9%"}; {@code "-"} when no
     * backend was active.
     */
    static String shares(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> window = new java.util.HashMap<>();
        after.forEach((event, n) -> {
            long d = n - before.getOrDefault(event, 0L);
            if (d > 0) {
                window.put(event, d);
            }
        });
        long total = window.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return "-";
        }
        return window.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(3)
                .map(e -> String.format("%s %.0f%%", e.getKey(), 100.0 * e.getValue() / total))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Heap in use after the last collection of each heap pool (the live set), in MB. */
    static double heapAfterGcMb() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                MemoryUsage afterGc = pool.getCollectionUsage();
                used += afterGc != null ? afterGc.getUsed() : pool.getUsage().getUsed();
            }
        }
        return used / 1e6;
    }
}
