package dev.jobfleet.infra.bench;

import java.io.PrintStream;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the jobs table says about a run: how many of its jobs ended, and the latencies of each step
 * by the database clock. The only SQL outside {@code store/}: read-only reporting over the run's
 * ids, which the store has no statement for.
 *
 * <p>The ids travel as one {@code uuid[]} parameter, unnested into a relation: {@code id = ANY
 * (CAST(? AS uuid[]))} would be re-parsed for every row PostgreSQL tests it on whenever the plan
 * does not use it as an index condition (20 s for 3,000 ids against 10,000 rows, measured here).
 *
 * <ul>
 *   <li>claim: {@code created_at} to the job's first claim (its first {@code PENDING -> RUNNING}
 *       history row). For Kafka-first jobs {@code created_at} is when a worker inserted the row,
 *       after the event crossed Kafka;
 *   <li>run: {@code started_at} (the last claim) to {@code finished_at}: the handler plus the
 *       batched outcome write;
 *   <li>end to end: {@code created_at} to {@code finished_at}.
 * </ul>
 */
final class LatencyReport {
    /** Parameters: ids (uuid[] literal). */
    static final String ENDED = """
            SELECT count(*) FROM jobs
            WHERE id IN (SELECT unnest(CAST(? AS uuid[]))) AND state IN ('SUCCEEDED', 'DEAD', 'CANCELLED')
            """;

    /** Parameters: ids, ids (uuid[] literals). Percentiles 50, 90, 99 and the maximum, in seconds. */
    static final String LATENCIES = """
            WITH run AS (
                SELECT id, state, created_at, started_at, finished_at FROM jobs
                WHERE id IN (SELECT unnest(CAST(? AS uuid[])))
            ), first_claim AS (
                SELECT job_id, min(at) AS at FROM job_history
                WHERE job_id IN (SELECT unnest(CAST(? AS uuid[]))) AND to_state = 'RUNNING'
                GROUP BY job_id
            ), step AS (
                SELECT r.state,
                       extract(epoch FROM c.at - r.created_at) AS claim,
                       extract(epoch FROM r.finished_at - r.started_at) AS run,
                       extract(epoch FROM r.finished_at - r.created_at) AS e2e,
                       r.created_at, r.finished_at
                FROM run r LEFT JOIN first_claim c ON c.job_id = r.id
            )
            SELECT count(*) AS jobs,
                   count(*) FILTER (WHERE state = 'SUCCEEDED') AS succeeded,
                   extract(epoch FROM min(created_at)) AS first_created,
                   extract(epoch FROM max(finished_at)) AS last_finished,
                   percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY claim) AS claim_p,
                   max(claim) AS claim_max,
                   percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY run) AS run_p,
                   max(run) AS run_max,
                   percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY e2e) AS e2e_p,
                   max(e2e) AS e2e_max
            FROM step
            """;

    /** One step's percentiles in seconds. */
    record Percentiles(double p50, double p90, double p99, double max) {
        String millis() {
            return String.format("p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f ms", ms(p50), ms(p90), ms(p99), ms(max));
        }

        private static double ms(double seconds) {
            return seconds * 1000;
        }
    }

    /**
     * @param jobs rows found for the run's ids
     * @param succeeded of which SUCCEEDED
     * @param firstCreated the first {@code created_at}, epoch seconds
     * @param lastFinished the last {@code finished_at}, epoch seconds
     */
    record Latencies(
            long jobs,
            long succeeded,
            double firstCreated,
            double lastFinished,
            Percentiles claim,
            Percentiles run,
            Percentiles endToEnd) {
        /** First {@code created_at} to last {@code finished_at}. */
        double spanSeconds() {
            return lastFinished - firstCreated;
        }

        void print(PrintStream out) {
            out.printf("  claim       %s   (created_at -> first claim)%n", claim.millis());
            out.printf("  run         %s   (claim -> finished_at: handler + outcome write)%n", run.millis());
            out.printf("  end to end  %s   (created_at -> finished_at)%n", endToEnd.millis());
        }
    }

    private final JdbcClient jdbc;

    LatencyReport(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    long ended(Collection<UUID> ids) {
        return jdbc.sql(ENDED).param(array(ids)).query(Long.class).single();
    }

    Latencies latencies(Collection<UUID> ids) {
        String array = array(ids);
        return jdbc.sql(LATENCIES)
                .params(array, array)
                .query((rs, n) -> new Latencies(
                        rs.getLong("jobs"),
                        rs.getLong("succeeded"),
                        rs.getDouble("first_created"),
                        rs.getDouble("last_finished"),
                        percentiles(rs, "claim"),
                        percentiles(rs, "run"),
                        percentiles(rs, "e2e")))
                .single();
    }

    private static Percentiles percentiles(ResultSet rs, String step) throws SQLException {
        Array array = rs.getArray(step + "_p");
        if (array == null) {
            return new Percentiles(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        Object[] p = (Object[]) array.getArray();
        return new Percentiles(value(p[0]), value(p[1]), value(p[2]), rs.getDouble(step + "_max"));
    }

    private static double value(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    static String array(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }
}
