package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G1 across shutdown, with worker processes: three workers run long jobs whose handlers, once
 * interrupted, take 1.5 s to give up (they clean up, deaf to further interrupts). A worker gets
 * SIGTERM with a 200 ms grace, is restarted, and the next one gets it, round after round.
 *
 * <p>Negative control, first, on a fleet of its own: the naive shutdown (hand every held run back
 * to PENDING, then interrupt) lets the other workers claim a job while its old handler is still
 * cleaning up: executions overlap. jobfleet hands a run back only once its handler thread has
 * ended: none overlap, over several rounds, and every job still finishes.
 */
class ShutdownOverlapIT {
    private static final int WORKERS = 3;
    private static final int JOBS = 24;
    private static final int ROUNDS = 2;

    @Test
    void aRunIsHandedBackOnlyAfterItsHandlerEnded() throws Exception {
        Round naive = fleet(true, 1);
        assertThat(naive.signalled).as("control: workers were signalled").isEqualTo(1);
        assertThat(naive.heldAtSignal)
                .as("control: the signalled worker held running jobs")
                .allSatisfy(held -> assertThat(held).isGreaterThanOrEqualTo(4));
        assertThat(naive.exitCodes)
                .as("control: each signalled worker exited 0")
                .containsOnly(0);
        assertThat(naive.overlaps)
                .as("control: released before its handler ended, a job ran twice at once")
                .isPositive();

        Round jobfleet = fleet(false, ROUNDS);
        System.out.printf(
                "shutdown: naive release-then-interrupt: %d overlapping executions after %d SIGTERM (held %s);"
                        + " jobfleet: %d overlapping executions after %d SIGTERMs (held %s), %d of %d jobs"
                        + " SUCCEEDED, %d hand-backs%n",
                naive.overlaps,
                naive.signalled,
                naive.heldAtSignal,
                jobfleet.overlaps,
                jobfleet.signalled,
                jobfleet.heldAtSignal,
                jobfleet.succeeded,
                ROUNDS * JOBS,
                jobfleet.handBacks);
        assertThat(jobfleet.signalled).isEqualTo(ROUNDS);
        assertThat(jobfleet.heldAtSignal).allSatisfy(held -> assertThat(held).isPositive());
        assertThat(jobfleet.exitCodes).containsOnly(0);
        assertThat(jobfleet.handBacks).as("interrupted runs were handed back").isPositive();
        assertThat(jobfleet.overlaps).as("never in two places at once").isZero();
        assertThat(jobfleet.succeeded).as("and every job finished").isEqualTo(ROUNDS * JOBS);
    }

    record Round(
            int signalled,
            List<Integer> heldAtSignal,
            List<Integer> exitCodes,
            long overlaps,
            long handBacks,
            int succeeded) {}

    private static Round fleet(boolean naive, int rounds) throws Exception {
        try (TestDatabase db = TestDatabase.create(2);
                TestBroker kafka = TestBroker.start()) {
            JobRepository jobs = new JobRepository(db.dataSource());
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            String prefix = naive ? "naive-" : "jobfleet-";
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("jobfleet.worker.concurrency", "16");
            settings.put("jobfleet.worker.poll-interval", "100ms");
            settings.put("jobfleet.worker.retry-promoter-interval", "200ms");
            settings.put("jobfleet.worker.shutdown-grace", "200ms");
            settings.put("jobfleet.worker.shutdown-exit-wait", "5s");
            settings.put("test.naive-release-first", String.valueOf(naive));
            List<ChildWorker> workers = new ArrayList<>();
            try {
                for (int i = 0; i < WORKERS; i++) {
                    workers.add(ChildWorker.start(TestWorkerMain.class, prefix + i, db, kafka, settings));
                }
                List<UUID> ids = new ArrayList<>();
                List<Integer> held = new ArrayList<>();
                List<Integer> exits = new ArrayList<>();
                int generation = WORKERS;
                for (int round = 0; round < rounds; round++) {
                    ids.addAll(submit(jobs));
                    await().atMost(Duration.ofSeconds(60)).until(() -> running(jdbc) >= JOBS);
                    // once every job has run for a second, the worker holding the most gets SIGTERM (chosen
                    // earlier, it could be one that claimed the first few while the others claimed the rest)
                    await().atMost(Duration.ofSeconds(60)).until(() -> runningForASecond(jdbc) >= JOBS);
                    String busiest = busiest(jdbc);
                    int index = -1;
                    for (int i = 0; i < workers.size(); i++) {
                        if (workers.get(i).workerId().equals(busiest)) {
                            index = i;
                        }
                    }
                    ChildWorker victim = workers.get(index);
                    held.add(heldBy(jdbc, busiest));
                    victim.process().destroy(); // SIGTERM
                    assertThat(victim.process().waitFor(60, TimeUnit.SECONDS))
                            .as("the worker exits")
                            .isTrue();
                    exits.add(victim.process().exitValue());
                    if (round < rounds - 1 || !naive) {
                        workers.set(
                                index,
                                ChildWorker.start(TestWorkerMain.class, prefix + generation++, db, kafka, settings));
                    }
                }
                int succeeded = 0;
                if (!naive) {
                    await().atMost(Duration.ofSeconds(120))
                            .until(() -> ids.stream()
                                    .allMatch(id -> jobs.find(id).orElseThrow().state() == JobState.SUCCEEDED));
                    succeeded = ids.size();
                } else {
                    // the control's overlaps happen within the handlers' 1.5 s of cleaning up after the signal
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> jobs.overlappingExecutions() > 0
                                    || jdbc.sql("SELECT count(*) FROM demo_execution WHERE finished_at IS NULL")
                                                    .query(Long.class)
                                                    .single()
                                            == 0);
                }
                long handBacks = jdbc.sql(
                                "SELECT count(*) FROM job_history WHERE from_state = 'RUNNING' AND to_state = 'PENDING'")
                        .query(Long.class)
                        .single();
                return new Round(rounds, held, exits, jobs.overlappingExecutions(), handBacks, succeeded);
            } finally {
                for (ChildWorker w : workers) {
                    w.close();
                }
            }
        }
    }

    private static List<UUID> submit(JobRepository jobs) {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            JobEvent event = new JobEvent(
                    JobIds.next(),
                    EngineTestHandlers.FINISH_UP,
                    JobCodec.mapper().readTree("{\"ms\": 6000, \"finishMs\": 1500}"),
                    null,
                    null,
                    10,
                    null,
                    null);
            ids.add(jobs.submit(event, "test").job().id());
        }
        return ids;
    }

    private static long running(JdbcClient jdbc) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'RUNNING'")
                .query(Long.class)
                .single();
    }

    private static long runningForASecond(JdbcClient jdbc) {
        return jdbc.sql(
                        "SELECT count(*) FROM jobs WHERE state = 'RUNNING' AND started_at < now() - interval '1 second'")
                .query(Long.class)
                .single();
    }

    /** The worker holding the most running jobs that have run for at least a second. */
    private static String busiest(JdbcClient jdbc) {
        return jdbc.sql("""
                        SELECT lease_owner FROM jobs
                        WHERE state = 'RUNNING' AND started_at < now() - interval '1 second'
                        GROUP BY lease_owner ORDER BY count(*) DESC, lease_owner LIMIT 1""").query(String.class).optional().orElse(null);
    }

    private static int heldBy(JdbcClient jdbc, String worker) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'RUNNING' AND lease_owner = ?")
                .param(worker)
                .query(Integer.class)
                .single();
    }
}
