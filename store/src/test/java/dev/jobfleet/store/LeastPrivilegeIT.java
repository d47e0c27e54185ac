package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * G10 in the database: the apps connect as {@code jobfleet_app}, which may read and write rows and
 * nothing else; migrations run as {@code jobfleet_owner}, which owns the schema. The role cannot
 * DROP, TRUNCATE, ALTER, CREATE, or write the transition table, yet every statement the apps run
 * works under it (a whole job life, limits, batches, schedules, the outbox, ShedLock). The negative
 * control is what the apps did before V6: connect as the superuser, for whom the same statements go
 * through (each inside a transaction that is rolled back).
 */
class LeastPrivilegeIT {
    /** Statements no app should ever get through, and the tables they name. */
    private static final List<String> FORBIDDEN = List.of(
            "DROP TABLE jobs CASCADE",
            "TRUNCATE jobs CASCADE",
            "TRUNCATE job_history",
            "ALTER TABLE jobs DISABLE TRIGGER jobs_transition_guard",
            "ALTER TABLE jobs DROP CONSTRAINT finished_iff_terminal",
            "INSERT INTO job_state_transition (from_state, to_state) VALUES ('SUCCEEDED', 'PENDING')",
            "DELETE FROM job_state_transition",
            "UPDATE job_state_transition SET from_state = 'SUCCEEDED' WHERE from_state = 'DEAD'",
            "CREATE TABLE intruder (id int)",
            "DROP FUNCTION jobfleet_check_transition() CASCADE",
            "UPDATE job_history SET actor = 'someone else'",
            "DELETE FROM flyway_schema_history");

    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(4);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void theAppRoleIsRefusedEverythingButRowsAndTheSuperuserItReplacedWasNot() throws SQLException {
        List<String> refused = new ArrayList<>();
        for (String statement : FORBIDDEN) {
            assertThatThrownBy(() -> run(db.appDataSource(), statement))
                    .as(statement)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState())
                            .as("SQLState of " + statement + ": " + e.getMessage())
                            .isIn("42501", "42809"));
            refused.add(statement);
        }

        // the control: as the superuser the apps connected as before, each one goes through
        int allowed = 0;
        for (String statement : FORBIDDEN) {
            if (!statement.startsWith("UPDATE job_history")) { // the append-only trigger refuses even a superuser
                run(db.dataSource(), statement);
                allowed++;
            }
        }
        assertThat(refused).hasSize(FORBIDDEN.size());
        assertThat(allowed).isEqualTo(FORBIDDEN.size() - 1);
        assertThat(transitions(db.dataSource())).isEqualTo(10);
        System.out.printf(
                "G10 least privilege: %d of %d forbidden statements refused to jobfleet_app; naive (superuser):"
                        + " %d of %d went through (rolled back)%n",
                refused.size(), FORBIDDEN.size(), allowed, FORBIDDEN.size() - 1);
    }

    @Test
    void everyStatementTheAppsRunWorksAsTheAppRole() {
        DataSource app = db.appDataSource();
        JobRepository jobs = new JobRepository(app);
        ConcurrencyLimits limits = new ConcurrencyLimits(app);
        Batches batches = new Batches(app, jobs);
        Schedules schedules = new Schedules(app, jobs);

        // submit, claim, write under the token, finish; the outbox relay
        UUID done = jobs.submit(Jobs.event("lp.done"), "test").job().id();
        Claim run = claimOne(jobs, done, "lp.done");
        assertThat(jobs.mergeMetadata(
                        done, run.token(), JobCodec.mapper().createObjectNode().put("k", 1)))
                .isTrue();
        assertThat(jobs.incrementCounter(done, run.token(), "progress", 2)).hasValue(2);
        assertThat(jobs.appendLog(
                        done, run.token(), JobCodec.mapper().createObjectNode().put("line", "x")))
                .isTrue();
        assertThat(jobs.extendLeases(Map.of(done, run.token()), Duration.ofMinutes(1)))
                .containsExactly(done);
        assertThat(jobs.finish(List.of(RunOutcome.succeeded(done, run.token())), "test"))
                .containsEntry(done, JobState.SUCCEEDED);
        assertThat(jobs.relayOutbox(100, records -> {})).isPositive();

        // retry, dead, re-drive, cancel, patch, release, rescue
        UUID dies = jobs.submit(Jobs.event("lp.dies", 1), "test").job().id();
        Claim dying = claimOne(jobs, dies, "lp.dies");
        assertThat(jobs.finish(
                        List.of(RunOutcome.retry(dies, dying.token(), Duration.ZERO, AttemptError.of(1, "boom"))),
                        "test"))
                .containsEntry(dies, JobState.DEAD);
        assertThat(jobs.redrive(dies, "test")).isEqualTo(JobRepository.RedriveResult.REDRIVEN);
        assertThat(jobs.patch(dies, jobs.find(dies).orElseThrow().version(), 5, null, null))
                .isInstanceOf(PatchResult.Patched.class);
        Claim released = claimOne(jobs, dies, "lp.dies");
        assertThat(jobs.release(Map.of(dies, released.token()), "test")).containsExactly(dies);
        assertThat(jobs.cancel(dies, "test", "no")).isEqualTo(JobRepository.CancelResult.CANCELLED);
        UUID abandoned = jobs.submit(Jobs.event("lp.abandoned"), "test").job().id();
        assertThat(jobs.claim(List.of(abandoned), Set.of("lp.abandoned"), "w", Duration.ofMillis(1)))
                .hasSize(1);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> jobs.rescueExpired(10, "reaper").containsKey(abandoned));
        assertThat(jobs.promoteDueRetries(10, "test")).isNotNegative();
        assertThat(jobs.agePriorities(Duration.ofMinutes(1), 10)).isNotNegative();

        // limits, batches with their count-down and callback, schedules
        assertThat(limits.set("lp-key", 2).maxRunning()).isEqualTo(2);
        assertThat(limits.delete("lp-key")).isTrue();
        UUID batchId = UUID.randomUUID();
        Batches.Created batch = batches.create(
                batchId,
                Batches.Policy.COMPLETE_ALWAYS,
                new Batches.Callback("lp.callback", null),
                List.of(Jobs.event("lp.child")),
                "test",
                "token:lp");
        UUID child = batch.children().getFirst().job().id();
        Claim childRun = claimOne(jobs, child, "lp.child");
        jobs.finish(List.of(RunOutcome.succeeded(child, childRun.token())), "test");
        assertThat(batches.find(batchId).orElseThrow().callbackJobId()).isNotNull();
        schedules.upsert("lp-nightly", "0 0 3 * * *", "UTC", "lp.scheduled", null, 0, true);
        assertThat(schedules.list()).hasSize(1);
        assertThat(schedules.delete("lp-nightly")).isTrue();

        // ShedLock's JDBC provider and the demo audit
        JdbcClient sql = JdbcClient.create(app);
        sql.sql("INSERT INTO shedlock (name, lock_until, locked_at, locked_by) VALUES ('lp', now(), now(), 'me')")
                .update();
        sql.sql("UPDATE shedlock SET lock_until = now() WHERE name = 'lp'").update();
        long execution = jobs.startExecution(done, "w", run.token(), 1);
        jobs.endExecution(execution);
        assertThat(jobs.overlappingExecutions()).isZero();
        assertThat(jobs.queueDepth()).isNotEmpty();
        assertThat(jobs.transitionTable().get(JobState.PENDING)).contains(JobState.RUNNING);
    }

    @Test
    void theSchemaBelongsToTheOwnerRoleAndAFreshDatabaseMigratesAsIt() throws SQLException {
        // applied by the superuser (an existing deployment): V6 handed every object over
        assertThat(JdbcClient.create(db.dataSource())
                        .sql("""
                                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p')
                                  AND pg_get_userbyid(c.relowner) <> 'jobfleet_owner'
                                  AND c.relname <> 'flyway_schema_history'""")
                        .query(String.class)
                        .list())
                .isEmpty();
        assertThat(JdbcClient.create(db.dataSource())
                        .sql("""
                                SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                                WHERE n.nspname = current_schema() AND pg_get_userbyid(p.proowner) <> 'jobfleet_owner'""")
                        .query(String.class)
                        .list())
                .isEmpty();

        // the production path: a database the owner owns, every migration applied as the owner
        String name = "jobfleet_it_owner_" + UUID.randomUUID().toString().substring(0, 8);
        String server = TestDatabase.serverUrl();
        String url = server.substring(0, server.lastIndexOf('/') + 1) + name;
        admin(server, "CREATE DATABASE " + name + " OWNER " + TestDatabase.OWNER_ROLE);
        try {
            try (Connection owner = DriverManager.getConnection(url, TestDatabase.OWNER_ROLE, null)) {
                Flyway flyway = Flyway.configure()
                        .dataSource(new SingleConnectionDataSource(owner, true))
                        .locations(Schema.LOCATION)
                        .load();
                int applied = flyway.migrate().migrationsExecuted;
                assertThat(applied).isEqualTo(flyway.info().applied().length).isGreaterThanOrEqualTo(4);
                assertThat(flyway.info().pending()).isEmpty();
            }
            try (Connection app = DriverManager.getConnection(url, TestDatabase.APP_ROLE, null)) {
                JobRepository jobs = new JobRepository(new SingleConnectionDataSource(app, true));
                UUID id = jobs.submit(Jobs.event("lp.owned"), "test").job().id();
                assertThat(jobs.find(id)).isPresent();
                assertThatThrownBy(() -> {
                            try (Statement s = app.createStatement()) {
                                s.execute("DROP TABLE jobs CASCADE");
                            }
                        })
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("must be owner");
            }
        } finally {
            admin(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static Claim claimOne(JobRepository jobs, UUID id, String type) {
        List<Claim> claims = jobs.claim(List.of(id), Set.of(type), "lp-worker", Duration.ofMinutes(5));
        assertThat(claims).as("claim of %s", id).hasSize(1);
        return claims.getFirst();
    }

    private static long transitions(DataSource dataSource) {
        return JdbcClient.create(dataSource)
                .sql("SELECT count(*) FROM job_state_transition")
                .query(Long.class)
                .single();
    }

    /** Runs {@code statement} in a transaction that is always rolled back. */
    private static void run(DataSource dataSource, String statement) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(statement);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private static void admin(String url, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, TestDatabase.serverUser(), null);
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }
}
