package dev.jobfleet.infra.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The benchmark's read-only view of the database it measures, all set-based: a run's jobs are
 * found by the tag in their payload ({@code payload->>'bench'}), never by id literals. Plus the
 * server's settings, {@code pg_stat_statements} and {@code pg_stat_activity}. The only SQL outside
 * {@code store/} besides {@link LatencyReport}: reporting the store has no statement for.
 */
final class RunProbe {
    /**
     * One claim ({@code -> RUNNING} history row), one execution ({@code demo_execution} row), one
     * outcome (a history row leaving {@code RUNNING}) per job of the run. Parameter: the tag.
     */
    static final String EXACTLY_ONCE = """
            WITH run AS (
                SELECT id, state, finished_at FROM jobs WHERE payload->>'bench' = ?
            ), h AS (
                SELECT h.job_id,
                       count(*) FILTER (WHERE h.to_state = 'RUNNING') AS claims,
                       count(*) FILTER (WHERE h.from_state = 'RUNNING') AS outcomes
                FROM job_history h JOIN run ON run.id = h.job_id
                GROUP BY h.job_id
            ), e AS (
                SELECT d.job_id, count(*) AS executions
                FROM demo_execution d JOIN run ON run.id = d.job_id
                GROUP BY d.job_id
            )
            SELECT count(*) AS jobs,
                   count(*) FILTER (WHERE run.state = 'SUCCEEDED') AS succeeded,
                   count(*) FILTER (WHERE coalesce(h.claims, 0) = 1) AS one_claim,
                   count(*) FILTER (WHERE coalesce(e.executions, 0) = 1) AS one_execution,
                   count(*) FILTER (WHERE coalesce(h.outcomes, 0) = 1) AS one_outcome,
                   coalesce(extract(epoch FROM max(run.finished_at)), 0) AS last_finished
            FROM run LEFT JOIN h ON h.job_id = run.id LEFT JOIN e ON e.job_id = run.id
            """;

    /** Parameter: the tag. */
    static final String FINISHED = """
            SELECT count(*) FROM jobs WHERE payload->>'bench' = ? AND state IN ('SUCCEEDED', 'DEAD', 'CANCELLED')
            """;

    /** Parameter: the tag. Epoch seconds. */
    static final String TIMES = """
            SELECT id, extract(epoch FROM started_at) AS started, extract(epoch FROM finished_at) AS finished
            FROM jobs WHERE payload->>'bench' = ?
            """;

    static final String TOP_STATEMENTS = """
            SELECT calls, total_exec_time, mean_exec_time, rows,
                   left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
            FROM pg_stat_statements
            WHERE query NOT LIKE '%pg_stat_%'
            ORDER BY total_exec_time DESC LIMIT 10
            """;

    static final String WAITS = """
            SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU (no wait event)') AS w, count(*)
            FROM pg_stat_activity
            WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
            GROUP BY 1
            """;

    /** What {@link #EXACTLY_ONCE} found. */
    record Check(long jobs, long succeeded, long oneClaim, long oneExecution, long oneOutcome, double lastFinished) {
        boolean exactlyOnce(long expected) {
            return jobs == expected
                    && succeeded == expected
                    && oneClaim == expected
                    && oneExecution == expected
                    && oneOutcome == expected;
        }

        String describe() {
            return String.format(
                    "%d jobs, %d SUCCEEDED, %d with one claim, %d with one execution, %d with one outcome",
                    jobs, succeeded, oneClaim, oneExecution, oneOutcome);
        }
    }

    /** One line of {@code pg_stat_statements}. */
    record TopStatement(long calls, double totalMs, double meanMs, long rows, String query) {}

    private final DataSource db;

    RunProbe(DataSource db) {
        this.db = db;
    }

    Check check(String tag) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement(EXACTLY_ONCE)) {
            s.setString(1, tag);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new Check(
                        rs.getLong("jobs"),
                        rs.getLong("succeeded"),
                        rs.getLong("one_claim"),
                        rs.getLong("one_execution"),
                        rs.getLong("one_outcome"),
                        rs.getDouble("last_finished"));
            }
        }
    }

    long finished(String tag) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement(FINISHED)) {
            s.setString(1, tag);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Each job of the run: id, started and finished in epoch seconds (NaN where null). */
    void times(String tag, TimesConsumer consumer) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(TIMES)) {
                s.setFetchSize(10_000);
                s.setString(1, tag);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        double started = rs.getDouble("started");
                        if (rs.wasNull()) {
                            started = Double.NaN;
                        }
                        double finished = rs.getDouble("finished");
                        if (rs.wasNull()) {
                            finished = Double.NaN;
                        }
                        consumer.accept(rs.getObject("id", UUID.class), started, finished);
                    }
                }
            }
            c.commit();
        }
    }

    interface TimesConsumer {
        void accept(UUID id, double started, double finished);
    }

    String setting(String name) throws SQLException {
        return single("SELECT current_setting('" + name + "', true)");
    }

    String single(String sql) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Creates the extension and resets it; false (and why, to {@code note}) where it is not loaded. */
    boolean resetStatements(Consumer<String> note) {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            s.execute("SELECT pg_stat_statements_reset()");
            return true;
        } catch (SQLException e) {
            note.accept("pg_stat_statements not available: " + e.getMessage());
            return false;
        }
    }

    List<TopStatement> topStatements() {
        List<TopStatement> top = new ArrayList<>();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(TOP_STATEMENTS)) {
            while (rs.next()) {
                top.add(new TopStatement(
                        rs.getLong("calls"),
                        rs.getDouble("total_exec_time"),
                        rs.getDouble("mean_exec_time"),
                        rs.getLong("rows"),
                        rs.getString("query")));
            }
        } catch (SQLException e) {
            return List.of();
        }
        return top;
    }

    /** One sample of the active client backends by wait event, added to {@code counts}. */
    void sampleWaits(Connection c, Map<String, Long> counts) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(WAITS)) {
            while (rs.next()) {
                counts.merge(rs.getString(1), rs.getLong(2), Long::sum);
            }
        }
    }

    /** Samples wait events every {@code periodMillis} on its own connection until closed. */
    final class WaitSampler implements AutoCloseable {
        private final Map<String, Long> counts = new LinkedHashMap<>();
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long samples;

        WaitSampler(long periodMillis) {
            thread = Thread.ofPlatform().name("bench-waits").daemon().start(() -> {
                try (Connection c = db.getConnection()) {
                    while (running) {
                        synchronized (counts) {
                            sampleWaits(c, counts);
                        }
                        samples++;
                        java.util.concurrent.locks.LockSupport.parkNanos(periodMillis * 1_000_000L);
                    }
                } catch (SQLException e) {
                    synchronized (counts) {
                        counts.put("(sampling failed: " + e.getMessage() + ")", 0L);
                    }
                }
            });
        }

        long samples() {
            return samples;
        }

        Map<String, Long> counts() {
            synchronized (counts) {
                return new LinkedHashMap<>(counts);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }
    }
}
