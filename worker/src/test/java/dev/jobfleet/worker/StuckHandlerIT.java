package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G9 and G1, a handler that ignores interruption (worker processes): past its 1 s time limit it
 * is interrupted and goes on regardless. The worker keeps the job (its lease is extended for as
 * long as the thread lives; another worker, idle beside it, never gets it), its capacity drops by
 * the one slot, the stuck-handler gauge shows 1, the WARN names the thread, and liveness goes DOWN
 * (more stuck than the 0 allowed), so Kubernetes would restart it. Killed, the process takes the
 * thread with it; the reaper rescues the job once its lease expires and it runs once more, with no
 * overlap.
 *
 * <p>Negative control, first: a worker that hands a run back when its time limit passes, whether or
 * not the thread has ended, runs the same job twice at once.
 */
class StuckHandlerIT {
    @Test
    void aHandlerThatIgnoresItsInterruptKeepsItsJobUntilTheProcessEnds() throws Exception {
        try (TestDatabase db = TestDatabase.create(2);
                TestBroker kafka = TestBroker.start()) {
            JobRepository jobs = new JobRepository(db.dataSource());
            JdbcClient jdbc = JdbcClient.create(db.dataSource());

            // the control: hand back at the time limit
            long naiveOverlaps;
            int naiveExecutions;
            UUID naiveJob;
            try (ChildWorker naive = ChildWorker.start(
                    TestWorkerMain.class,
                    "stuck-naive",
                    db,
                    kafka,
                    settings(Map.of("test.naive-timeout-release", "true")))) {
                naiveJob = submit(jobs, 6_000);
                await().atMost(Duration.ofSeconds(60)).until(() -> executions(jdbc, naiveJob) >= 2);
                // the first run's real end, once its stubborn handler finally returns
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> jdbc.sql("SELECT count(*) FROM demo_execution WHERE job_id = ? AND attempt = 1"
                                                + " AND finished_at IS NOT NULL")
                                        .param(naiveJob)
                                        .query(Integer.class)
                                        .single()
                                == 1);
                naiveExecutions = executions(jdbc, naiveJob);
                naiveOverlaps = jobs.overlappingExecutions();
            }
            assertThat(naiveExecutions)
                    .as("control: handed back at its limit, the job ran again")
                    .isGreaterThanOrEqualTo(2);
            assertThat(naiveOverlaps)
                    .as("control: while the first run still went on")
                    .isPositive();
            jdbc.sql("DELETE FROM demo_execution").update();
            jdbc.sql(
                            "UPDATE jobs SET state = 'CANCELLED', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL"
                                    + " WHERE id = ? AND state IN ('PENDING', 'RUNNING')")
                    .param(naiveJob)
                    .update();

            // jobfleet
            ChildWorker holder = ChildWorker.start(TestWorkerMain.class, "stuck-holder", db, kafka, settings(Map.of()));
            ChildWorker bystander = null;
            try {
                UUID job = submit(jobs, 600_000);
                await().atMost(Duration.ofSeconds(30)).until(() -> executions(jdbc, job) == 1);
                UUID token = jobs.find(job).orElseThrow().claimToken();
                await().atMost(Duration.ofSeconds(30)).until(() -> holder.gauge("jobfleet_worker_stuck_handlers") == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> holder.liveness() == 503);
                double busy = holder.gauge("jobfleet_worker_handlers_busy");
                bystander = ChildWorker.start(TestWorkerMain.class, "stuck-bystander", db, kafka, settings(Map.of()));
                long heldFrom = System.nanoTime();
                // three leases and more, with an idle worker polling beside it: the job stays where it is
                await().during(Duration.ofSeconds(10))
                        .atMost(Duration.ofSeconds(15))
                        .until(() -> {
                            JobRow row = jobs.find(job).orElseThrow();
                            return row.state() == JobState.RUNNING
                                    && token.equals(row.claimToken())
                                    && executions(jdbc, job) == 1;
                        });
                long heldMillis = (System.nanoTime() - heldFrom) / 1_000_000;
                String log = Files.readString(holder.log());
                assertThat(log)
                        .contains("stuck handler: job " + job)
                        .contains("at dev.jobfleet.worker.EngineTestHandlers");
                assertThat(holder.readiness())
                        .as("still ready: only liveness fails")
                        .isEqualTo(200);

                holder.process().destroyForcibly(); // SIGKILL: the thread dies with the process
                assertThat(holder.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                // the killed worker may have died holding a chore's lock: it lapses after 15 s at most
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> jobs.find(job).orElseThrow().state() == JobState.SUCCEEDED);
                JobRow done = jobs.find(job).orElseThrow();
                System.out.printf(
                        "stuck handler: naive hand-back at the limit ran the job %d times, %d overlapping; jobfleet"
                                + " kept it %d ms with an idle worker beside it (stuck gauge 1, busy slots %.0f,"
                                + " liveness 503), then after kill -9 it was rescued and ran once more: attempts %d,"
                                + " executions %d, overlaps %d%n",
                        naiveExecutions,
                        naiveOverlaps,
                        heldMillis,
                        busy,
                        done.attempts(),
                        executions(jdbc, job),
                        jobs.overlappingExecutions());
                assertThat(busy).as("the stuck thread still holds its slot").isEqualTo(1);
                assertThat(done.attempts()).isEqualTo(2);
                assertThat(done.rescueCount()).isEqualTo(1);
                assertThat(executions(jdbc, job)).isEqualTo(2);
                assertThat(jobs.overlappingExecutions()).isZero();
            } finally {
                holder.close();
                if (bystander != null) {
                    bystander.close();
                }
            }
        }
    }

    private static Map<String, String> settings(Map<String, String> extra) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("jobfleet.worker.concurrency", "4");
        settings.put("jobfleet.worker.lease", "3s");
        settings.put("jobfleet.worker.reaper-interval", "300ms");
        settings.put("jobfleet.worker.poll-interval", "100ms");
        settings.put("jobfleet.worker.retry-promoter-interval", "200ms");
        settings.put("jobfleet.worker.backoff.base", "100ms");
        settings.put("jobfleet.worker.backoff.max", "200ms");
        settings.put("jobfleet.worker.handlers[" + EngineTestHandlers.STUBBORN + "].timeout", "1s");
        settings.put("jobfleet.worker.stuck-after", "1s");
        settings.put("jobfleet.worker.max-stuck-handlers", "0");
        settings.putAll(extra);
        return settings;
    }

    private static UUID submit(JobRepository jobs, long ms) {
        JobEvent event = new JobEvent(
                JobIds.next(),
                EngineTestHandlers.STUBBORN,
                JobCodec.mapper().readTree("{\"ms\": " + ms + ", \"firstAttemptOnly\": true}"),
                null,
                null,
                5,
                null,
                null);
        return jobs.submit(event, "test").job().id();
    }

    private static int executions(JdbcClient jdbc, UUID job) {
        return jdbc.sql("SELECT count(*) FROM demo_execution WHERE job_id = ?")
                .param(job)
                .query(Integer.class)
                .single();
    }
}
