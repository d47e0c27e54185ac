package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
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
import dev.jobfleet.worker.Executions.Execution;
import dev.jobfleet.worker.kafka.JobConsumer;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The worker app end to end, on the real PostgreSQL and an embedded KRaft broker: Kafka-first
 * jobs, duplicate events, retries, poison records and scheduled jobs.
 */
class WorkerFlowIT {
    private static final String WORKER = "flow-worker";

    private static TestDatabase db;
    private static JobRepository jobs;
    private static Executions executions;
    private static TestBroker kafka;
    private static ConfigurableApplicationContext worker;

    @BeforeAll
    static void startWorker() {
        db = TestDatabase.create(4);
        jobs = new JobRepository(db.dataSource());
        executions = new Executions(db.dataSource());
        kafka = TestBroker.start();
        long started = System.nanoTime();
        worker = WorkerApp.start(
                WORKER,
                db,
                kafka,
                Map.of(
                        "jobfleet.worker.lease", "3s",
                        "jobfleet.worker.poll-interval", "200ms",
                        "jobfleet.worker.retry-promoter-interval", "200ms",
                        "jobfleet.worker.reaper-interval", "500ms",
                        "jobfleet.worker.backoff.base", "50ms",
                        "jobfleet.worker.backoff.max", "200ms"));
        System.out.printf("worker context started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @AfterAll
    static void stopWorker() {
        if (worker != null) {
            worker.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void kafkaFirstEventIsInsertedClaimedAndRunOnce() {
        UUID id = JobIds.next();
        assertThat(jobs.find(id)).isEmpty();
        long sent = System.nanoTime();

        kafka.send(event(id, "demo.noop", "{}", 3));

        JobRow job = awaitState(id, JobState.SUCCEEDED);
        System.out.printf(
                "kafka-first demo.noop SUCCEEDED %d ms after publishing%n", (System.nanoTime() - sent) / 1_000_000);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(job.maxAttempts()).isEqualTo(3);
        assertThat(job.errors()).isEmpty();
        assertThat(job.leaseOwner()).isNull();
        List<HistoryEntry> history = jobs.history(id);
        assertThat(history)
                .extracting(HistoryEntry::from, HistoryEntry::to)
                .containsExactly(
                        tuple(null, JobState.PENDING),
                        tuple(JobState.PENDING, JobState.RUNNING),
                        tuple(JobState.RUNNING, JobState.SUCCEEDED));
        assertThat(history.getFirst().detail()).contains("submitted");
        assertThat(history.get(1).actor()).isEqualTo(WORKER);
        UUID token = history.get(1).claimToken();
        assertThat(history.get(2).claimToken()).isEqualTo(token);
        List<Execution> runs = executions.of(id);
        assertThat(runs).hasSize(1);
        assertThat(runs.getFirst().workerId()).isEqualTo(WORKER);
        assertThat(runs.getFirst().claimToken()).isEqualTo(token);
        assertThat(runs.getFirst().attempt()).isEqualTo(1);
        assertThat(runs.getFirst().finishedAt()).isNotNull();
    }

    @Test
    void sameEventDeliveredTenTimesRunsOnce() {
        UUID id = JobIds.next();
        JobEvent event = event(id, "demo.noop", "{}", 5);
        JobConsumer container = worker.getBean(JobConsumer.class);
        container.pause();
        await().atMost(Duration.ofSeconds(20)).until(container::isPaused);
        for (int i = 0; i < 6; i++) {
            kafka.send(event); // waiting while paused: one poll takes all six
        }
        container.resume();
        awaitState(id, JobState.SUCCEEDED);
        RecordMetadata last = null;
        for (int i = 0; i < 4; i++) {
            last = kafka.send(event); // later batches, after the job is done
        }
        kafka.awaitCommittedPast(WorkerApp.GROUP, last);

        JobRow job = jobs.find(id).orElseThrow();
        List<HistoryEntry> claims = jobs.history(id).stream()
                .filter(h -> h.to() == JobState.RUNNING)
                .toList();
        List<Execution> runs = executions.of(id);
        System.out.printf(
                "10 deliveries of one event: %d claim(s), %d execution(s), attempts %d%n",
                claims.size(), runs.size(), job.attempts());
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(claims).hasSize(1);
        assertThat(runs).hasSize(1);
        assertThat(jobs.history(id)).hasSize(3);
        assertThat(jobs.overlappingExecutions()).isZero();
    }

    @Test
    void failingJobSucceedsAtItsThirdAttempt() {
        UUID id = JobIds.next();
        kafka.send(event(id, "demo.fail", "{\"times\": 2}", 5));

        JobRow job = awaitState(id, JobState.SUCCEEDED);

        assertThat(job.attempts()).isEqualTo(3);
        assertThat(job.errors()).hasSize(2);
        assertThat(List.of(job.errors().get(0), job.errors().get(1)))
                .allSatisfy(error -> assertThat(error.get("class").asString()).endsWith("DemoFailure"));
        assertThat(job.errors().get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(job.errors().get(1).get("attempt").asInt()).isEqualTo(2);
        assertThat(job.errors().get(1).get("stack").asString()).contains("DemoFailHandler");
        assertThat(executions.of(id)).extracting(Execution::attempt).containsExactly(1, 2, 3);
        assertThat(jobs.history(id))
                .extracting(HistoryEntry::to)
                .containsExactly(
                        JobState.PENDING,
                        JobState.RUNNING,
                        JobState.RETRY_SCHEDULED,
                        JobState.PENDING,
                        JobState.RUNNING,
                        JobState.RETRY_SCHEDULED,
                        JobState.PENDING,
                        JobState.RUNNING,
                        JobState.SUCCEEDED);
        System.out.printf(
                "demo.fail times=2: SUCCEEDED at attempt %d with %d errors kept%n",
                job.attempts(), job.errors().size());
    }

    @Test
    void failingJobIsDeadWhenItsAttemptsRunOut() {
        UUID id = JobIds.next();
        kafka.send(event(id, "demo.fail", "{\"times\": 10}", 2));

        JobRow job = awaitState(id, JobState.DEAD);

        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.errors()).hasSize(2);
        assertThat(job.lastError()).contains("attempt 2 of the 10 that fail");
        assertThat(job.finishedAt()).isNotNull();
        assertThat(executions.of(id)).hasSize(2);
        assertThat(jobs.history(id).getLast().from()).isEqualTo(JobState.RUNNING);
        assertThat(worker.getBean(MeterRegistry.class)
                        .get("jobfleet.jobs.finished")
                        .tags("type", "demo.fail", "state", "DEAD")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1);
        System.out.printf(
                "demo.fail times=10 maxAttempts=2: DEAD after %d attempts, %d errors%n",
                job.attempts(), job.errors().size());
    }

    @Test
    void poisonRecordsAreDeadLetteredAndDoNotBlockTheirPartition() {
        int partition = 2;
        UUID unknownType = JobIds.next();
        UUID outOfRange = JobIds.next();
        UUID valid = JobIds.next();
        byte[] notJson = "this is not json".getBytes(StandardCharsets.UTF_8);
        byte[] unknown = JobCodec.encode(event(unknownType, "no.such.handler", "{}", 3));
        byte[] farFuture = ("{\"id\":\"" + outOfRange
                        + "\",\"type\":\"demo.noop\",\"runAt\":\"+300000-01-01T00:00:00Z\"}")
                .getBytes(StandardCharsets.UTF_8);
        List<RecordMetadata> poison = new ArrayList<>();
        poison.add(kafka.send(new ProducerRecord<>(Topics.JOBS, partition, "poison-1", notJson)));
        poison.add(kafka.send(new ProducerRecord<>(Topics.JOBS, partition, unknownType.toString(), unknown)));
        poison.add(kafka.send(new ProducerRecord<>(Topics.JOBS, partition, outOfRange.toString(), farFuture)));
        RecordMetadata good = kafka.send(new ProducerRecord<>(
                Topics.JOBS, partition, valid.toString(), JobCodec.encode(event(valid, "demo.noop", "{}", 3))));

        awaitState(valid, JobState.SUCCEEDED);
        kafka.awaitCommittedPast(WorkerApp.GROUP, good);

        List<ConsumerRecord<String, byte[]>> dead = kafka.readDeadLetters(3);
        assertThat(dead).hasSize(3);
        assertThat(dead)
                .extracting(ConsumerRecord::key)
                .containsExactly("poison-1", unknownType.toString(), outOfRange.toString());
        assertThat(dead.get(0).value()).isEqualTo(notJson);
        assertThat(dead.get(1).value()).isEqualTo(unknown);
        assertThat(dead.get(2).value()).isEqualTo(farFuture);
        assertThat(header(dead.get(0), Topics.HEADER_DLT_REASON)).startsWith("undecodable: ");
        assertThat(header(dead.get(1), Topics.HEADER_DLT_REASON))
                .startsWith("unknown-type: ")
                .contains("no.such.handler");
        assertThat(header(dead.get(2), Topics.HEADER_DLT_REASON))
                .startsWith("undecodable: ")
                .contains("runAt must be between");
        for (int i = 0; i < 3; i++) {
            assertThat(header(dead.get(i), Topics.HEADER_DLT_ORIGIN))
                    .isEqualTo(
                            Topics.JOBS + "-" + partition + "@" + poison.get(i).offset());
        }
        assertThat(jobs.find(unknownType)).as("an unknown type is not stored").isEmpty();
        assertThat(jobs.find(outOfRange)).as("a refused event is not stored").isEmpty();
        assertThat(executions.of(valid)).hasSize(1);
        MeterRegistry meters = worker.getBean(MeterRegistry.class);
        // not JSON, and a runAt the codec refuses (the database used to refuse it: "rejected")
        assertThat(meters.get("jobfleet.dead_letters")
                        .tag("reason", "undecodable")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(meters.get("jobfleet.dead_letters")
                        .tag("reason", "unknown-type")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(meters.find("jobfleet.dead_letters")
                        .tag("reason", "rejected")
                        .counter())
                .isNull();
        dead.forEach(r -> System.out.printf(
                "dead letter %s: %s%n", header(r, Topics.HEADER_DLT_ORIGIN), header(r, Topics.HEADER_DLT_REASON)));
    }

    @Test
    void scheduledJobIsLeftByTheListenerAndRunByThePollerWhenDue() {
        UUID id = JobIds.next();
        Instant runAt = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
        JobEvent event =
                new JobEvent(id, "demo.noop", JobCodec.mapper().createObjectNode(), null, runAt, 3, null, null);

        RecordMetadata record = kafka.send(event);
        kafka.awaitCommittedPast(WorkerApp.GROUP, record);

        assertThat(Instant.now())
                .as("the listener was done before the job was due")
                .isBefore(runAt);
        JobRow waiting = jobs.find(id).orElseThrow();
        assertThat(waiting.state()).isEqualTo(JobState.PENDING);
        assertThat(waiting.attempts()).isZero();
        assertThat(waiting.runAt()).isEqualTo(runAt);

        JobRow job = awaitState(id, JobState.SUCCEEDED);

        HistoryEntry claim = jobs.history(id).stream()
                .filter(h -> h.to() == JobState.RUNNING)
                .findFirst()
                .orElseThrow();
        assertThat(claim.at()).isAfterOrEqualTo(runAt);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(executions.of(id)).hasSize(1);
        System.out.printf(
                "scheduled job claimed %d ms after its runAt%n",
                Duration.between(runAt, claim.at()).toMillis());
    }

    @Test
    void aRunWhoseLeaseIsLostStopsAndWritesNothing() {
        UUID id = JobIds.next();
        kafka.send(event(id, "demo.sleep", "{\"ms\": 60000}", 1));
        JobRow running = awaitState(id, JobState.RUNNING);
        double lostBefore = meter("jobfleet.jobs.lease.lost");
        JdbcClient sql = JdbcClient.create(db.dataSource());

        // the worker looks dead to the fleet: its lease expires and a reaper takes the job, this
        // test's or the worker's own (repeated, because a heartbeat between the two statements
        // extends the lease again)
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            sql.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ? AND state = 'RUNNING'")
                    .param(id)
                    .update();
            jobs.rescueExpired(10, "test-reaper");
            return jobs.find(id).orElseThrow().state() != JobState.RUNNING;
        });
        long rescued = System.nanoTime();

        // the heartbeat finds the lease gone, demo.sleep sees leaseLost() and stops
        Execution run = await().atMost(Duration.ofSeconds(10))
                .until(() -> executions.of(id).getFirst(), e -> e.finishedAt() != null);
        long stoppedMillis = (System.nanoTime() - rescued) / 1_000_000;
        await().atMost(Duration.ofSeconds(10)).until(() -> meter("jobfleet.jobs.lease.lost") == lostBefore + 1);

        JobRow job = jobs.find(id).orElseThrow();
        assertThat(job.state()).as("rescued with no attempt left").isEqualTo(JobState.DEAD);
        assertThat(job.errors()).hasSize(1);
        assertThat(job.errors().get(0).get("class").asString()).isEqualTo("LeaseExpired");
        HistoryEntry rescue = jobs.history(id).getLast();
        assertThat(rescue.from()).as("the late outcome wrote nothing").isEqualTo(JobState.RUNNING);
        assertThat(rescue.to()).isEqualTo(JobState.DEAD);
        assertThat(rescue.detail()).startsWith("lease expired");
        assertThat(rescue.actor()).contains("reaper");
        assertThat(run.claimToken()).isEqualTo(running.claimToken());
        assertThat(executions.of(id)).hasSize(1);
        assertThat(stoppedMillis).isLessThan(5_000);
        System.out.printf(
                "lease lost: the handler stopped %d ms after the rescue; its outcome was not written%n", stoppedMillis);
    }

    @Test
    void prometheusEndpointShowsJobQueueAndConsumerMetrics() throws Exception {
        UUID id = JobIds.next();
        kafka.send(event(id, "demo.noop", "{}", 3));
        awaitState(id, JobState.SUCCEEDED);
        int port = WorkerApp.managementPort(worker);
        HttpClient http = HttpClient.newHttpClient();

        HttpResponse<String> readiness = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(readiness.statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics)
                    .contains("jobfleet_jobs_finished_total{")
                    .contains("jobfleet_claim_latency_seconds_bucket{")
                    .contains("jobfleet_kafka_record_age_seconds_bucket{")
                    .contains("jobfleet_intake_seconds_bucket{")
                    .contains("jobfleet_run_latency_seconds_bucket{")
                    .contains("jobfleet_job_end_to_end_seconds_bucket{")
                    .contains("jobfleet_jobs_lease_lost_total")
                    .contains("jobfleet_queue_depth{")
                    .contains("jobfleet_queue_oldest_pending_age_seconds")
                    // per-partition records_lag{topic,partition} joins once Micrometer's Kafka
                    // binder refreshes its metric list (every 5 s); the client-wide max is there at once
                    .contains("kafka_consumer_fetch_manager_records_lag_max{")
                    .contains("kafka_consumer_coordinator_assigned_partitions{");
        });
    }

    private static double meter(String name) {
        return worker.getBean(MeterRegistry.class).get(name).counter().count();
    }

    private static JobRow awaitState(UUID id, JobState state) {
        return await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> jobs.find(id).orElse(null), job -> job != null && job.state() == state);
    }

    static JobEvent event(UUID id, String type, String payload, int maxAttempts) {
        return new JobEvent(id, type, JobCodec.mapper().readTree(payload), null, null, maxAttempts, null, null);
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
