package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * V10 moved the guards every writer of jobs meets from per-row triggers to per-statement ones (the
 * transition table, the history rows' job) and made the version bump skip rows whose statement did
 * it. The rules must hold exactly as before, for statements of many rows and for writers that race.
 */
class StatementGuardsIT {
    private static final int THREADS = 12;
    private static final int JOBS = 300;

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 2);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void oneIllegalEdgeAmongManyRowsRefusesTheWholeStatement() {
        List<UUID> pending = Jobs.submit(repository, "guards.many", 20);
        UUID succeeded = UUID.randomUUID();
        jdbc.sql("INSERT INTO jobs (id, type, state, finished_at) VALUES (?, 'guards.many', 'SUCCEEDED', now())")
                .param(succeeded)
                .update();
        long historyBefore = historyRows();

        assertThatThrownBy(() -> jdbc.sql(
                                "UPDATE jobs SET state = 'CANCELLED', finished_at = now() WHERE type = 'guards.many'")
                        .update())
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("illegal job transition SUCCEEDED -> CANCELLED for job " + succeeded);

        // kept: all 21 jobs as they were
        assertThat(jdbc.sql("SELECT count(*) FROM jobs WHERE type = 'guards.many' AND state = 'PENDING'")
                        .query(Long.class)
                        .single())
                .isEqualTo(20);
        assertThat(repository.find(succeeded).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(historyRows()).isEqualTo(historyBefore);

        // the legal rows alone go through, in one statement
        assertThat(jdbc.sql(
                                "UPDATE jobs SET state = 'CANCELLED', finished_at = now() WHERE id = ANY (CAST(? AS uuid[]))")
                        .param(pending.stream()
                                .map(UUID::toString)
                                .toList()
                                .toString()
                                .replace('[', '{')
                                .replace(']', '}')
                                .replace(" ", ""))
                        .update())
                .isEqualTo(20);
    }

    @Test
    void aJobsIdNeverChanges() {
        UUID id = Jobs.submit(repository, "guards.id", 1).get(0);
        assertThatThrownBy(() -> jdbc.sql("UPDATE jobs SET id = gen_random_uuid() WHERE id = ?")
                        .param(id)
                        .update())
                .isInstanceOf(DataAccessException.class)
                .rootCause()
                .hasMessageContaining("jobs.id never changes");
        assertThat(repository.find(id)).isPresent();
        assertThat(repository.history(id)).hasSize(1);
    }

    @Test
    void everyWriteMovesTheVersionByExactlyOneWhoeverWritesIt() {
        UUID id = Jobs.submit(repository, "guards.version", 1).get(0);
        long v0 = version(id);
        Claim claim = repository
                .claim(Set.of(id), Set.of("guards.version"), "w", Duration.ofMinutes(1))
                .get(0);
        assertThat(version(id)).as("claim").isEqualTo(v0 + 1);
        repository.extendLeases(java.util.Map.of(id, claim.token()), Duration.ofMinutes(2));
        assertThat(version(id)).as("heartbeat").isEqualTo(v0 + 2);
        assertThat(repository.finishRuns(List.of(RunOutcome.cancelled(id, claim.token(), "enough")), "w"))
                .hasSize(1);
        assertThat(version(id)).as("finish").isEqualTo(v0 + 3);
        // writers that do not say, or say something else: the trigger makes it one
        jdbc.sql("UPDATE jobs SET metadata = '{\"a\": 1}' WHERE id = ?")
                .param(id)
                .update();
        assertThat(version(id)).as("a write that leaves version alone").isEqualTo(v0 + 4);
        jdbc.sql("UPDATE jobs SET version = version + 5 WHERE id = ?").param(id).update();
        assertThat(version(id)).as("a write that jumps").isEqualTo(v0 + 5);
        jdbc.sql("UPDATE jobs SET version = version - 3 WHERE id = ?").param(id).update();
        assertThat(version(id)).as("a write that goes back").isEqualTo(v0 + 6);
    }

    @Test
    void historyOfAJobThatDoesNotExistIsRefusedAndNothingIsWritten() {
        UUID live = Jobs.submit(repository, "guards.history", 1).get(0);
        UUID missing = UUID.randomUUID();
        long before = historyRows();
        assertThatThrownBy(() -> jdbc.sql("""
                                INSERT INTO job_history (job_id, to_state, actor)
                                VALUES (?, 'PENDING', 'someone'), (?, 'PENDING', 'someone')""").params(live, missing).update())
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("names job " + missing + ", which does not exist");
        assertThat(historyRows()).as("neither row").isEqualTo(before);
    }

    /**
     * Six writers add history rows to jobs (check that the job exists, insert, commit: the way an
     * application checks a reference by hand) while six others delete the same jobs. With the
     * statement check, a row either lands before the delete and goes with it, or is refused: no
     * history row outlives its job. The control is the same race with the check switched off (what
     * dropping the foreign key for speed without a replacement gives): rows of deleted jobs remain.
     */
    @Test
    void historyWritersRacingDeletesLeaveNoRowOfAMissingJob() {
        // negative control: rounds until the race shows (its window is one round trip)
        jdbc.sql("ALTER TABLE job_history DISABLE TRIGGER job_history_of_jobs").update();
        Round naive = null;
        int rounds = 0;
        try {
            while (rounds < 10 && (naive == null || naive.orphans == 0)) {
                rounds++;
                naive = race("guards.naive");
            }
        } finally {
            jdbc.sql("ALTER TABLE job_history ENABLE TRIGGER job_history_of_jobs")
                    .update();
        }
        assertThat(naive.jobsLeft).as("control: every job was deleted").isZero();
        assertThat(naive.written).as("control: history rows were written").isPositive();

        Round guarded = race("guards.race");
        System.out.printf(
                "History vs deletes, %d writers + %d deleters over %d jobs: without the check %d rows of deleted jobs"
                        + " (%d written, round %d); with it %d (%d written, %d refused)%n",
                THREADS / 2,
                THREADS / 2,
                JOBS,
                naive.orphans,
                naive.written,
                rounds,
                guarded.orphans,
                guarded.written,
                guarded.refused);
        assertThat(naive.orphans).as("control: rows outlived their jobs").isPositive();

        assertThat(guarded.jobsLeft).as("every job was deleted").isZero();
        assertThat(guarded.written).as("history rows were written").isPositive();
        assertThat(guarded.refused).as("some came too late and were refused").isPositive();
        assertThat(guarded.orphans).isZero();
    }

    private record Round(long written, long refused, long orphans, long jobsLeft) {}

    private Round race(String type) {
        List<UUID> ids = Jobs.submit(repository, type, JOBS);
        AtomicInteger written = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Race.run(THREADS, t -> () -> {
            List<UUID> order = new ArrayList<>(ids);
            Collections.shuffle(order);
            try (Connection c = db.dataSource().getConnection()) {
                for (UUID id : order) {
                    if (t % 2 == 0) {
                        try (PreparedStatement delete = c.prepareStatement("DELETE FROM jobs WHERE id = ?")) {
                            delete.setObject(1, id);
                            delete.executeUpdate();
                        }
                    } else if (annotate(c, id)) {
                        written.incrementAndGet();
                    } else {
                        refused.incrementAndGet();
                    }
                }
            }
            return null;
        });
        long orphans = jdbc.sql("""
                        SELECT count(*) FROM job_history h
                        WHERE h.job_id = ANY (CAST(? AS uuid[]))
                          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = h.job_id)""").param(uuids(ids)).query(Long.class).single();
        long left = jdbc.sql("SELECT count(*) FROM jobs WHERE type = ?")
                .param(type)
                .query(Long.class)
                .single();
        return new Round(written.get(), refused.get(), orphans, left);
    }

    /** Check by hand that the job exists, then add a history row, in one transaction. */
    private static boolean annotate(Connection c, UUID id) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement check = c.prepareStatement("SELECT 1 FROM jobs WHERE id = ?");
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO job_history (job_id, to_state, actor) VALUES (?, 'PENDING', 'annotator')")) {
            check.setObject(1, id);
            try (ResultSet rs = check.executeQuery()) {
                if (!rs.next()) {
                    c.rollback();
                    return false;
                }
            }
            insert.setObject(1, id);
            insert.executeUpdate();
            c.commit();
            return true;
        } catch (SQLException e) {
            c.rollback();
            if ("23503".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static String uuids(List<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.joining(",", "{", "}"));
    }

    private static long version(UUID id) {
        return jdbc.sql("SELECT version FROM jobs WHERE id = ?")
                .param(id)
                .query(Long.class)
                .single();
    }

    private static long historyRows() {
        return jdbc.sql("SELECT count(*) FROM job_history").query(Long.class).single();
    }
}
