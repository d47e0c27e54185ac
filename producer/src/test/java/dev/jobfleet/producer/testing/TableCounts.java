package dev.jobfleet.producer.testing;

import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Row counts of the tables a submission writes: "stored nothing" means these did not move. */
public record TableCounts(long jobs, long history, long outbox) {
    public static TableCounts of(DataSource dataSource) {
        JdbcClient jdbc = JdbcClient.create(dataSource);
        return jdbc.sql("SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM job_history),"
                        + " (SELECT count(*) FROM outbox)")
                .query((rs, n) -> new TableCounts(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
                .single();
    }
}
