package dev.jobfleet.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) run as a child JVM
 * from the Kafka jars, for the local fleet and for tests that kill it and bring it back.
 *
 * <p>Everything lives in one directory: {@code server.properties}, {@code logback.xml}, the log
 * {@code broker.log} (the child's output; nothing reaches our console) and the data under {@code
 * data/}. The storage is formatted on the first start only, so {@link #kill()} or {@link #stop()}
 * followed by {@link #restart()} keeps every record. Ports are fixed for the life of this object
 * (picked free on 127.0.0.1 unless given), so clients reconnect to the same address after a restart.
 *
 * <p>The child cannot outlive us: it runs in its own session (a terminal's Ctrl-C reaches only this
 * JVM, which stops the broker in order), a shutdown hook stops it, and {@link BrokerLauncher} exits
 * the child when this JVM disappears without running its hooks (kill -9).
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final String LOGBACK_RESOURCE = "/dev/jobfleet/infra/broker-logback.xml";

    private final Path directory;
    private final int port;
    private final int controllerPort;
    private final Duration startTimeout;
    private final List<String> jvmOptions;
    private final Map<String, String> config;
    private final Thread shutdownHook;
    private Process process;

    private KafkaBroker(Builder builder) {
        this.directory = builder.directory.toAbsolutePath().normalize();
        this.port = builder.port == 0 ? LoopbackPorts.free() : builder.port;
        this.controllerPort = builder.controllerPort == 0 ? freePortOtherThan(port) : builder.controllerPort;
        this.startTimeout = builder.startTimeout;
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.config =
                KRaftConfig.singleNode(port, controllerPort, dataDirectory(), builder.partitions, builder.overrides);
        this.shutdownHook = builder.shutdownHook ? new Thread(this::stopQuietly, "kafka-broker-stop") : null;
    }

    /** A broker whose files live in {@code directory}; nothing runs until {@link Builder#start()}. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /**
     * Format the storage if this directory has none yet, launch the broker and wait until it answers
     * a metadata request.
     *
     * @throws IllegalStateException if it is already running, exits during start, or does not
     *     answer within the start timeout (the message holds the end of its log)
     */
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("broker in " + directory + " is already running");
        }
        try {
            Files.createDirectories(dataDirectory());
            Files.createDirectories(directory.resolve("tmp"));
            KRaftConfig.write(config, serverProperties());
            try (InputStream logback =
                    Objects.requireNonNull(KafkaBroker.class.getResourceAsStream(LOGBACK_RESOURCE), LOGBACK_RESOURCE)) {
                Files.write(directory.resolve("logback.xml"), logback.readAllBytes());
            }
            if (!Files.exists(dataDirectory().resolve("meta.properties"))) {
                format();
            }
            process = launch(List.of(
                    BrokerLauncher.class.getName(),
                    Long.toString(ProcessHandle.current().pid()),
                    serverProperties().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the broker in " + directory, e);
        }
        if (shutdownHook != null) {
            addShutdownHookOnce();
        }
        awaitReady();
    }

    /** {@link #stop()} it if it runs, then {@link #start()} it on the same ports and data. */
    public synchronized void restart() {
        if (isRunning()) {
            stop();
        }
        start();
    }

    /** SIGKILL the broker: no orderly shutdown, no flush; the data directory stays. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitExit(process, KILL_TIMEOUT);
        process = null;
    }

    /** Orderly shutdown (SIGTERM, then SIGKILL after 30 s); the data directory stays. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!awaitExit(process, STOP_TIMEOUT)) {
            process.destroyForcibly();
            awaitExit(process, KILL_TIMEOUT);
        }
        process = null;
    }

    /** {@link #stop()} and drop the shutdown hook. */
    @Override
    public synchronized void close() {
        stop();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrNeverAdded) {
                // nothing to remove
            }
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** {@code 127.0.0.1:port}, valid across restarts. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path directory() {
        return directory;
    }

    public Path dataDirectory() {
        return directory.resolve("data");
    }

    /** Everything the child printed: the broker's INFO log, the storage format, JVM errors. */
    public Path logFile() {
        return directory.resolve("broker.log");
    }

    /** The child's process id while it runs. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("broker in " + directory + " is not running");
        }
        return process.pid();
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", " + directory + "]";
    }

    private Path serverProperties() {
        return directory.resolve("server.properties");
    }

    private void format() {
        String clusterId = Uuid.randomUuid().toString();
        Process formatter = launch(List.of(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                clusterId,
                "-c",
                serverProperties().toString()));
        if (!awaitExit(formatter, FORMAT_TIMEOUT)) {
            formatter.destroyForcibly();
            throw new IllegalStateException("formatting the storage took longer than " + FORMAT_TIMEOUT + "; end of "
                    + logFile() + ":\n" + LogTail.of(logFile()));
        }
        if (formatter.exitValue() != 0) {
            throw new IllegalStateException("formatting the storage failed with exit code " + formatter.exitValue()
                    + "; end of " + logFile() + ":\n" + LogTail.of(logFile()));
        }
    }

    private Process launch(List<String> mainAndArgs) {
        List<String> command = new ArrayList<>(NewSession.prefix());
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dlogback.configurationFile=" + directory.resolve("logback.xml"));
        // native compression libraries unpack themselves into java.io.tmpdir
        command.add("-Djava.io.tmpdir=" + directory.resolve("tmp"));
        // log4j-to-slf4j and log4j-core are both on the classpath; send Log4j API calls to logback too
        command.add("-Dlog4j.provider=org.apache.logging.slf4j.SLF4JProvider");
        command.add("-cp");
        command.add(BrokerClasspath.resolve());
        command.addAll(mainAndArgs);
        try {
            return new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not launch " + command, e);
        }
    }

    /**
     * Wait until the broker's port accepts connections, then until it answers a metadata request,
     * within the start timeout. Between attempts the wait is on the child's exit, so a child that
     * dies ends the wait at once.
     */
    private void awaitReady() {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Exception last = null;
        while (!accepts() && System.nanoTime() < deadline) {
            failIfExited();
            awaitExit(process, Duration.ofMillis(100));
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-broker-readiness");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                failIfExited();
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(1000))
                            .nodes()
                            .get();
                    return;
                } catch (ExecutionException e) {
                    last = e;
                    // an error that came back at once must not spin
                    awaitExit(process, Duration.ofMillis(100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the broker", e);
                }
            }
        }
        kill();
        throw new IllegalStateException("broker did not answer within " + startTimeout
                + (last == null ? "" : " (" + last.getCause() + ")") + "; end of " + logFile() + ":\n"
                + LogTail.of(logFile()));
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private void failIfExited() {
        if (!process.isAlive()) {
            int exit = process.exitValue();
            process = null;
            throw new IllegalStateException("broker exited with code " + exit + " while starting; end of " + logFile()
                    + ":\n" + LogTail.of(logFile()));
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            System.err.println("could not stop the Kafka broker in " + directory + ": " + e);
        }
    }

    private void addShutdownHookOnce() {
        try {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } catch (IllegalArgumentException alreadyAdded) {
            // a restart keeps the hook of the first start
        }
    }

    private static int freePortOtherThan(int taken) {
        int port = LoopbackPorts.free();
        while (port == taken) {
            port = LoopbackPorts.free();
        }
        return port;
    }

    private static boolean awaitExit(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** Options of a {@link KafkaBroker}; {@link #start()} builds and starts it. */
    public static final class Builder {
        private final Path directory;
        private int port;
        private int controllerPort;
        private int partitions = 6;
        private Duration startTimeout = Duration.ofSeconds(60);
        private boolean shutdownHook = true;
        private final List<String> jvmOptions = new ArrayList<>(List.of(
                "-Xms128m",
                "-Xmx768m",
                "-XX:+UseG1GC",
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                "--enable-native-access=ALL-UNNAMED"));
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** The client port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The KRaft controller port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = controllerPort;
            return this;
        }

        /** Partitions of auto-created topics (default 6). */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout);
            return this;
        }

        /**
         * Whether to stop the broker from a JVM shutdown hook (default true). Turn it off only when
         * the caller stops it in its own hook, in the order it needs.
         */
        public Builder shutdownHook(boolean shutdownHook) {
            this.shutdownHook = shutdownHook;
            return this;
        }

        /** A broker setting for {@code server.properties}, over the defaults. */
        public Builder property(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /** An option for the child JVM, after the defaults (a later {@code -Xmx} wins). */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** The broker, not started. */
        public KafkaBroker build() {
            return new KafkaBroker(this);
        }

        /** The broker, started and answering. */
        public KafkaBroker start() {
            KafkaBroker broker = build();
            broker.start();
            return broker;
        }
    }
}
