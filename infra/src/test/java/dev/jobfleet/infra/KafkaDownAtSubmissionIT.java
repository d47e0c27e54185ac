package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, Kafka down at submission (G2): the broker child process is killed with SIGKILL, 200 jobs
 * are submitted over HTTP, and the broker is restarted on the same data. Submissions never need
 * Kafka (job and outbox row commit together); the outbox keeps every event until the broker is
 * back; nothing runs twice.
 *
 * <p>Two fleets, because the workers have two ways to find a job. With the due-job poller, jobs
 * submitted while Kafka is down run anyway, from the database, and their events arrive later as
 * harmless duplicates. With the poller silenced, Kafka is the only way in: the jobs wait PENDING
 * until the broker is back, then run from the relayed events.
 */
class KafkaDownAtSubmissionIT {
    private static final int JOBS = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private final Path directory =
            Path.of("target", "it", "kafka-down-" + UUID.randomUUID()).toAbsolutePath();
    private TestDatabase db;
    private KafkaBroker broker;
    private TestFleet fleet;
    private JobRepository jobs;
    private FleetAudit audit;

    @AfterEach
    void tearDown() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (db != null) {
            db.close();
        }
        Directories.deleteRecursively(directory);
    }

    @Test
    void withKafkaTheOnlyWayInJobsWaitInTheOutboxUntilTheBrokerIsBackThenRunOnce() throws Exception {
        // the poller runs once at start (nothing is due then) and not again within the test
        startFleet(Map.of("jobfleet.worker.poll-interval", "1h"));
        killBroker();

        List<UUID> ids = submitWhileDown();

        // kept: every job PENDING, every event in the outbox; nothing ran, for as long as we look
        await("nothing runs while Kafka is down")
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(jobs.outboxSize()).isEqualTo(JOBS);
                    assertThat(audit.states(ids)).containsExactly(Map.entry(JobState.PENDING, (long) JOBS));
                    assertThat(audit.executions(ids)).isEmpty();
                });

        long restarted = restartBroker();
        await("all " + JOBS + " SUCCEEDED after the restart")
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(audit.count(ids, JobState.SUCCEEDED))
                        .as("SUCCEEDED; all states: %s", FleetAudit.describe(audit.states(ids)))
                        .isEqualTo(JOBS));
        long done = System.nanoTime();
        System.out.printf(
                "kafka-down (Kafka only): %d jobs SUCCEEDED %d ms after the broker restart began; claims by path: %s%n",
                JOBS, (done - restarted) / 1_000_000, fleet.claimsBySource());

        assertThat(jobs.outboxSize()).isZero();
        assertThat(fleet.claimedBy("listener")).as("claimed from Kafka batches").isEqualTo(JOBS);
        assertRanOnceEach(ids);
    }

    @Test
    void withTheDuePollerJobsRunWhileKafkaIsDownAndTheirLateEventsAreHarmless() throws Exception {
        startFleet(Map.of());
        killBroker();
        long t0 = System.nanoTime();

        List<UUID> ids = submitWhileDown();

        await("all " + JOBS + " SUCCEEDED with the broker still down")
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(audit.count(ids, JobState.SUCCEEDED))
                        .as("SUCCEEDED; all states: %s", FleetAudit.describe(audit.states(ids)))
                        .isEqualTo(JOBS));
        long ranMillis = (System.nanoTime() - t0) / 1_000_000;
        // kept: the events, though their jobs are done; the relay could not publish a single one
        assertThat(broker.isRunning()).isFalse();
        assertThat(jobs.outboxSize()).isEqualTo(JOBS);
        assertThat(fleet.claimedBy("listener")).isZero();

        long restarted = restartBroker();
        await("the outbox drained into the restarted broker")
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(100))
                .until(jobs::outboxSize, n -> n == 0);
        long drained = System.nanoTime();
        await("the workers consumed the late events")
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> TopicChecks.behind(broker.bootstrapServers(), TestFleet.GROUP, Topics.JOBS), Set::isEmpty);
        System.out.printf(
                "kafka-down (with the poller): %d jobs SUCCEEDED %d ms after the kill, broker still down; after the"
                        + " restart the outbox drained in %d ms and the workers consumed the %d late events in %d ms;"
                        + " claims by path: %s%n",
                JOBS,
                ranMillis,
                (drained - restarted) / 1_000_000,
                JOBS,
                (System.nanoTime() - restarted) / 1_000_000,
                fleet.claimsBySource());

        Set<String> keys = new HashSet<>(TopicChecks.keys(broker.bootstrapServers(), Topics.JOBS));
        assertThat(ids).allSatisfy(id -> assertThat(keys).contains(id.toString()));
        assertThat(fleet.claimedBy("listener"))
                .as("late events find nothing to claim")
                .isZero();
        assertRanOnceEach(ids);
    }

    private void startFleet(Map<String, String> workerSettings) {
        db = TestDatabase.create(4);
        jobs = new JobRepository(db.dataSource());
        audit = new FleetAudit(db.dataSource());
        broker = KafkaBroker.builder(directory.resolve("kafka")).start();
        TestFleet.Builder builder = TestFleet.builder(directory).database(db).broker(broker);
        workerSettings.forEach(builder::workerProperty);
        fleet = builder.start();
        // the fleet is running on Kafka: both workers hold partitions of the jobs topic
        await("both workers consume the jobs topic")
                .atMost(DEADLINE)
                .ignoreExceptions()
                .until(
                        () -> TopicChecks.membersAssigned(broker.bootstrapServers(), TestFleet.GROUP, Topics.JOBS),
                        n -> n == TestFleet.WORKERS.size());
    }

    private void killBroker() {
        long pid = broker.pid();
        broker.kill();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }

    /** POST {@value #JOBS} jobs with the broker down: every one is created (201). */
    private List<UUID> submitWhileDown() throws Exception {
        List<DemoBatch.Job> plan = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            plan.add(
                    i % 4 == 0 ? new DemoBatch.Job("demo.sleep", "{\"ms\":20}") : new DemoBatch.Job("demo.noop", "{}"));
        }
        long t0 = System.nanoTime();
        List<HttpJobs.Answer> answers = new HttpJobs(fleet.jobs(), fleet.token()).submit(plan);
        System.out.printf(
                "kafka-down: %d jobs (%s) submitted with the broker killed in %d ms: %s%n",
                JOBS,
                DemoBatch.describe(plan),
                (System.nanoTime() - t0) / 1_000_000,
                answers.stream().collect(Collectors.groupingBy(HttpJobs.Answer::status, Collectors.counting())));
        assertThat(broker.isRunning()).isFalse();
        assertThat(answers).extracting(HttpJobs.Answer::status).containsOnly(201);
        List<UUID> ids = HttpJobs.ids(answers, 201);
        assertThat(new HashSet<>(ids)).hasSize(JOBS);
        return ids;
    }

    /** {@link KafkaBroker#restart()}; returns when it began (nanoTime). */
    private long restartBroker() {
        long t0 = System.nanoTime();
        broker.restart();
        System.out.printf(
                "kafka-down: broker restarted on the same data and port in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        return t0;
    }

    private void assertRanOnceEach(List<UUID> ids) {
        assertThat(audit.existing(ids)).isEqualTo(JOBS);
        assertThat(FleetAudit.notExactly(ids, audit.claims(ids), 1)).isEmpty();
        assertThat(FleetAudit.notExactly(ids, audit.executions(ids), 1)).isEmpty();
        assertThat(audit.claimsByActor(ids).keySet()).isSubsetOf(TestFleet.WORKERS);
        assertThat(jobs.overlappingExecutions()).isZero();
    }
}
