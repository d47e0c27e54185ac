package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The embedded PostgreSQL keeps every file in the directory it is given and its data across restarts. */
class LocalPostgresIT {
    private final Path directory =
            Path.of("target", "it", "postgres-" + UUID.randomUUID()).toAbsolutePath();

    @AfterEach
    void tearDown() throws Exception {
        Directories.deleteRecursively(directory);
    }

    @Test
    void migratesQueriesAndKeepsItsFilesWhereConfigured() throws Exception {
        Path zonkyDefault = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");
        boolean zonkyDefaultExisted = Files.exists(zonkyDefault);
        long t0 = System.nanoTime();
        try (LocalPostgres postgres = LocalPostgres.builder(directory).start()) {
            System.out.printf(
                    "PostgreSQL at %s started in %d ms%n", postgres.jdbcUrl(), (System.nanoTime() - t0) / 1_000_000);
            assertThat(postgres.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:");

            assertThat(Schema.migrate(postgres.dataSource())).isPositive();
            assertThat(new JobRepository(postgres.dataSource()).queueDepth()).isEmpty();
            assertThat(query(postgres, "SHOW synchronous_commit"))
                    .as("an acknowledged commit survives a crash of the server (zonky's default is off)")
                    .isEqualTo("on");
            assertThat(query(postgres, "SHOW data_directory"))
                    .isEqualTo(postgres.dataDirectory().toRealPath().toString());
            assertThat(query(postgres, "SHOW unix_socket_directories")).isEmpty();
        }

        assertThat(directory.resolve("data/PG_VERSION")).isRegularFile();
        assertThat(directory.resolve("data/postmaster.pid")).doesNotExist();
        assertThat(directory.resolve("postgres.log")).isRegularFile();
        if (!zonkyDefaultExisted) {
            assertThat(zonkyDefault)
                    .as("nothing under " + zonkyDefault.getParent())
                    .doesNotExist();
        }
        // zonky unpacks its binaries once per JVM: into this bin/ when this is the JVM's first
        // LocalPostgres, else they stay where the first one put them (never under the temp directory)
        assertThat(directory.resolve("bin")).isDirectory();

        try (LocalPostgres again = LocalPostgres.builder(directory).start()) {
            assertThat(Schema.migrate(again.dataSource()))
                    .as("the schema survived the restart")
                    .isZero();
        }
    }

    private static String query(LocalPostgres postgres, String sql) throws Exception {
        try (Connection c = postgres.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
