package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G2 across a worker crash: a worker process running 12 jobs is killed with SIGKILL. Without a
 * reaper (what a hand-rolled "status = processing" table has) the jobs stay RUNNING for good,
 * held by a dead worker; jobfleet's reaper rescues them once their leases expire and another
 * worker runs every one to SUCCEEDED, starting only after the dead worker was gone.
 */
class WorkerKill9IT {
    private static final int JOBS = 12;
    private static final String DEAD_WORKER = "kill9-worker-a";

    private TestDatabase db;
    private JobRepository jobs;
    private JdbcClient jdbc;
    private TestBroker kafka;
    private ChildWorker victim;
    private ConfigurableApplicationContext rescuer;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(2);
        jobs = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
        kafka = TestBroker.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (rescuer != null) {
            rescuer.close();
        }
        if (victim != null) {
            victim.close();
        }
        kafka.close();
        db.close();
    }

    @Test
    void jobsOfAKilledWorkerAreRescuedAndFinishedElsewhere() throws Exception {
        Map<String, String> shortLease = Map.of(
                "jobfleet.worker.lease", "3s",
                "jobfleet.worker.reaper-interval", "300ms",
                "jobfleet.worker.poll-interval", "200ms");
        victim = ChildWorker.start(DEAD_WORKER, db, kafka, shortLease);
        List<UUID> ids = new ArrayList<>();
        // submitted to the database (as the API does), so the due-job poller claims all 12 at once;
        // through Kafka the listener would take them batch by batch, each batch waiting for its handlers
        for (int i = 0; i < JOBS; i++) {
            UUID id = JobIds.next();
            ids.add(id);
            jobs.submit(WorkerFlowIT.event(id, "demo.sleep", "{\"ms\": 8000}", 5), "test");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> heldBy(id, DEAD_WORKER)));

        victim.process().destroyForcibly(); // SIGKILL: no shutdown hook, no release, no last heartbeat
        assertThat(victim.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        OffsetDateTime killedAt =
                jdbc.sql("SELECT now()").query(OffsetDateTime.class).single();

        // the naive control: nobody reaps; the leases run out and the jobs stay with a dead worker
        await().during(Duration.ofSeconds(5))
                .atMost(Duration.ofSeconds(7))
                .until(() -> ids.stream().allMatch(id -> heldBy(id, DEAD_WORKER)));
        long expiredButHeld = jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'RUNNING' AND lease_expires_at < now()"
                        + " AND lease_owner = ?")
                .param(DEAD_WORKER)
                .query(Long.class)
                .single();

        long started = System.nanoTime();
        rescuer = WorkerApp.start("kill9-worker-b", db, kafka, shortLease);
        await().atMost(Duration.ofSeconds(90))
                .until(() -> ids.stream().allMatch(id -> state(id) == JobState.SUCCEEDED));
        long recoveredMillis = (System.nanoTime() - started) / 1_000_000;

        long rescued = jdbc.sql("SELECT count(*) FROM jobs WHERE id = ANY (CAST(? AS uuid[])) AND rescue_count = 1")
                .param(uuidArray(ids))
                .query(Long.class)
                .single();
        long startedBeforeTheKill =
                jdbc.sql("""
                        SELECT count(*) FROM demo_execution
                        WHERE job_id = ANY (CAST(? AS uuid[])) AND worker_id = 'kill9-worker-b' AND started_at <= ?""").params(uuidArray(ids), killedAt).query(Long.class).single();
        long finishedByB = jdbc.sql("""
                        SELECT count(DISTINCT job_id) FROM demo_execution
                        WHERE job_id = ANY (CAST(? AS uuid[])) AND worker_id = 'kill9-worker-b' AND finished_at IS NOT NULL""").param(uuidArray(ids)).query(Long.class).single();
        System.out.printf(
                "kill -9: %d jobs held by the killed worker; without a reaper %d stayed RUNNING on expired leases;"
                        + " with it all %d SUCCEEDED %d ms after the second worker started (%d rescued once,"
                        + " %d runs of the second worker started before the kill)%n",
                JOBS, expiredButHeld, JOBS, recoveredMillis, rescued, startedBeforeTheKill);
        assertThat(expiredButHeld).as("without a reaper the jobs are stuck").isEqualTo(JOBS);
        assertThat(rescued).isEqualTo(JOBS);
        assertThat(finishedByB).isEqualTo(JOBS);
        assertThat(startedBeforeTheKill).as("never in two places at once").isZero();
        assertThat(jobs.overlappingExecutions())
                .as("the killed runs ended, at the latest, when the reaper fenced their tokens")
                .isZero();
        for (UUID id : ids) {
            JobRow job = jobs.find(id).orElseThrow();
            assertThat(job.attempts()).isEqualTo(2);
            assertThat(jobs.history(id))
                    .anySatisfy(h -> assertThat(h.detail()).isEqualTo("lease expired, held by " + DEAD_WORKER));
        }
    }

    private boolean heldBy(UUID id, String worker) {
        return jobs.find(id)
                .map(j -> j.state() == JobState.RUNNING && worker.equals(j.leaseOwner()))
                .orElse(false);
    }

    private JobState state(UUID id) {
        return jobs.find(id).map(JobRow::state).orElse(null);
    }

    private static String uuidArray(List<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.joining(",", "{", "}"));
    }
}
