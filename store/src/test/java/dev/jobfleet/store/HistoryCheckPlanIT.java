package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobIds;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * V12: the statement check behind every insert of history rows ({@code jobfleet_history_of_jobs})
 * probes {@code jobs} by id however small the table was when the session first ran it. PL/pgSQL
 * keeps a generic plan made on a table of a few pages (a sequential scan) until an analyze of the
 * table; in a fleet's first minute that made every history insert read all of {@code jobs}. The
 * session here warms the function's plan on a tiny table, the table then grows to 20,000 jobs with
 * autovacuum off (no analyze can come to the rescue), and ten history inserts are counted in
 * sequential scans of {@code jobs}. Control: the same function with its setting reset.
 */
class HistoryCheckPlanIT {
    private static final int GROWN = 20_000;
    private static final int INSERTS = 10;

    @Test
    void theHistoryCheckProbesJobsByIdAfterTheTableGrewUnderACachedPlan() throws SQLException {
        long naive = sequentialScansOfJobs(true);
        long jobfleet = sequentialScansOfJobs(false);
        System.out.printf(
                "history check on %d jobs after a plan cached on a tiny table: %d history inserts made %d"
                        + " sequential scans of jobs with a generic plan (control), %d with V12%n",
                GROWN, INSERTS, naive, jobfleet);
        assertThat(naive)
                .as("control: the cached generic plan reads all of jobs")
                .isGreaterThanOrEqualTo(INSERTS);
        assertThat(jobfleet).isZero();
    }

    /** Sequential scans of {@code jobs} made by {@value #INSERTS} history inserts in a warmed session. */
    private static long sequentialScansOfJobs(boolean genericPlans) throws SQLException {
        try (TestDatabase db = TestDatabase.create(2)) {
            try (Connection c = db.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("ALTER TABLE jobs SET (autovacuum_enabled = false)");
                s.execute("ALTER TABLE job_history SET (autovacuum_enabled = false)");
                if (genericPlans) {
                    s.execute("ALTER FUNCTION jobfleet_history_of_jobs() RESET plan_cache_mode");
                }
                try (ResultSet rs = s.executeQuery("SELECT coalesce(array_to_string(proconfig, ','), '')"
                        + " FROM pg_proc WHERE proname = 'jobfleet_history_of_jobs'")) {
                    rs.next();
                    assertThat(rs.getString(1).contains("plan_cache_mode=force_custom_plan"))
                            .as(
                                    genericPlans
                                            ? "control precondition: the function's setting was reset"
                                            : "the function plans per run (V12)")
                            .isEqualTo(!genericPlans);
                }
            }
            // a session of its own, so the function runs with the setting as it is now
            try (Connection session = db.dataSource().getConnection();
                    Statement st = session.createStatement()) {
                for (int i = 0; i < 8; i++) {
                    UUID id = insertJob(session);
                    history(session, id);
                }
                st.execute("INSERT INTO jobs (id, type) SELECT gen_random_uuid(), 'plan.grown'"
                        + " FROM generate_series(1, " + GROWN + ")");
                List<UUID> existing = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT id FROM jobs WHERE type = 'plan.grown' LIMIT " + INSERTS)) {
                    while (rs.next()) {
                        existing.add(rs.getObject(1, UUID.class));
                    }
                }
                assertThat(existing).as("precondition: the table grew").hasSize(INSERTS);
                try (ResultSet rs = st.executeQuery(
                        "SELECT coalesce(last_analyze, last_autoanalyze) IS NULL FROM pg_stat_user_tables"
                                + " WHERE relname = 'jobs'")) {
                    rs.next();
                    assertThat(rs.getBoolean(1))
                            .as("precondition: jobs was never analyzed")
                            .isTrue();
                }
                session.setAutoCommit(false);
                long before = seqScans(session);
                for (UUID id : existing) {
                    history(session, id);
                }
                long scans = seqScans(session) - before;
                session.commit();
                return scans;
            }
        }
    }

    private static UUID insertJob(Connection c) throws SQLException {
        UUID id = JobIds.next();
        try (PreparedStatement p = c.prepareStatement("INSERT INTO jobs (id, type) VALUES (?, 'plan.warm')")) {
            p.setObject(1, id);
            p.executeUpdate();
        }
        return id;
    }

    private static void history(Connection c, UUID job) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO job_history (job_id, from_state, to_state, actor) VALUES (?, NULL, 'PENDING', 'test')")) {
            p.setObject(1, job);
            p.executeUpdate();
        }
    }

    /** This transaction's sequential scans of jobs so far (counted before they are flushed to the statistics). */
    private static long seqScans(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT coalesce(seq_scan, 0) FROM pg_stat_xact_user_tables WHERE relname = 'jobs'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
