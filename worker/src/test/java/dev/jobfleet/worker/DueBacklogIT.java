package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.store.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A backlog of due jobs that no Kafka event announces (retries, scheduled jobs, rescued runs)
 * drains as fast as handler slots free up, not one slot-full per poll interval: 2,000 due jobs are
 * in the table before the worker starts, with a poll interval of one hour. The scheduled poll runs
 * once, at start, and claims at most one slot-full (16); every other job runs because a freed slot
 * woke the poller while it had a backlog.
 */
class DueBacklogIT {
    private static final int JOBS = 2_000;

    @Test
    void aBacklogOfDueJobsRunsWithoutWaitingForTheNextPoll() throws Exception {
        try (TestDatabase db = TestDatabase.create(8);
                TestBroker kafka = TestBroker.start()) {
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            jdbc.sql(
                            "INSERT INTO jobs (id, type, run_at) SELECT gen_random_uuid(), 'demo.noop', now() - interval '1 second'"
                                    + " FROM generate_series(1, ?)")
                    .param(JOBS)
                    .update();
            long started = System.nanoTime();
            try (ConfigurableApplicationContext worker = WorkerApp.start(
                    "due-backlog-worker",
                    db,
                    kafka,
                    Map.of("jobfleet.worker.poll-interval", "1h", "jobfleet.worker.concurrency", "16"))) {
                await("every due job ran, with the next scheduled poll an hour away")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> succeeded(jdbc) == JOBS);
                System.out.printf(
                        "due backlog: %d due jobs with no Kafka event run in %d ms by one worker (16 slots,"
                                + " poll interval 1 h)%n",
                        JOBS, (System.nanoTime() - started) / 1_000_000);
                assertThat(jdbc.sql("SELECT count(*) FROM demo_execution")
                                .query(Long.class)
                                .single())
                        .as("each ran once")
                        .isEqualTo(JOBS);
            }
        }
    }

    private static long succeeded(JdbcClient jdbc) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'SUCCEEDED'")
                .query(Long.class)
                .single();
    }
}
