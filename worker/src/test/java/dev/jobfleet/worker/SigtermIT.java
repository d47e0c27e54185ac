package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM, for real: the worker runs as a child process ({@code java -cp <test classpath>
 * dev.jobfleet.worker.WorkerApplication}), runs a short and a long {@code demo.sleep} job, and gets
 * SIGTERM ({@link Process#destroy()}). Readiness goes down, the short job finishes within the
 * grace period, the long one is released to PENDING with its attempt given back, the offsets of
 * both records are committed, and the process exits with status 0 instead of the JVM's 143.
 */
class SigtermIT {
    private static final String WORKER = "sigterm-worker";

    private TestDatabase db;
    private JobRepository jobs;
    private TestBroker kafka;
    private ChildWorker worker;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(2);
        jobs = new JobRepository(db.dataSource());
        kafka = TestBroker.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (worker != null) {
            worker.close();
        }
        kafka.close();
        db.close();
    }

    @Test
    void sigtermFinishesWhatEndsInTheGracePeriodReleasesTheRestAndExitsZero() throws Exception {
        worker = ChildWorker.start(
                WORKER,
                db,
                kafka,
                Map.of("jobfleet.worker.shutdown-grace", "4s", "jobfleet.worker.poll-interval", "200ms"));
        Process process = worker.process();
        try {
            UUID shortJob = JobIds.next();
            UUID longJob = JobIds.next();
            RecordMetadata shortRecord = kafka.send(WorkerFlowIT.event(shortJob, "demo.sleep", "{\"ms\": 2000}", 3));
            RecordMetadata longRecord = kafka.send(WorkerFlowIT.event(longJob, "demo.sleep", "{\"ms\": 120000}", 3));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> state(shortJob) == JobState.RUNNING && state(longJob) == JobState.RUNNING);

            long signalled = System.nanoTime();
            process.destroy(); // SIGTERM
            List<Integer> readinessSeen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        readinessSeen.add(worker.readiness());
                        return readinessSeen.getLast() != 200;
                    });
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            long stopMillis = (System.nanoTime() - signalled) / 1_000_000;
            assertThat(exited).as("the worker exited").isTrue();
            int status = process.exitValue();

            JobRow done = jobs.find(shortJob).orElseThrow();
            JobRow released = jobs.find(longJob).orElseThrow();
            HistoryEntry release = jobs.history(longJob).getLast();
            long shortCommitted = kafka.committed(WorkerApp.GROUP, partition(shortRecord));
            long longCommitted = kafka.committed(WorkerApp.GROUP, partition(longRecord));
            System.out.printf(
                    "SIGTERM: exit status %d after %d ms (grace 4 s); readiness went %s; short job %s, long job %s"
                            + " with %d attempts; committed offsets %d > %d and %d > %d%n",
                    status,
                    stopMillis,
                    readinessSeen.getLast(),
                    done.state(),
                    released.state(),
                    released.attempts(),
                    shortCommitted,
                    shortRecord.offset(),
                    longCommitted,
                    longRecord.offset());
            assertThat(status).as("SIGTERM is a clean stop").isZero();
            assertThat(readinessSeen.getLast())
                    .as("readiness went down while handlers ran")
                    .isEqualTo(503);
            assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(released.state()).isEqualTo(JobState.PENDING);
            assertThat(released.attempts())
                    .as("the released run gave its attempt back")
                    .isZero();
            assertThat(released.leaseOwner()).isNull();
            assertThat(release.detail()).isEqualTo("handed back");
            assertThat(release.actor()).isEqualTo(WORKER);
            assertThat(shortCommitted).isGreaterThan(shortRecord.offset());
            assertThat(longCommitted).isGreaterThan(longRecord.offset());
            assertThat(Files.readString(worker.log())).contains("SIGTERM: stopping the worker");
        } catch (AssertionError | RuntimeException e) {
            System.out.println("worker log " + worker.log() + ":\n" + worker.tail());
            throw e;
        }
    }

    private JobState state(UUID id) {
        return jobs.find(id).map(JobRow::state).orElse(null);
    }

    private static TopicPartition partition(RecordMetadata record) {
        return new TopicPartition(record.topic(), record.partition());
    }
}
