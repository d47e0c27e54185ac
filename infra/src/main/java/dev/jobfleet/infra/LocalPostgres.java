package dev.jobfleet.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A real PostgreSQL 15 server (zonky's embedded binaries) whose files all live in one directory
 * instead of under {@code /tmp}: {@code bin/} holds the unpacked binaries, {@code data/} the cluster,
 * {@code postgres.log} the server's output. The data survives {@link #close()}; start again on the
 * same directory to get it back, or pass {@link Builder#fresh(boolean) fresh} to begin empty.
 *
 * <p>Connect as user {@code postgres} without a password (trust), database {@code postgres}.
 *
 * <p>zonky starts its servers with {@code synchronous_commit=off}: a commit is acknowledged before
 * its WAL is written, and a crash of the server loses the last commits. The fleet chaos harness saw
 * it lose jobs the producer had answered 201 for. Here it is {@code on} unless a caller sets it.
 */
public final class LocalPostgres implements AutoCloseable {
    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";
    private static final String ZONKY_WORKING_DIR = "ot.epg.working-dir";
    private static final Object ZONKY_BUILDER_LOCK = new Object();

    private final Path directory;
    private final EmbeddedPostgres postgres;
    private final Thread shutdownHook;

    private LocalPostgres(Path directory, EmbeddedPostgres postgres, boolean shutdownHook) {
        this.directory = directory;
        this.postgres = postgres;
        this.shutdownHook = shutdownHook ? new Thread(this::closeQuietly, "local-postgres-stop") : null;
        if (this.shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(this.shutdownHook);
        }
    }

    /** A server whose files live in {@code directory}. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/postgres}, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
    }

    public String username() {
        return USER;
    }

    /** Empty: the server trusts local connections. */
    public String password() {
        return "";
    }

    public int port() {
        return postgres.getPort();
    }

    /** An unpooled data source on the {@code postgres} database. */
    public DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    public Path directory() {
        return directory;
    }

    /** The cluster's data directory ({@code PGDATA}). */
    public Path dataDirectory() {
        return directory.resolve("data");
    }

    public Path logFile() {
        return directory.resolve("postgres.log");
    }

    /** Stop the server (fast shutdown); the data directory stays. */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop PostgreSQL in " + directory, e);
        }
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is what called us, or is about to; close() is idempotent
            }
        }
    }

    @Override
    public String toString() {
        return "LocalPostgres[" + jdbcUrl() + ", " + directory + "]";
    }

    private void closeQuietly() {
        try {
            postgres.close();
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop PostgreSQL in " + directory + ": " + e);
        }
    }

    /**
     * Stop a server left running on {@code data} by a JVM that died without closing it (kill -9):
     * PostgreSQL detaches from whoever starts it, so nothing else ends it. Only a process running a
     * {@code postgres} binary from this directory's {@code bin/} is touched.
     */
    private static void stopOrphan(Path directory, Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try (Stream<String> lines = Files.lines(pidFile)) {
            pid = Long.parseLong(lines.findFirst().orElse("0").strip());
        } catch (NumberFormatException e) {
            return;
        }
        String ownBinaries = directory.resolve("bin").toString();
        Optional<ProcessHandle> orphan = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info()
                        .command()
                        .filter(c -> c.startsWith(ownBinaries))
                        .isPresent());
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = orphan.get();
        postmaster.destroy(); // SIGTERM: smart shutdown; its clients died with their JVM
        try {
            postmaster.onExit().get(15, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            postmaster.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for PostgreSQL " + pid + " to stop", e);
        }
    }

    /**
     * zonky creates the directory named by {@value #ZONKY_WORKING_DIR} ({@code /tmp/embedded-pg} by
     * default) and scans it for stale clusters whatever else it is told; it reads the property when
     * the builder is made, so point it at {@code workingDirectory} just for that moment.
     */
    private static EmbeddedPostgres.Builder zonkyBuilder(Path workingDirectory) {
        synchronized (ZONKY_BUILDER_LOCK) {
            String previous = System.getProperty(ZONKY_WORKING_DIR);
            System.setProperty(ZONKY_WORKING_DIR, workingDirectory.toString());
            try {
                return EmbeddedPostgres.builder();
            } finally {
                if (previous == null) {
                    System.clearProperty(ZONKY_WORKING_DIR);
                } else {
                    System.setProperty(ZONKY_WORKING_DIR, previous);
                }
            }
        }
    }

    /** Options of a {@link LocalPostgres}; {@link #start()} starts it. */
    public static final class Builder {
        private final Path directory;
        private int port;
        private boolean fresh;
        private boolean shutdownHook = true;
        private Duration startTimeout = Duration.ofSeconds(30);
        private final Map<String, String> settings = new LinkedHashMap<>(Map.of("synchronous_commit", "on"));

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory")
                    .toAbsolutePath()
                    .normalize();
        }

        /** The port on localhost; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Delete the data directory before starting, for an empty cluster (default false). */
        public Builder fresh(boolean fresh) {
            this.fresh = fresh;
            return this;
        }

        /**
         * Whether to stop the server from a JVM shutdown hook (default true). Turn it off only when
         * the caller stops it in its own hook, after the apps that use it.
         */
        public Builder shutdownHook(boolean shutdownHook) {
            this.shutdownHook = shutdownHook;
            return this;
        }

        /**
         * A server setting over zonky's defaults (which include {@code synchronous_commit=off}), e.g.
         * {@code synchronous_commit=on} for published figures or {@code
         * shared_preload_libraries=pg_stat_statements}.
         */
        public Builder setting(String name, String value) {
            settings.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout);
            return this;
        }

        /** Unpack the binaries if needed, run {@code initdb} if the cluster is new, start the server. */
        public LocalPostgres start() {
            Path data = directory.resolve("data");
            Path log = directory.resolve("postgres.log");
            try {
                stopOrphan(directory, data);
                if (fresh) {
                    Directories.deleteRecursively(data);
                }
                // binaries go to bin/, not next to data/: zonky deletes stale siblings of its data dirs
                Files.createDirectories(directory.resolve("bin"));
                Files.createDirectories(data);
                EmbeddedPostgres.Builder builder = zonkyBuilder(directory.resolve("bin"));
                settings.forEach(builder::setServerConfig);
                EmbeddedPostgres postgres = builder.setOverrideWorkingDirectory(
                                directory.resolve("bin").toFile())
                        .setDataDirectory(data)
                        .setCleanDataDirectory(false)
                        .setRegisterShutdownHook(false)
                        .setPort(port)
                        .setPGStartupWait(startTimeout)
                        // no Unix socket in /tmp: clients connect over TCP
                        .setServerConfig("unix_socket_directories", "''")
                        .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                return new LocalPostgres(directory, postgres, shutdownHook);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "could not start PostgreSQL in " + directory + "; end of " + log + ":\n" + LogTail.of(log), e);
            }
        }
    }
}
