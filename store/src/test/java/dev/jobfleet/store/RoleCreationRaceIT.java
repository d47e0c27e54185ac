package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * PostgreSQL roles belong to the server, not to a database, and many databases share a server (the
 * tests make one per class; several deployments may share one cluster). V6 creates {@code
 * jobfleet_owner} and {@code jobfleet_app} when they are missing, and a concurrent creation by
 * another database's migration must not fail it. On a private server where the roles do not exist
 * yet, 12 databases are migrated at once: every migration succeeds and each role exists once. The
 * negative control runs the naive block (create the role if it is not there yet) in the same 12
 * threads, each transaction held open briefly as a migration's is: the losers fail on the
 * catalog's unique index. V6's own block, in the same harness, loses none.
 */
class RoleCreationRaceIT {
    private static final int THREADS = 12;
    private static EmbeddedPostgres server;

    @BeforeAll
    static void start() throws IOException {
        Path dir = Path.of("target", "role-race-postgres").toAbsolutePath();
        server = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(dir.resolve("bin").toFile())
                .setDataDirectory(dir.resolve("data"))
                .setCleanDataDirectory(true)
                .start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twelveDatabasesMigratedAtOnceOnAFreshServerAllSucceed() throws SQLException {
        assertThat(roleCount("jobfleet_owner") + roleCount("jobfleet_app"))
                .as("a fresh server has neither role")
                .isZero();
        for (int i = 0; i < THREADS; i++) {
            admin("CREATE DATABASE race_" + i);
        }

        List<String> outcomes = Race.run(THREADS, i -> () -> {
            try {
                Flyway.configure()
                        .dataSource(new DriverManagerDataSource(url("race_" + i), "postgres", ""))
                        .locations(Schema.LOCATION)
                        .load()
                        .migrate();
                return "ok";
            } catch (RuntimeException e) {
                return "failed: " + e.getMessage();
            }
        });

        assertThat(outcomes).hasSize(THREADS).containsOnly("ok");
        assertThat(roleCount("jobfleet_owner")).isEqualTo(1);
        assertThat(roleCount("jobfleet_app")).isEqualTo(1);
        System.out.printf("role creation: %d databases migrated at once on a fresh server, %d failed%n", THREADS, 0);
    }

    @Test
    void theNaiveCreateIfMissingFailsUnderTheSameRaceAndV6sBlockDoesNot() throws Exception {
        String naive = """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ROLE') THEN
                        CREATE ROLE ROLE LOGIN;
                    END IF;
                END $$""";
        String jobfleet = v6RoleBlock();

        List<String> naiveOutcomes = raceOnce(naive, "naive_" + suffix());
        List<String> jobfleetOutcomes = raceOnce(jobfleet, "jobfleet_" + suffix());

        // the control's own preconditions: every thread ran, one of them created the role
        assertThat(naiveOutcomes).hasSize(THREADS).contains("ok");
        long naiveFailures =
                naiveOutcomes.stream().filter(o -> o.contains("23505")).count();
        assertThat(naiveFailures).as("naive outcomes %s", naiveOutcomes).isPositive();
        assertThat(jobfleetOutcomes).hasSize(THREADS).containsOnly("ok");
        System.out.printf(
                "role creation race, %d threads: naive create-if-missing failed %d times; V6's block 0%n",
                THREADS, naiveFailures);
    }

    /** Runs {@code block} (with ROLE for the role's name) in 12 transactions at once, each held open 300 ms. */
    private static List<String> raceOnce(String block, String role) throws SQLException {
        assertThat(roleCount(role)).isZero();
        String sql = block.replace("ROLE LOGIN", role + " LOGIN")
                .replace("'ROLE'", "'" + role + "'")
                .replace("ARRAY['jobfleet_owner', 'jobfleet_app']", "ARRAY['" + role + "']");
        List<String> outcomes = Race.run(THREADS, i -> () -> {
            try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", null)) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute(sql);
                    s.execute("SELECT pg_sleep(0.3)");
                    c.commit();
                    return "ok";
                } catch (SQLException e) {
                    c.rollback();
                    return e.getSQLState() + " " + e.getMessage();
                }
            }
        });
        assertThat(roleCount(role)).isEqualTo(1);
        return outcomes;
    }

    /** The first DO block of V6: the one that creates the roles. */
    private static String v6RoleBlock() throws IOException {
        String v6;
        try (InputStream in = RoleCreationRaceIT.class.getResourceAsStream("/db/migration/V6__access.sql")) {
            assertThat(in).as("V6 on the classpath").isNotNull();
            v6 = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher block =
                Pattern.compile("DO \\$\\$.*?END \\$\\$;", Pattern.DOTALL).matcher(v6);
        assertThat(block.find()).isTrue();
        assertThat(block.group()).contains("CREATE ROLE", "ARRAY['jobfleet_owner', 'jobfleet_app']");
        return block.group().substring(0, block.group().length() - 1);
    }

    private static long roleCount(String role) throws SQLException {
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", null);
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void admin(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", null);
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + database;
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
