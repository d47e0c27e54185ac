package dev.jobfleet.worker;

import static org.awaitility.Awaitility.await;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The worker as a real child process ({@code java -cp <test classpath>
 * dev.jobfleet.worker.WorkerApplication}), for tests that signal or kill it. Its output goes to a
 * log file under {@code target/}.
 */
final class ChildWorker implements AutoCloseable {
    private final Process process;
    private final Path log;
    /** Where its actuator answers (readiness, liveness, prometheus). */
    private final int managementPort;

    private final String workerId;

    private ChildWorker(Process process, Path log, int managementPort, String workerId) {
        this.workerId = workerId;
        this.process = process;
        this.log = log;
        this.managementPort = managementPort;
    }

    /** Starts the worker and waits until its readiness probe answers 200. */
    static ChildWorker start(String workerId, TestDatabase db, TestBroker kafka, Map<String, String> settings)
            throws IOException {
        return start(WorkerApplication.class, workerId, db, kafka, settings);
    }

    /** Starts {@code main} (a worker application's main class) and waits until it is ready. */
    static ChildWorker start(
            Class<?> main, String workerId, TestDatabase db, TestBroker kafka, Map<String, String> settings)
            throws IOException {
        return start(main, workerId, db, kafka, settings, false);
    }

    /**
     * Like {@link #start(Class, String, TestDatabase, TestBroker, Map)}, for a supervisor whose
     * workers may be killed by their jobs: a worker that had started (its log says so) and died
     * before its readiness was read is returned dead, for the supervisor to count, not taken for a
     * failed start.
     */
    static ChildWorker startSupervised(
            Class<?> main, String workerId, TestDatabase db, TestBroker kafka, Map<String, String> settings)
            throws IOException {
        return start(main, workerId, db, kafka, settings, true);
    }

    private static ChildWorker start(
            Class<?> main,
            String workerId,
            TestDatabase db,
            TestBroker kafka,
            Map<String, String> settings,
            boolean mayDieOnceStarted)
            throws IOException {
        int port = freePort();
        int managementPort = freePort();
        Map<String, String> all = new LinkedHashMap<>();
        all.put("server.port", String.valueOf(port));
        all.put("management.server.port", String.valueOf(managementPort));
        all.put("spring.datasource.hikari.maximum-pool-size", "4");
        all.putAll(settings);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xss512k",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(WorkerApp.args(workerId, db, kafka, all));
        Path log = Path.of("target", workerId + "-" + port + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        ChildWorker worker = new ChildWorker(process, log, managementPort, workerId);
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> worker.readiness() == 200 || !process.isAlive());
        if (!process.isAlive() && !(mayDieOnceStarted && worker.startedOnce())) {
            throw new IllegalStateException("the worker exited at startup:\n" + worker.tail());
        }
        return worker;
    }

    String workerId() {
        return workerId;
    }

    Process process() {
        return process;
    }

    Path log() {
        return log;
    }

    /** The readiness status code; -1 when nothing answers (not up yet, or gone). */
    int readiness() {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://localhost:" + managementPort + "/actuator/health/readiness"))
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

    /** The status of {@code /actuator/health/liveness}; -1 when nothing answers. */
    int liveness() {
        return status("/actuator/health/liveness");
    }

    /** The value of a gauge in {@code /actuator/prometheus} (first series of that name); NaN if absent. */
    double gauge(String name) {
        try {
            String body = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://localhost:" + managementPort + "/actuator/prometheus"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return body.lines()
                    .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                    .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst()
                    .orElse(Double.NaN);
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int status(String path) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + path))
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

    /** The last 80 lines of the worker's output, for a failing test's report. */
    /** Whether the log says the application had started (Spring Boot's "Started ... in ... seconds"). */
    private boolean startedOnce() {
        try {
            return Files.readString(log).contains("Started ");
        } catch (IOException e) {
            return false;
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
