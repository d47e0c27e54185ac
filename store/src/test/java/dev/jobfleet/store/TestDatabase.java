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
 * A fresh database on the real PostgreSQL server for one test class, migrated to the newest
 * schema and dropped on {@link #close()}. The server comes from the system properties
 * {@code jobfleet.test.jdbc-url} and {@code jobfleet.test.jdbc-user} (the build sets them to the
 * machine's server). Sessions run in a non-UTC time zone on purpose: a statement that leans on the
 * session's zone instead of {@code timestamptz} shows up as a failing test.
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
        config.addDataSourceProperty("options", "-c TimeZone=" + SESSION_TIME_ZONE);
        this.dataSource = new HikariDataSource(config);
    }

    /** A new, migrated database with a pool of {@code poolSize} connections. */
    public static TestDatabase create(int poolSize) {
        String serverUrl = System.getProperty("jobfleet.test.jdbc-url", "jdbc:postgresql://127.0.0.1:5432/test");
        String user = System.getProperty("jobfleet.test.jdbc-user", "postgres");
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
