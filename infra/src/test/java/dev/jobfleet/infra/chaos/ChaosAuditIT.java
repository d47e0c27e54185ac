package dev.jobfleet.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.store.TestDatabase;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The chaos harness's invariants can fail: each anomaly the harness looks for is written into a
 * database by hand (the rows a broken fleet would leave), and the audit must name exactly the jobs
 * that carry it, and none of the clean ones next to them.
 */
class ChaosAuditIT {
    private static TestDatabase db;
    private static JdbcClient jdbc;
    private static ChaosAudit audit;

    @BeforeAll
    static void database() {
        db = TestDatabase.create(2);
        jdbc = JdbcClient.create(db.dataSource());
        audit = new ChaosAudit(db.dataSource());
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void aJobNotTerminalOrMissingIsLost() {
        UUID done = job("SUCCEEDED");
        UUID running = job("RUNNING");
        UUID missing = UUID.randomUUID();
        assertThat(audit.notTerminal(List.of(done, running, missing))).containsExactlyInAnyOrder(running, missing);
    }

    @Test
    void twoOutcomesInOneHistoryAreADuplicate() {
        UUID once = job("SUCCEEDED");
        history(once, null, "PENDING", null, 0);
        UUID token = UUID.randomUUID();
        history(once, "PENDING", "RUNNING", token, 1);
        history(once, "RUNNING", "SUCCEEDED", token, 2);
        UUID twice = job("SUCCEEDED");
        history(twice, null, "PENDING", null, 0);
        history(twice, "PENDING", "RUNNING", token, 1);
        history(twice, "RUNNING", "SUCCEEDED", token, 2);
        history(twice, "RUNNING", "SUCCEEDED", token, 3);
        assertThat(audit.outcomesRecordedTwice(List.of(once, twice))).containsExactly(twice);
        assertThat(audit.illegalHistoryEdges(List.of(once))).isEmpty();
        assertThat(audit.illegalHistoryEdges(List.of(twice)))
                .as("the second SUCCEEDED row does not leave the state the first one left")
                .hasSize(1);
    }

    @Test
    void anEdgeOutsideTheTableOrNotFromThePreviousStateIsIllegal() {
        UUID backwards = job("RUNNING");
        history(backwards, null, "PENDING", null, 0);
        history(backwards, "PENDING", "SUCCEEDED", null, 1);
        UUID skipping = job("SUCCEEDED");
        history(skipping, null, "PENDING", null, 0);
        history(skipping, "RUNNING", "SUCCEEDED", null, 1);
        UUID noStart = job("PENDING");
        history(noStart, "PENDING", "RUNNING", null, 0);
        assertThat(audit.illegalHistoryEdges(List.of(backwards, skipping, noStart)))
                .hasSize(3)
                .anySatisfy(l -> assertThat(l).startsWith(backwards.toString()).contains("PENDING -> SUCCEEDED"))
                .anySatisfy(l -> assertThat(l).startsWith(skipping.toString()).contains("after PENDING"))
                .anySatisfy(l -> assertThat(l).startsWith(noStart.toString()));
    }

    @Test
    void executionsOverlapUnlessTheFirstEndedOrWasFencedBeforeTheSecondBegan() {
        UUID sequential = job("SUCCEEDED");
        execution(sequential, "worker-1", 0, 1.0);
        execution(sequential, "worker-2", 2.0, 3.0);
        UUID overlapping = job("SUCCEEDED");
        execution(overlapping, "worker-1", 0, 2.0);
        execution(overlapping, "worker-2", 1.0, 3.0);
        // a run that died without its end: it ends when the reaper fenced its claim
        UUID fencedFirst = job("SUCCEEDED");
        UUID lost = execution(fencedFirst, "worker-1", 0, null);
        history(fencedFirst, "RUNNING", "PENDING", lost, 5.0);
        execution(fencedFirst, "worker-2", 6.0, 7.0);
        UUID startedBeforeFence = job("SUCCEEDED");
        UUID lost2 = execution(startedBeforeFence, "worker-1", 0, null);
        history(startedBeforeFence, "RUNNING", "PENDING", lost2, 5.0);
        execution(startedBeforeFence, "worker-2", 4.0, 7.0);
        UUID neverFenced = job("SUCCEEDED");
        execution(neverFenced, "worker-1", 0, null);
        execution(neverFenced, "worker-2", 60.0, 61.0);

        assertThat(audit.overlappingExecutions(
                        List.of(sequential, overlapping, fencedFirst, startedBeforeFence, neverFenced), null))
                .containsExactlyInAnyOrder(overlapping, startedBeforeFence, neverFenced);
        assertThat(audit.reExecuted(List.of(sequential, overlapping))).isEqualTo(2);
    }

    @Test
    void anEndWriteThatWaitedOutAPartitionCountsFromTheFenceOnlyForTheCutWorker() {
        UUID job = job("SUCCEEDED");
        // worker-3 ran from 0, was fenced at 5, its end write landed at 20, after the heal at 15
        UUID cut = execution(job, "worker-3", 0, 20.0);
        history(job, "RUNNING", "PENDING", cut, 5.0);
        execution(job, "worker-1", 6.0, 7.0);
        long healed = epochMillis(15.0);

        assertThat(audit.overlappingExecutions(List.of(job), null)).containsExactly(job);
        assertThat(audit.overlappingExecutions(List.of(job), new ChaosFleet.Partition("worker-3", healed)))
                .isEmpty();
        assertThat(audit.overlappingExecutions(List.of(job), new ChaosFleet.Partition("worker-1", healed)))
                .as("only the worker that was cut off")
                .containsExactly(job);
        assertThat(audit.lateEndWrites(List.of(job), new ChaosFleet.Partition("worker-3", healed)))
                .isEqualTo(1);
    }

    @Test
    void theMostExecutionsAtOnceAcrossJobsIsWhatALimitIsCheckedAgainst() {
        UUID a = job("SUCCEEDED");
        UUID b = job("SUCCEEDED");
        UUID c = job("SUCCEEDED");
        execution(a, "worker-1", 0, 3.0);
        execution(b, "worker-2", 1.0, 4.0);
        execution(c, "worker-3", 3.5, 5.0);
        assertThat(audit.maxConcurrentExecutions(List.of(a, b, c), null)).isEqualTo(2);
        execution(c, "worker-3", 2.0, 2.5);
        assertThat(audit.maxConcurrentExecutions(List.of(a, b, c), null)).isEqualTo(3);
    }

    // ---- rows as a fleet would leave them; times in seconds after a fixed instant ----------

    private static final long T0 = 1_800_000_000_000L;

    private static long epochMillis(double seconds) {
        return T0 + (long) (seconds * 1000);
    }

    private static UUID job(String state) {
        UUID id = UUID.randomUUID();
        boolean running = state.equals("RUNNING");
        boolean terminal = List.of("SUCCEEDED", "DEAD", "CANCELLED").contains(state);
        jdbc.sql("""
                        INSERT INTO jobs (id, type, state, claim_token, lease_owner, lease_expires_at, finished_at)
                        VALUES (:id, 'demo.sleep', CAST(:state AS job_state), :token, :owner,
                                CASE WHEN :running THEN now() END, CASE WHEN :terminal THEN now() END)""")
                .param("id", id)
                .param("state", state)
                .param("token", running ? UUID.randomUUID() : null)
                .param("owner", running ? "worker-1" : null)
                .param("running", running)
                .param("terminal", terminal)
                .update();
        return id;
    }

    private static void history(UUID job, String from, String to, UUID token, double at) {
        jdbc.sql("""
                        INSERT INTO job_history (job_id, from_state, to_state, at, actor, claim_token)
                        VALUES (:job, CAST(:from AS job_state), CAST(:to AS job_state), to_timestamp(:at / 1000.0),
                                'worker-1 (reaper)', :token)""")
                .param("job", job)
                .param("from", from)
                .param("to", to)
                .param("at", epochMillis(at))
                .param("token", token)
                .update();
    }

    /** An execution from {@code start} to {@code end} (null: never recorded); returns its claim token. */
    private static UUID execution(UUID job, String worker, double start, Double end) {
        UUID token = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO demo_execution (job_id, worker_id, claim_token, attempt, started_at, finished_at)
                        VALUES (:job, :worker, :token, 1, to_timestamp(:start / 1000.0),
                                to_timestamp(CAST(:end AS bigint) / 1000.0))""")
                .param("job", job)
                .param("worker", worker)
                .param("token", token)
                .param("start", epochMillis(start))
                .param("end", end == null ? null : epochMillis(end))
                .update();
        return token;
    }
}
