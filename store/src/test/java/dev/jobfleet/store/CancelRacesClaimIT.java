package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobState;
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
 * Cancellation racing a claim: 16 threads cancel and 16 claim-and-run the same 500 jobs. Every
 * job ends cancelled and never run, or run and not cancelled, never both. The negative control
 * (cancel = read the state, then update by id; claim = select, then update by id) cancels jobs
 * that ran.
 */
class CancelRacesClaimIT {
    private static final int CANCELLERS = 16;
    private static final int CLAIMERS = 16;
    private static final int JOBS = 500;

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(CANCELLERS + CLAIMERS + 2);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void aJobIsEitherCancelledAndNeverRunOrRunAndNotCancelled() {
        // negative control: a hand-rolled job table, i.e. the same table without jobfleet's transition
        // trigger. The race window is one round trip wide: rounds of 500 fresh jobs until it shows (at most 10).
        jdbc.sql("ALTER TABLE jobs DISABLE TRIGGER jobs_transition_guard").update();
        AtomicInteger naiveErrors = new AtomicInteger();
        long naiveBoth = 0;
        int rounds = 0;
        while (naiveBoth == 0 && rounds < 10) {
            rounds++;
            List<UUID> naiveJobs = Jobs.submit(repository, "cancel.naive", JOBS);
            Race.run(
                    CANCELLERS + CLAIMERS,
                    t -> t < CANCELLERS
                            ? () -> naiveCancelAll(shuffled(naiveJobs), naiveErrors)
                            : () -> naiveClaimAndRunAll("naive-" + t, naiveErrors));
            naiveBoth = cancelledAndRun("cancel.naive");
        }
        jdbc.sql("ALTER TABLE jobs ENABLE TRIGGER jobs_transition_guard").update();

        List<UUID> jobs = Jobs.submit(repository, "cancel.race", JOBS);
        AtomicInteger busy = new AtomicInteger();
        Race.run(
                CANCELLERS + CLAIMERS,
                t -> t < CANCELLERS ? () -> cancelAll(shuffled(jobs), busy) : () -> claimAndRunAll("worker-" + t));
        long both = cancelledAndRun("cancel.race");
        long cancelled = count("cancel.race", JobState.CANCELLED);
        long succeeded = count("cancel.race", JobState.SUCCEEDED);
        long executions = jdbc.sql(
                        "SELECT count(DISTINCT e.job_id) FROM demo_execution e JOIN jobs j ON j.id = e.job_id"
                                + " WHERE j.type = 'cancel.race'")
                .query(Long.class)
                .single();

        System.out.printf(
                "cancel vs claim: %d cancellers + %d claimers x %d jobs; naive: %d jobs cancelled after they ran"
                        + " (round %d, %d write errors); jobfleet: %d (cancelled %d, ran %d, busy answers %d)%n",
                CANCELLERS,
                CLAIMERS,
                JOBS,
                naiveBoth,
                rounds,
                naiveErrors.get(),
                both,
                cancelled,
                succeeded,
                busy.get());
        assertThat(naiveBoth).as("the naive version must show the anomaly").isPositive();
        assertThat(both).isZero();
        assertThat(cancelled + succeeded).isEqualTo(JOBS);
        assertThat(executions).isEqualTo(succeeded);
        assertThat(cancelled).as("both sides won some").isPositive();
        assertThat(succeeded).isPositive();
    }

    private static Void cancelAll(List<UUID> ids, AtomicInteger busy) {
        for (UUID id : ids) {
            if (repository.cancel(id, "api", "race") == JobRepository.CancelResult.BUSY) {
                busy.incrementAndGet();
            }
        }
        return null;
    }

    private static Void claimAndRunAll(String owner) {
        while (true) {
            List<Claim> claims = repository.claimDue(Set.of("cancel.race"), 5, owner, Duration.ofMinutes(5));
            if (claims.isEmpty()) {
                if (count("cancel.race", JobState.PENDING) == 0) {
                    return null;
                }
                continue;
            }
            List<RunOutcome> outcomes = new ArrayList<>();
            for (Claim c : claims) {
                long execution = repository.startExecution(
                        c.jobId(), owner, c.token(), c.job().attempts());
                repository.endExecution(execution);
                outcomes.add(RunOutcome.succeeded(c.jobId(), c.token()));
            }
            repository.finish(outcomes, owner);
        }
    }

    private static Void naiveCancelAll(List<UUID> ids, AtomicInteger errors) {
        for (UUID id : ids) {
            String state = jdbc.sql("SELECT state FROM jobs WHERE id = ?")
                    .param(id)
                    .query(String.class)
                    .single();
            if (JobState.valueOf(state) == JobState.PENDING) {
                try {
                    jdbc.sql("UPDATE jobs SET state = 'CANCELLED', finished_at = now(), lease_owner = NULL,"
                                    + " lease_expires_at = NULL WHERE id = ?")
                            .param(id)
                            .update();
                    jdbc.sql(
                                    "INSERT INTO job_history (job_id, from_state, to_state, actor) VALUES (?, CAST(? AS job_state), 'CANCELLED', 'naive')")
                            .params(id, state)
                            .update();
                } catch (DataAccessException e) {
                    errors.incrementAndGet();
                }
            }
        }
        return null;
    }

    private static Void naiveClaimAndRunAll(String owner, AtomicInteger errors) {
        while (true) {
            List<UUID> seen = jdbc.sql("SELECT id FROM jobs WHERE type = 'cancel.naive' AND state = 'PENDING' LIMIT 5")
                    .query(UUID.class)
                    .list();
            if (seen.isEmpty()) {
                return null;
            }
            for (UUID id : seen) {
                UUID token = UUID.randomUUID();
                try {
                    jdbc.sql(
                                    "UPDATE jobs SET state = 'RUNNING', claim_token = ?, lease_owner = ?,"
                                            + " lease_expires_at = now() + interval '5 minutes', attempts = attempts + 1 WHERE id = ?")
                            .params(token, owner, id)
                            .update();
                } catch (DataAccessException e) {
                    errors.incrementAndGet();
                    continue;
                }
                long execution = repository.startExecution(id, owner, token, 1);
                repository.endExecution(execution);
                try {
                    jdbc.sql("UPDATE jobs SET state = 'SUCCEEDED', finished_at = now(), lease_owner = NULL,"
                                    + " lease_expires_at = NULL WHERE id = ?")
                            .param(id)
                            .update();
                } catch (DataAccessException e) {
                    errors.incrementAndGet();
                }
            }
        }
    }

    /** Jobs that have an execution and were cancelled at some point. */
    private static long cancelledAndRun(String type) {
        return jdbc.sql("""
                        SELECT count(*) FROM jobs j
                        WHERE j.type = ?
                          AND EXISTS (SELECT 1 FROM demo_execution e WHERE e.job_id = j.id)
                          AND (j.state = 'CANCELLED'
                               OR EXISTS (SELECT 1 FROM job_history h WHERE h.job_id = j.id AND h.to_state = 'CANCELLED'))""").param(type).query(Long.class).single();
    }

    private static long count(String type, JobState state) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE type = ? AND state = CAST(? AS job_state)")
                .params(type, state.name())
                .query(Long.class)
                .single();
    }

    private static List<UUID> shuffled(List<UUID> ids) {
        List<UUID> copy = new ArrayList<>(ids);
        Collections.shuffle(copy);
        return copy;
    }
}
