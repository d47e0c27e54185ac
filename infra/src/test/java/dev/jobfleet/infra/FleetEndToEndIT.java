package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Issue 2, the whole path on real parts: HTTP submit -> job row + outbox row -> relay -> Kafka (a
 * broker child process, or a container where a Docker engine answers) -> the workers' batch listener
 * (or due-job poller) -> claim in PostgreSQL -> handler -> outcome. The producer and two workers run side by side in this JVM ({@link TestFleet}).
 */
class FleetEndToEndIT {
    private static final int JOBS = 500;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private static final Path directory =
            Path.of("target", "it", "e2e-" + UUID.randomUUID()).toAbsolutePath();
    private static TestDatabase db;
    private static TestKafka broker;
    private static TestFleet fleet;
    private static JobRepository jobs;
    private static FleetAudit audit;

    @BeforeAll
    static void startFleet() {
        long t0 = System.nanoTime();
        db = TestDatabase.create(4);
        broker = TestKafka.start(directory.resolve("kafka"));
        fleet = TestFleet.builder(directory).database(db).broker(broker).start();
        jobs = new JobRepository(db.dataSource());
        audit = new FleetAudit(db.dataSource());
        await("both workers consume the jobs topic")
                .atMost(DEADLINE)
                .ignoreExceptions()
                .until(
                        () -> TopicChecks.membersAssigned(broker.bootstrapServers(), TestFleet.GROUP, Topics.JOBS),
                        n -> n == TestFleet.WORKERS.size());
        System.out.printf(
                "e2e: database, broker and producer + 2 workers started in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stopFleet() throws Exception {
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
    void fiveHundredJobsSubmittedOverHttpAllSucceedEachRunOnceExceptTheRetriedOnes() throws Exception {
        List<DemoBatch.Job> plan = new ArrayList<>(JOBS);
        for (int i = 0; i < JOBS; i++) {
            plan.add(
                    switch (i % 10) {
                        case 1, 4 -> new DemoBatch.Job("demo.sleep", "{\"ms\":20}");
                        case 7 -> new DemoBatch.Job("demo.fail", "{\"times\":1}");
                        default -> new DemoBatch.Job("demo.noop", "{}");
                    });
        }
        long t0 = System.nanoTime();
        List<HttpJobs.Answer> answers = new HttpJobs(fleet.jobs(), fleet.token()).submit(plan);
        long submittedNanos = System.nanoTime() - t0;

        assertThat(answers).extracting(HttpJobs.Answer::status).containsOnly(201);
        List<UUID> ids = HttpJobs.ids(answers, 201);
        assertThat(new HashSet<>(ids)).hasSize(JOBS);
        await("all " + JOBS + " jobs SUCCEEDED")
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(audit.count(ids, JobState.SUCCEEDED))
                        .as("SUCCEEDED; all states: %s", FleetAudit.describe(audit.states(ids)))
                        .isEqualTo(JOBS));
        long doneNanos = System.nanoTime() - t0;

        Set<UUID> failing = new HashSet<>();
        for (int i = 0; i < JOBS; i++) {
            if (plan.get(i).type().equals("demo.fail")) {
                failing.add(ids.get(i));
            }
        }
        List<UUID> once = ids.stream().filter(id -> !failing.contains(id)).toList();
        Map<UUID, Integer> executions = audit.executions(ids);
        Map<UUID, Integer> claims = audit.claims(ids);
        Map<String, Long> byWorker = audit.claimsByActor(ids);
        System.out.printf(
                "e2e: %d jobs (%s) submitted over HTTP in %d ms, all SUCCEEDED after %d ms: %.0f jobs/s end to end"
                        + " (database clock, first created_at to last finished_at: %.2f s)%n",
                JOBS,
                DemoBatch.describe(plan),
                submittedNanos / 1_000_000,
                doneNanos / 1_000_000,
                JOBS / (doneNanos / 1e9),
                audit.createdToLastFinishedSeconds(ids));
        System.out.printf("e2e: claims by worker %s; by path: %s%n", byWorker, fleet.claimsBySource());

        // delivered through the relay: nothing waits in the outbox and every job's event is on the topic
        assertThat(jobs.outboxSize()).isZero();
        Set<String> keys = new HashSet<>(TopicChecks.keys(broker.bootstrapServers(), Topics.JOBS));
        assertThat(ids).allSatisfy(id -> assertThat(keys).contains(id.toString()));
        // claimed by one of the two workers, once; demo.fail twice (its first attempt fails)
        assertThat(byWorker.keySet()).isSubsetOf(TestFleet.WORKERS);
        assertThat(FleetAudit.notExactly(once, claims, 1)).isEmpty();
        assertThat(FleetAudit.notExactly(failing, claims, 2)).isEmpty();
        assertThat(FleetAudit.notExactly(once, executions, 1)).isEmpty();
        assertThat(FleetAudit.notExactly(failing, executions, 2)).isEmpty();
        assertThat(jobs.overlappingExecutions()).isZero();
        for (UUID id : failing) {
            JobRow job = jobs.find(id).orElseThrow();
            assertThat(job.attempts()).isEqualTo(2);
            assertThat(job.errors()).hasSize(1);
        }
    }

    @Test
    void theSameKafkaFirstEventPublishedTenTimesRunsOnce() throws Exception {
        UUID id = JobIds.next();
        JobEvent event =
                new JobEvent(id, "demo.noop", JsonNodeFactory.instance.objectNode(), null, null, 3, null, null);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(Topics.JOBS, id.toString(), JobCodec.encode(event)))
                        .get();
            }
        }
        await("the Kafka-first job SUCCEEDED")
                .atMost(DEADLINE)
                .until(() -> jobs.find(id).map(JobRow::state).orElse(null), s -> s == JobState.SUCCEEDED);
        long doneMillis = (System.nanoTime() - t0) / 1_000_000;
        // every one of the ten deliveries has been through a listener batch and committed
        await("the workers committed past all ten records")
                .atMost(DEADLINE)
                .until(() -> TopicChecks.behind(broker.bootstrapServers(), TestFleet.GROUP, Topics.JOBS), Set::isEmpty);

        List<UUID> one = List.of(id);
        JobRow job = jobs.find(id).orElseThrow();
        System.out.printf(
                "e2e: one Kafka-first event published 10 times: SUCCEEDED after %d ms, %d claim(s), %d execution(s),"
                        + " %d history rows%n",
                doneMillis,
                audit.claims(one).getOrDefault(id, 0),
                audit.executions(one).getOrDefault(id, 0),
                jobs.history(id).size());
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(audit.claims(one)).containsExactly(Map.entry(id, 1));
        assertThat(audit.executions(one)).containsExactly(Map.entry(id, 1));
        assertThat(jobs.history(id))
                .extracting(HistoryEntry::to)
                .containsExactly(JobState.PENDING, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(jobs.history(id).get(1).actor()).isIn(TestFleet.WORKERS);
        assertThat(jobs.history(id).getFirst().detail()).contains("Kafka");
        assertThat(jobs.overlappingExecutions()).isZero();
        assertThat(jobs.outboxSize()).as("a Kafka-first job has no outbox row").isZero();
        assertThat(TopicChecks.keys(broker.bootstrapServers(), Topics.JOBS))
                .filteredOn(id.toString()::equals)
                .hasSize(10);
    }
}
