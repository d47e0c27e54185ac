package dev.jobfleet.infra.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;

/**
 * One app of the fleet as a JVM of its own, started from its executable jar ({@code java -jar
 * jobfleet-worker-...-exec.jar --key=value ...}) the way an operator runs it, its output appended
 * to {@code <name>.log}. It can be killed with SIGKILL and started again with the same settings.
 */
final class AppProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Path jar;
    private final Map<String, String> settings;
    private final int managementPort;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private Process process;

    /** @param settings Spring properties, passed as command-line arguments (they win over everything) */
    AppProcess(String name, Path jar, Map<String, String> settings, int managementPort, Path logDirectory) {
        this.name = name;
        this.jar = jar;
        this.settings = Map.copyOf(settings);
        this.managementPort = managementPort;
        this.log = logDirectory.resolve(name + ".log");
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** Launch the JVM; {@link #awaitReady()} waits until its actuator answers. */
    synchronized void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar.toString()));
        settings.forEach((k, v) -> command.add("--" + k + "=" + v));
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not launch " + name + ": " + command, e);
        }
    }

    /** Wait until {@code /actuator/health} on the management port answers 200; fail if the JVM exits. */
    void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        URI health = URI.create("http://127.0.0.1:" + managementPort + "/actuator/health");
        while (System.nanoTime() < deadline) {
            Process p = current();
            if (!p.isAlive()) {
                throw new IllegalStateException(
                        name + " exited with " + p.exitValue() + " while starting; end of " + log + ":\n" + tail());
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(health)
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the actuator is not listening yet: the wait below is the poll interval
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + name + " started", e);
            }
            waitForExit(p, Duration.ofMillis(250));
        }
        throw new IllegalStateException(
                name + " not ready after " + START_TIMEOUT + "; end of " + log + ":\n" + tail());
    }

    void start() {
        launch();
        awaitReady();
    }

    synchronized long pid() {
        return current().pid();
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * SIGKILL, then wait for the exit. Returns the exit code, 137 (128 + 9) when the signal is what
     * ended it; the caller asserts that, so a kill that did not happen fails the scenario.
     */
    synchronized int kill() {
        Process p = current();
        if (!p.isAlive()) {
            throw new IllegalStateException(name + " was not running when it was to be killed");
        }
        p.destroyForcibly();
        if (!waitForExit(p, EXIT_TIMEOUT)) {
            throw new IllegalStateException(name + " (pid " + p.pid() + ") survived SIGKILL for " + EXIT_TIMEOUT);
        }
        return p.exitValue();
    }

    /** SIGTERM (graceful shutdown), SIGKILL if it takes longer than the exit timeout. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitForExit(process, EXIT_TIMEOUT)) {
            process.destroyForcibly();
            waitForExit(process, EXIT_TIMEOUT);
        }
    }

    private synchronized Process current() {
        if (process == null) {
            throw new IllegalStateException(name + " was never launched");
        }
        return process;
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static boolean waitForExit(Process p, Duration d) {
        try {
            return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
