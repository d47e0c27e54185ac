package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private Process worker;
    private Path log;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(2);
        jobs = new JobRepository(db.dataSource());
        kafka = TestBroker.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        kafka.close();
        db.close();
    }

    @Test
    void sigtermFinishesWhatEndsInTheGracePeriodReleasesTheRestAndExitsZero() throws Exception {
        int port = freePort();
        worker = start(port);
        try {
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> readiness(port) == 200 || !worker.isAlive());
            assertThat(worker.isAlive()).as("the worker started").isTrue();
            UUID shortJob = JobIds.next();
            UUID longJob = JobIds.next();
            RecordMetadata shortRecord = kafka.send(WorkerFlowIT.event(shortJob, "demo.sleep", "{\"ms\": 2000}", 3));
            RecordMetadata longRecord = kafka.send(WorkerFlowIT.event(longJob, "demo.sleep", "{\"ms\": 120000}", 3));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> state(shortJob) == JobState.RUNNING && state(longJob) == JobState.RUNNING);

            long signalled = System.nanoTime();
            worker.destroy(); // SIGTERM
            List<Integer> readinessSeen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        readinessSeen.add(readiness(port));
                        return readinessSeen.getLast() != 200;
                    });
            boolean exited = worker.waitFor(60, TimeUnit.SECONDS);
            long stopMillis = (System.nanoTime() - signalled) / 1_000_000;
            assertThat(exited).as("the worker exited").isTrue();
            int status = worker.exitValue();

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
            assertThat(release.detail()).isEqualTo("released on shutdown");
            assertThat(release.actor()).isEqualTo(WORKER);
            assertThat(shortCommitted).isGreaterThan(shortRecord.offset());
            assertThat(longCommitted).isGreaterThan(longRecord.offset());
            assertThat(Files.readString(log)).contains("SIGTERM: stopping the worker");
        } catch (AssertionError | RuntimeException e) {
            System.out.println("worker log " + log + ":\n" + tail(log));
            throw e;
        }
    }

    private Process start(int port) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xss512k",
                "-cp",
                System.getProperty("java.class.path"),
                WorkerApplication.class.getName()));
        command.addAll(WorkerApp.args(
                WORKER,
                db,
                kafka,
                Map.of(
                        "server.port", String.valueOf(port),
                        "spring.datasource.hikari.maximum-pool-size", "4",
                        "jobfleet.worker.shutdown-grace", "4s",
                        "jobfleet.worker.poll-interval", "200ms")));
        log = Path.of("target", "sigterm-worker-" + port + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private JobState state(UUID id) {
        return jobs.find(id).map(JobRow::state).orElse(null);
    }

    private static TopicPartition partition(RecordMetadata record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    /** The readiness status code; -1 when nothing answers (not up yet, or gone). */
    private static int readiness(int port) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
