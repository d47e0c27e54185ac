package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G6: only edges of the transition table ever happen, and final states stay final. The database
 * refuses every other edge whoever writes it, and concurrent writers racing to move the same
 * running jobs out of RUNNING produce exactly one exit per job. The negative control runs the
 * naive check-in-Java-then-update with the same threads and shows jobs that left RUNNING twice.
 */
class G6TransitionGuardIT {
    private static final int THREADS = 16;
    private static final int JOBS = 500;

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
    void theDatabaseHoldsTheSameTableAsJobState() {
        Map<JobState, Set<JobState>> java = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            java.put(s, EnumSet.copyOf(s.next().isEmpty() ? EnumSet.noneOf(JobState.class) : s.next()));
        }
        assertThat(repository.transitionTable()).isEqualTo(java);
    }

    @Test
    void everyIllegalEdgeIsRefusedByTheDatabaseAndEveryLegalOneAccepted() {
        int refused = 0;
        int accepted = 0;
        for (JobState from : JobState.values()) {
            for (JobState to : JobState.values()) {
                if (from == to) {
                    continue;
                }
                UUID id = insertIn(from);
                if (from.canTransitionTo(to)) {
                    assertThat(forceState(id, to)).isEqualTo(1);
                    accepted++;
                } else {
                    assertThatThrownBy(() -> forceState(id, to))
                            .as(from + " -> " + to)
                            .isInstanceOf(DataAccessException.class)
                            .hasMessageContaining("illegal job transition " + from + " -> " + to);
                    assertThat(stateOf(id)).as("kept").isEqualTo(from);
                    refused++;
                }
            }
        }
        System.out.printf(
                "G6 table: %d illegal edges refused by the database, %d legal edges accepted%n", refused, accepted);
        assertThat(refused).isEqualTo(30 - 10);
        assertThat(accepted).isEqualTo(10);
    }

    @Test
    void racingExitsFromRunningLeaveEachJobExactlyOnce() {
        // negative control: read the state, check the table in Java, update by id
        jdbc.sql("CREATE TABLE naive_g6 (id uuid PRIMARY KEY, state text NOT NULL, exits int NOT NULL DEFAULT 0)")
                .update();
        List<UUID> naiveIds = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            UUID id = UUID.randomUUID();
            naiveIds.add(id);
            jdbc.sql("INSERT INTO naive_g6 (id, state) VALUES (?, 'RUNNING')")
                    .param(id)
                    .update();
        }
        Race.run(THREADS, t -> () -> {
            JobState target = exitFor(t);
            for (UUID id : naiveIds) {
                JobState current = JobState.valueOf(jdbc.sql("SELECT state FROM naive_g6 WHERE id = ?")
                        .param(id)
                        .query(String.class)
                        .single());
                if (current.canTransitionTo(target)) {
                    jdbc.sql("UPDATE naive_g6 SET state = ?, exits = exits + 1 WHERE id = ?")
                            .params(target.name(), id)
                            .update();
                }
            }
            return null;
        });
        long naiveTwice = jdbc.sql("SELECT count(*) FROM naive_g6 WHERE exits > 1")
                .query(Long.class)
                .single();

        // jobfleet: every exit is one guarded statement naming the fencing token
        List<UUID> ids = Jobs.submit(repository, "g6.race", JOBS);
        Map<UUID, UUID> tokens = new java.util.HashMap<>();
        repository
                .claim(ids, Set.of("g6.race"), "worker-a", Duration.ofMinutes(5))
                .forEach(c -> tokens.put(c.jobId(), c.token()));
        assertThat(tokens).hasSize(JOBS);
        jdbc.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE type = 'g6.race'")
                .update();
        Race.run(THREADS, t -> () -> {
            JobState target = exitFor(t);
            for (UUID id : ids) {
                UUID token = tokens.get(id);
                switch (target) {
                    case SUCCEEDED -> repository.finish(List.of(RunOutcome.succeeded(id, token)), "t" + t);
                    case DEAD ->
                        repository.finish(List.of(RunOutcome.dead(id, token, AttemptError.of(1, "discard"))), "t" + t);
                    case CANCELLED -> repository.finish(List.of(RunOutcome.cancelled(id, token, "race")), "t" + t);
                    case PENDING -> repository.rescueExpired(5, "reaper-" + t);
                    default -> throw new IllegalStateException(target.name());
                }
            }
            return null;
        });
        long twice = jdbc.sql("""
                        SELECT count(*) FROM (
                            SELECT h.job_id FROM job_history h JOIN jobs j ON j.id = h.job_id
                            WHERE j.type = 'g6.race' AND h.from_state = 'RUNNING'
                            GROUP BY h.job_id HAVING count(*) > 1) x""").query(Long.class).single();
        long exited = jdbc.sql("SELECT count(*) FROM jobs WHERE type = 'g6.race' AND state <> 'RUNNING'")
                .query(Long.class)
                .single();
        long historyMatchesState = jdbc.sql("""
                        SELECT count(*) FROM jobs j JOIN job_history h ON h.job_id = j.id AND h.from_state = 'RUNNING'
                        WHERE j.type = 'g6.race' AND h.to_state = j.state""").query(Long.class).single();

        System.out.printf(
                "G6 race: %d threads x %d running jobs; naive check-then-update left RUNNING twice for %d jobs, jobfleet %d%n",
                THREADS, JOBS, naiveTwice, twice);
        assertThat(naiveTwice).as("the naive version must show the anomaly").isPositive();
        assertThat(twice).isZero();
        assertThat(exited).isEqualTo(JOBS);
        assertThat(historyMatchesState)
                .as("the one exit in history is the state the job holds")
                .isEqualTo(JOBS);
    }

    @Test
    void historyIsAppendOnlyAndGoesOnlyWithItsJob() {
        UUID id = repository.submit(Jobs.event("g6.history"), "test").job().id();
        assertThatThrownBy(() -> jdbc.sql("UPDATE job_history SET detail = 'rewritten' WHERE job_id = ?")
                        .param(id)
                        .update())
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> jdbc.sql("DELETE FROM job_history WHERE job_id = ?")
                        .param(id)
                        .update())
                .hasStackTraceContaining("append-only");
        assertThat(repository.history(id))
                .hasSize(1)
                .first()
                .extracting(HistoryEntry::detail)
                .isEqualTo("submitted");
        jdbc.sql("DELETE FROM outbox WHERE job_id = ?").param(id).update();
        assertThat(jdbc.sql("DELETE FROM jobs WHERE id = ?").param(id).update()).isEqualTo(1);
        assertThat(repository.history(id)).isEmpty();
    }

    /** Four writers of each kind: complete, discard, handler-cancel, rescue. */
    private static JobState exitFor(int thread) {
        return switch (thread % 4) {
            case 0 -> JobState.SUCCEEDED;
            case 1 -> JobState.DEAD;
            case 2 -> JobState.CANCELLED;
            default -> JobState.PENDING;
        };
    }

    /** A job put straight into {@code state} with columns that satisfy the row constraints. */
    private static UUID insertIn(JobState state) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs (id, type, state, claim_token, lease_owner, lease_expires_at, finished_at)
                        VALUES (?, 'g6.table', CAST(? AS job_state), gen_random_uuid(), ?, ?, ?)""")
                .params(
                        id,
                        state.name(),
                        state == JobState.RUNNING ? "w" : null,
                        state == JobState.RUNNING
                                ? java.sql.Timestamp.from(
                                        java.time.Instant.now().plusSeconds(60))
                                : null,
                        state.isTerminal() ? java.sql.Timestamp.from(java.time.Instant.now()) : null)
                .update();
        return id;
    }

    /** An unguarded write of {@code to}, with the columns {@code to} needs: only the trigger can refuse it. */
    private static int forceState(UUID id, JobState to) {
        boolean running = to == JobState.RUNNING;
        return jdbc.sql("""
                        UPDATE jobs SET state = CAST(? AS job_state),
                            lease_owner = CASE WHEN ? THEN 'w' END,
                            lease_expires_at = CASE WHEN ? THEN now() + interval '1 minute' END,
                            finished_at = CASE WHEN ? THEN now() END
                        WHERE id = ?""")
                .params(to.name(), running, running, to.isTerminal(), id)
                .update();
    }

    private static JobState stateOf(UUID id) {
        return JobState.valueOf(jdbc.sql("SELECT state FROM jobs WHERE id = ?")
                .param(id)
                .query(String.class)
                .single());
    }
}
