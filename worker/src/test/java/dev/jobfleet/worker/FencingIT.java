package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.AttemptError;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.Executions.Execution;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A run presumed dead: an "old" worker claims two jobs and goes silent; their leases expire, the
 * reaper rescues them, and the real worker runs them again (demo.sleep, 3 s). While those new runs
 * are still running, the old worker wakes up and finishes its runs.
 *
 * <p>The negative control is the old worker's finish written the hand-rolled way, by id and state
 * without the fencing token ({@code UPDATE ... WHERE id = ? AND state = 'RUNNING'}): after checking
 * that the job is RUNNING under the new run's token and that the new run's execution is in
 * progress, the late write changes the row and ends a job another worker is running. jobfleet's
 * writes under the old token (finish, retry, lease extension, release) change nothing, then and
 * after the new run finished. The worker starts only after the old claims, so nothing else can take
 * the jobs first.
 */
class FencingIT {
    private static final String WORKER = "fencing-worker";
    private static final String OLD_WORKER = "old-worker";
    private static final String SLEEP = "{\"ms\": 3000}";

    private TestDatabase db;
    private JobRepository jobs;
    private TestBroker kafka;
    private ConfigurableApplicationContext worker;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(4);
        jobs = new JobRepository(db.dataSource());
        kafka = TestBroker.start();
    }

    @AfterEach
    void tearDown() {
        if (worker != null) {
            worker.close();
        }
        kafka.close();
        db.close();
    }

    @Test
    void rescuedJobRunsOnceAndTheOldTokenMovesNothing() {
        UUID naiveId = jobs.submit(WorkerFlowIT.event(JobIds.next(), "demo.sleep", SLEEP, 5), "test")
                .job()
                .id();
        UUID id = jobs.submit(WorkerFlowIT.event(JobIds.next(), "demo.sleep", SLEEP, 5), "test")
                .job()
                .id();
        List<Claim> old = jobs.claim(List.of(naiveId, id), List.of("demo.sleep"), OLD_WORKER, Duration.ofSeconds(30));
        assertThat(old).hasSize(2);
        UUID naiveOldToken = old.stream()
                .filter(c -> c.jobId().equals(naiveId))
                .findFirst()
                .orElseThrow()
                .token();
        UUID oldToken = old.stream()
                .filter(c -> c.jobId().equals(id))
                .findFirst()
                .orElseThrow()
                .token();
        JdbcClient jdbc = JdbcClient.create(db.dataSource());
        int expired = jdbc.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id IN (?, ?)")
                .params(naiveId, id)
                .update();
        assertThat(expired).isEqualTo(2);

        worker = WorkerApp.start(
                WORKER,
                db,
                kafka,
                Map.of(
                        "jobfleet.worker.reaper-interval", "300ms",
                        "jobfleet.worker.poll-interval", "200ms",
                        // both rescued runs are suspects; let the worker take the second one at once
                        "jobfleet.worker.suspect-probation", "50ms"));
        Executions executions = new Executions(db.dataSource());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> List.of(naiveId, id).stream().allMatch(j -> runningOnWorker(j, executions)));

        // the old worker wakes up while the rescued runs are still running
        JobRow naiveBefore = jobs.find(naiveId).orElseThrow();
        int naiveRows = jdbc.sql("""
                        UPDATE jobs SET state = 'SUCCEEDED', finished_at = now(), lease_owner = NULL,
                            lease_expires_at = NULL, updated_at = now()
                        WHERE id = ? AND state = 'RUNNING'""").param(naiveId).update();
        boolean naiveRunWasInProgress = executions.of(naiveId).getFirst().finishedAt() == null;
        JobRow before = jobs.find(id).orElseThrow();
        assertThat(before.state()).isEqualTo(JobState.RUNNING);
        assertThat(before.claimToken()).isNotEqualTo(oldToken);
        long fencedRows = lateWrites(id, oldToken);
        JobRow during = jobs.find(id).orElseThrow();

        JobRow job = await().atMost(Duration.ofSeconds(30))
                .until(() -> jobs.find(id).orElseThrow(), j -> j.state() == JobState.SUCCEEDED);
        long fencedRowsAfter = lateWrites(id, oldToken);
        System.out.printf(
                "fencing: two rescued runs in progress when the presumed-dead worker wakes; its unfenced finish"
                        + " (by id and state) changed %d row and ended the other worker's run (still in progress:"
                        + " %s); its 4 writes under the old token changed %d rows, during and after the new run%n",
                naiveRows, naiveRunWasInProgress, fencedRows + fencedRowsAfter);
        // the control's own preconditions: the job was the new run's, and that run was working
        assertThat(naiveBefore.state()).isEqualTo(JobState.RUNNING);
        assertThat(naiveBefore.leaseOwner()).isEqualTo(WORKER);
        assertThat(naiveBefore.claimToken()).isNotEqualTo(naiveOldToken);
        assertThat(naiveRunWasInProgress)
                .as("the new run was still working at the late write")
                .isTrue();
        assertThat(naiveRows)
                .as("the unfenced late write ends a job another run holds")
                .isEqualTo(1);
        assertThat(jobs.find(naiveId).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);

        assertThat(fencedRows).isZero();
        assertThat(during.state()).isEqualTo(JobState.RUNNING);
        assertThat(during.claimToken()).isEqualTo(before.claimToken());
        assertThat(during.leaseExpiresAt()).isEqualTo(before.leaseExpiresAt());
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.rescueCount()).isEqualTo(1);
        assertThat(job.errors()).hasSize(1);
        assertThat(job.errors().get(0).get("class").asString()).isEqualTo("LeaseExpired");
        assertThat(job.claimToken()).isNotEqualTo(oldToken);
        List<HistoryEntry> history = jobs.history(id);
        assertThat(history)
                .extracting(HistoryEntry::to)
                .containsExactly(
                        JobState.PENDING,
                        JobState.RUNNING,
                        JobState.RETRY_SCHEDULED,
                        JobState.PENDING,
                        JobState.RUNNING,
                        JobState.SUCCEEDED);
        assertThat(history.get(1).actor()).isEqualTo(OLD_WORKER);
        assertThat(history.get(1).claimToken()).isEqualTo(oldToken);
        assertThat(history.get(2).actor()).startsWith(WORKER).contains("reaper");
        assertThat(history.get(3).actor()).startsWith(WORKER).contains("retry promoter");
        assertThat(history.get(4).actor()).isEqualTo(WORKER);
        List<Execution> runs = executions.of(id);
        assertThat(runs).hasSize(1);
        assertThat(runs.getFirst().claimToken()).isEqualTo(job.claimToken());
        assertThat(worker.getBean(MeterRegistry.class)
                        .get("jobfleet.rescues")
                        .tag("state", "RETRY_SCHEDULED")
                        .counter()
                        .count())
                .isEqualTo(2);

        // and after the new run has finished: still nothing
        assertThat(fencedRowsAfter).isZero();
        JobRow after = jobs.find(id).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.attempts()).isEqualTo(2);
        assertThat(after.errors()).hasSize(1);
        assertThat(after.updatedAt()).isEqualTo(job.updatedAt());
        assertThat(jobs.history(id)).hasSize(history.size());
        assertThat(jobs.overlappingExecutions()).isZero();
    }

    /** The presumed-dead worker's four writes under its old token; the rows they changed. */
    private long lateWrites(UUID id, UUID oldToken) {
        return jobs.finish(List.of(RunOutcome.succeeded(id, oldToken)), OLD_WORKER)
                        .size()
                + jobs.finish(
                                List.of(RunOutcome.retry(id, oldToken, Duration.ZERO, AttemptError.of(1, "late"))),
                                OLD_WORKER)
                        .size()
                + jobs.extendLeases(Map.of(id, oldToken), Duration.ofSeconds(30))
                        .size()
                + jobs.release(Map.of(id, oldToken), OLD_WORKER).size();
    }

    /** The job runs on the worker under a new claim, and its execution there has started. */
    private boolean runningOnWorker(UUID id, Executions executions) {
        JobRow job = jobs.find(id).orElseThrow();
        return job.state() == JobState.RUNNING
                && WORKER.equals(job.leaseOwner())
                && job.attempts() == 2
                && executions.of(id).size() == 1;
    }
}
