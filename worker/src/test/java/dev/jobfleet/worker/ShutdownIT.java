package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.Executions.Execution;
import dev.jobfleet.worker.kafka.JobConsumer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Graceful shutdown: readiness goes down first, a handler that ends within the grace period has
 * its outcome written, one that does not is released to PENDING without spending its attempt,
 * and the batch's offsets are committed.
 */
class ShutdownIT {
    private static final String WORKER = "shutdown-worker";

    private TestDatabase db;
    private JobRepository jobs;
    private TestBroker kafka;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(4);
        jobs = new JobRepository(db.dataSource());
        kafka = TestBroker.start();
    }

    @AfterEach
    void tearDown() {
        kafka.close();
        db.close();
    }

    @Test
    void shutdownFinishesWhatEndsInTheGracePeriodAndReleasesTheRest() throws Exception {
        ConfigurableApplicationContext worker =
                WorkerApp.start(WORKER, db, kafka, Map.of("jobfleet.worker.shutdown-grace", "4s"));
        UUID quick = JobIds.next();
        UUID slow = JobIds.next();
        JobConsumer container = worker.getBean(JobConsumer.class);
        container.pause();
        await().atMost(Duration.ofSeconds(20)).until(container::isPaused);
        RecordMetadata quickRecord = kafka.send(WorkerFlowIT.event(quick, "demo.sleep", "{\"ms\": 1500}", 3));
        RecordMetadata slowRecord = kafka.send(WorkerFlowIT.event(slow, "demo.sleep", "{\"ms\": 120000}", 3));
        container.resume();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> state(quick) == JobState.RUNNING && state(slow) == JobState.RUNNING);
        int port = WorkerApp.managementPort(worker);
        assertThat(readiness(port)).isEqualTo(200);

        long closing = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(worker::close);
        await().atMost(Duration.ofSeconds(3)).until(() -> readiness(port) == 503);
        assertThat(state(slow))
                .as("readiness goes down while handlers still run")
                .isEqualTo(JobState.RUNNING);
        closed.get();
        long closeMillis = (System.nanoTime() - closing) / 1_000_000;

        JobRow done = jobs.find(quick).orElseThrow();
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        JobRow released = jobs.find(slow).orElseThrow();
        assertThat(released.state()).isEqualTo(JobState.PENDING);
        assertThat(released.attempts())
                .as("a released run does not spend its attempt")
                .isZero();
        assertThat(released.leaseOwner()).isNull();
        assertThat(released.errors()).isEmpty();
        HistoryEntry last = jobs.history(slow).getLast();
        assertThat(last.from()).isEqualTo(JobState.RUNNING);
        assertThat(last.to()).isEqualTo(JobState.PENDING);
        assertThat(last.detail()).isEqualTo("handed back");
        List<Execution> slowRuns = new Executions(db.dataSource()).of(slow);
        assertThat(slowRuns).hasSize(1);
        assertThat(slowRuns.getFirst().finishedAt())
                .as("the interrupted handler recorded its end")
                .isNotNull();
        assertThat(kafka.committed(WorkerApp.GROUP, partition(quickRecord))).isGreaterThan(quickRecord.offset());
        assertThat(kafka.committed(WorkerApp.GROUP, partition(slowRecord))).isGreaterThan(slowRecord.offset());
        assertThat(closeMillis).isBetween(3_500L, 15_000L);
        System.out.printf("shutdown took %d ms with a 4 s grace: 1 job finished, 1 released%n", closeMillis);
    }

    private JobState state(UUID id) {
        return jobs.find(id).map(JobRow::state).orElse(null);
    }

    private static TopicPartition partition(RecordMetadata record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    private static int readiness(int port) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
