package dev.jobfleet.worker;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Reads the demo handlers' audit table, {@code demo_execution}. */
final class Executions {
    record Execution(
            UUID jobId,
            String workerId,
            UUID claimToken,
            int attempt,
            OffsetDateTime startedAt,
            OffsetDateTime finishedAt) {}

    private final JdbcClient jdbc;

    Executions(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    List<Execution> of(UUID jobId) {
        return jdbc.sql("""
                        SELECT job_id, worker_id, claim_token, attempt, started_at, finished_at
                        FROM demo_execution WHERE job_id = ? ORDER BY id""")
                .param(jobId)
                .query((rs, n) -> new Execution(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getObject(3, UUID.class),
                        rs.getInt(4),
                        rs.getObject(5, OffsetDateTime.class),
                        rs.getObject(6, OffsetDateTime.class)))
                .list();
    }
}
