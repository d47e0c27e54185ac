package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * A run presumed dead: an "old" worker claims a job and goes silent; its lease expires, the
 * reaper rescues the job, the real worker runs it, and the old worker's fencing token then moves
 * nothing. The worker starts only after the old claim, so nothing else can take the job first.
 */
class FencingIT {
    private static final String WORKER = "fencing-worker";
    private static final String OLD_WORKER = "old-worker";

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
        UUID id = jobs.submit(WorkerFlowIT.event(dev.jobfleet.model.JobIds.next(), "demo.noop", "{}", 5), "test")
                .job()
                .id();
        List<Claim> old = jobs.claim(List.of(id), List.of("demo.noop"), OLD_WORKER, Duration.ofSeconds(30));
        assertThat(old).hasSize(1);
        UUID oldToken = old.getFirst().token();
        int expired = JdbcClient.create(db.dataSource())
                .sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(id)
                .update();
        assertThat(expired).isEqualTo(1);

        worker = WorkerApp.start(
                WORKER,
                db,
                kafka,
                Map.of("jobfleet.worker.reaper-interval", "300ms", "jobfleet.worker.poll-interval", "200ms"));
        JobRow job = await().atMost(Duration.ofSeconds(30))
                .until(() -> jobs.find(id).orElseThrow(), j -> j.state() == JobState.SUCCEEDED);

        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.rescueCount()).isEqualTo(1);
        assertThat(job.errors()).hasSize(1);
        assertThat(job.errors().get(0).get("class").asString()).isEqualTo("LeaseExpired");
        assertThat(job.claimToken()).isNotEqualTo(oldToken);
        List<HistoryEntry> history = jobs.history(id);
        assertThat(history)
                .extracting(HistoryEntry::to)
                .containsExactly(
                        JobState.PENDING, JobState.RUNNING, JobState.PENDING, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(history.get(1).actor()).isEqualTo(OLD_WORKER);
        assertThat(history.get(1).claimToken()).isEqualTo(oldToken);
        assertThat(history.get(2).actor()).startsWith(WORKER).contains("reaper");
        assertThat(history.get(3).actor()).isEqualTo(WORKER);
        List<Execution> runs = new Executions(db.dataSource()).of(id);
        assertThat(runs).hasSize(1);
        assertThat(runs.getFirst().claimToken()).isEqualTo(job.claimToken());
        assertThat(worker.getBean(MeterRegistry.class)
                        .get("jobfleet.rescues")
                        .tag("state", "PENDING")
                        .counter()
                        .count())
                .isEqualTo(1);

        // the old worker wakes up: every write under its token is refused
        assertThat(jobs.finish(List.of(RunOutcome.succeeded(id, oldToken)), OLD_WORKER))
                .isEmpty();
        assertThat(jobs.finish(
                        List.of(RunOutcome.retry(id, oldToken, Duration.ZERO, AttemptError.of(1, "late"))), OLD_WORKER))
                .isEmpty();
        assertThat(jobs.extendLeases(Map.of(id, oldToken), Duration.ofSeconds(30)))
                .isEmpty();
        assertThat(jobs.release(Map.of(id, oldToken), OLD_WORKER)).isEmpty();

        JobRow after = jobs.find(id).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.attempts()).isEqualTo(2);
        assertThat(after.errors()).hasSize(1);
        assertThat(after.updatedAt()).isEqualTo(job.updatedAt());
        assertThat(jobs.history(id)).hasSize(history.size());
        assertThat(jobs.overlappingExecutions()).isZero();
        System.out.printf(
                "fencing: rescued and re-run once; 4 writes under the old token changed %d rows%n",
                jobs.history(id).size() - history.size());
    }
}
