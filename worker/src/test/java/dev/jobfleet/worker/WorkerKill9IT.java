package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.maintenance.LeaseReaper;
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
 * G2 across a worker crash: a worker process running 12 jobs is killed with SIGKILL while a second
 * worker, started before the kill, polls the same database.
 *
 * <p>The negative control is that same fleet without a reaper, what a hand-rolled "status =
 * processing" table has: the reaper's ShedLock row is held by the test (the fault), so the second
 * worker runs its reaper chore but never gets the lock. The control checks that the fault was in
 * place and that the second worker was working (it runs jobs submitted after the kill), then shows
 * the 12 jobs stuck RUNNING on expired leases. The test then lets go of the lock: the reaper
 * rescues them, and the second worker runs every one to SUCCEEDED. Since it was polling all along,
 * "it started none of them before the kill" and "no two executions of a job overlap" could fail.
 */
class WorkerKill9IT {
    private static final int JOBS = 12;
    private static final String DEAD_WORKER = "kill9-worker-a";
    private static final String RESCUER = "kill9-worker-b";
    private static final String TEST_LOCK_HOLDER = "WorkerKill9IT (no reaper)";

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
                "jobfleet.worker.poll-interval", "200ms",
                // the 12 rescued jobs are suspects; taking them one by one is not what this test is about
                "jobfleet.worker.suspect-probation", "50ms");
        victim = ChildWorker.start(DEAD_WORKER, db, kafka, shortLease);
        List<UUID> ids = new ArrayList<>();
        // submitted to the database (as the API does), so the due-job poller claims all 12 at once;
        // through Kafka the listener would take them batch by batch, each batch waiting for its handlers
        for (int i = 0; i < JOBS; i++) {
            UUID id = JobIds.next();
            ids.add(id);
            // long enough that the killed worker still runs them when the second worker is up
            jobs.submit(WorkerFlowIT.event(id, "demo.sleep", "{\"ms\": 120000}", 5), "test");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> heldBy(id, DEAD_WORKER)));

        // the fault of the control: no instance can take the reaper's lock
        holdReaperLock();
        rescuer = WorkerApp.start(RESCUER, db, kafka, shortLease);
        victim.process().destroyForcibly(); // SIGKILL: no shutdown hook, no release, no last heartbeat
        assertThat(victim.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        OffsetDateTime killedAt =
                jdbc.sql("SELECT clock_timestamp()").query(OffsetDateTime.class).single();

        // the control: a live worker and no reaper; the leases run out and the jobs stay with a dead worker
        List<UUID> canaries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            UUID id = JobIds.next();
            canaries.add(id);
            jobs.submit(WorkerFlowIT.event(id, "demo.noop", "{}", 5), "test");
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> canaries.stream().allMatch(id -> state(id) == JobState.SUCCEEDED));
        await().during(Duration.ofSeconds(5))
                .atMost(Duration.ofSeconds(7))
                .until(() -> ids.stream().allMatch(id -> heldBy(id, DEAD_WORKER)));
        long expiredButHeld = jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'RUNNING' AND lease_expires_at < now()"
                        + " AND lease_owner = ?")
                .param(DEAD_WORKER)
                .query(Long.class)
                .single();
        String reaperLockHolder = jdbc.sql("SELECT locked_by FROM shedlock WHERE name = ?")
                .param(LeaseReaper.LOCK)
                .query(String.class)
                .single();
        long canariesByRescuer = jdbc.sql("""
                        SELECT count(*) FROM demo_execution WHERE job_id = ANY (CAST(? AS uuid[])) AND worker_id = ?""")
                .params(uuidArray(canaries), RESCUER)
                .query(Long.class)
                .single();

        // the runs after the rescue need not take two minutes: a second is enough to show where they ran
        jdbc.sql("UPDATE jobs SET payload = '{\"ms\": 1000}' WHERE id = ANY (CAST(? AS uuid[]))")
                .param(uuidArray(ids))
                .update();
        long started = System.nanoTime();
        releaseReaperLock();
        await().atMost(Duration.ofSeconds(90))
                .until(() -> ids.stream().allMatch(id -> state(id) == JobState.SUCCEEDED));
        long recoveredMillis = (System.nanoTime() - started) / 1_000_000;

        long rescued = jdbc.sql("SELECT count(*) FROM jobs WHERE id = ANY (CAST(? AS uuid[])) AND rescue_count = 1")
                .param(uuidArray(ids))
                .query(Long.class)
                .single();
        long startedBeforeTheKill = jdbc.sql("""
                        SELECT count(*) FROM demo_execution
                        WHERE job_id = ANY (CAST(? AS uuid[])) AND worker_id = ? AND started_at <= ?""")
                .params(uuidArray(ids), RESCUER, killedAt)
                .query(Long.class)
                .single();
        long finishedByB =
                jdbc.sql("""
                        SELECT count(DISTINCT job_id) FROM demo_execution
                        WHERE job_id = ANY (CAST(? AS uuid[])) AND worker_id = ? AND finished_at IS NOT NULL""").params(uuidArray(ids), RESCUER).query(Long.class).single();
        System.out.printf(
                "kill -9: %d jobs held by the killed worker, a second worker polling since before the kill; without a"
                        + " reaper (its lock held) %d stayed RUNNING on expired leases while that worker ran %d new"
                        + " jobs; with it all %d SUCCEEDED %d ms after the lock was let go (%d rescued once, %d runs of"
                        + " the second worker started before the kill, %d overlapping executions)%n",
                JOBS,
                expiredButHeld,
                canariesByRescuer,
                JOBS,
                recoveredMillis,
                rescued,
                startedBeforeTheKill,
                jobs.overlappingExecutions());
        // the control's own preconditions: the fault was in place all along and the live worker was working
        assertThat(reaperLockHolder).as("the reaper's lock was the test's").isEqualTo(TEST_LOCK_HOLDER);
        assertThat(canariesByRescuer)
                .as("the second worker ran jobs during the window")
                .isEqualTo(3);
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
                    .anySatisfy(h -> assertThat(h.detail()).startsWith("lease expired, held by " + DEAD_WORKER));
        }
    }

    /** ShedLock's row for the reaper, held far into the future under a name no worker unlocks with. */
    private void holdReaperLock() {
        jdbc.sql("""
                        INSERT INTO shedlock (name, lock_until, locked_at, locked_by)
                        VALUES (?, timezone('utc', now()) + interval '1 hour', timezone('utc', now()), ?)
                        ON CONFLICT (name) DO UPDATE SET lock_until = EXCLUDED.lock_until,
                            locked_at = EXCLUDED.locked_at, locked_by = EXCLUDED.locked_by""").params(LeaseReaper.LOCK, TEST_LOCK_HOLDER).update();
    }

    private void releaseReaperLock() {
        int released = jdbc.sql(
                        "UPDATE shedlock SET lock_until = timezone('utc', now()) WHERE name = ? AND locked_by = ?")
                .params(LeaseReaper.LOCK, TEST_LOCK_HOLDER)
                .update();
        assertThat(released).isEqualTo(1);
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
