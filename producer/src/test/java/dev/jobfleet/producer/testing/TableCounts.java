package dev.jobfleet.producer.testing;

import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Row counts of every table the API writes: "stored nothing" means none of these moved. A request
 * that stores something is compared with {@link #plus} of the counts before it.
 */
public record TableCounts(long jobs, long history, long outbox, long batches, long limits, long slots, long schedules) {
    public static TableCounts of(DataSource dataSource) {
        JdbcClient jdbc = JdbcClient.create(dataSource);
        return jdbc.sql("SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM job_history),"
                        + " (SELECT count(*) FROM outbox), (SELECT count(*) FROM job_batch),"
                        + " (SELECT count(*) FROM concurrency_limit), (SELECT count(*) FROM concurrency_slot),"
                        + " (SELECT count(*) FROM job_schedule)")
                .query((rs, n) -> new TableCounts(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getLong(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getLong(6),
                        rs.getLong(7)))
                .single();
    }

    /** These counts with jobs, history rows and outbox rows added; the other tables unchanged. */
    public TableCounts plus(long addedJobs, long addedHistory, long addedOutbox) {
        return new TableCounts(
                jobs + addedJobs, history + addedHistory, outbox + addedOutbox, batches, limits, slots, schedules);
    }
}
