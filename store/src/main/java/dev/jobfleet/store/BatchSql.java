package dev.jobfleet.store;

/**
 * Statements for fan-in batches. The count-down itself is trigger {@code jobs_batch_countdown}: it
 * runs in the transaction of each child's terminal transition.
 */
final class BatchSql {
    private BatchSql() {}

    /**
     * Parameters: id, policy, callback (jsonb or null), submitted_by (or null). Total and remaining
     * are set once the children are in.
     */
    static final String INSERT_BATCH = """
            INSERT INTO job_batch (id, total, remaining, policy, callback, submitted_by)
            VALUES (?, 1, 1, ?, CAST(? AS jsonb), ?)
            """;

    /** Parameters: n, n, id. */
    static final String SET_SIZE = "UPDATE job_batch SET total = ?, remaining = ? WHERE id = ? AND state = 'RUNNING'";

    static final String FIND_BATCH = """
            SELECT id, total, remaining, succeeded, failed, policy, state, CAST(callback AS text) AS callback,
                   callback_job_id, completions, created_at, finished_at, submitted_by
            FROM job_batch WHERE id = ?
            """;
}
