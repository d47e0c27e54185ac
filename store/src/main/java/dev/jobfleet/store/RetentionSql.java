package dev.jobfleet.store;

/** The statements of {@link Retention}. */
final class RetentionSql {
    private RetentionSql() {}

    /**
     * Up to a batch of jobs in one finished state, finished before the cutoff, deleted with their
     * history, logs and handler-lock rows (foreign keys, ON DELETE CASCADE) and their demo audit
     * rows. The victims are locked FOR UPDATE SKIP LOCKED before they are deleted: a row another
     * transaction is changing right now (an operator re-driving a DEAD job) is skipped, and a row
     * changed since this statement's snapshot is re-read under the lock and must still be finished
     * before the cutoff. A plain {@code DELETE ... WHERE id IN (SELECT ... LIMIT n)} re-checks only
     * the id after waiting for such a writer, and deletes the job it just re-drove. Oldest first:
     * {@code jobs_state_created} finds them (a job that finished before the cutoff was created
     * before it). Parameters: state, age in seconds, age in seconds, limit.
     */
    static final String PURGE_JOBS = """
            WITH doomed AS (
                SELECT id FROM jobs
                WHERE state = CAST(? AS job_state)
                  AND created_at < now() - make_interval(secs => ?)
                  AND finished_at < now() - make_interval(secs => ?)
                ORDER BY created_at
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            ), gone AS (
                DELETE FROM jobs j USING doomed d
                WHERE j.id = d.id AND j.state IN ('SUCCEEDED', 'CANCELLED', 'DEAD')
                RETURNING j.id
            ), audit AS (
                DELETE FROM demo_execution e USING gone g WHERE e.job_id = g.id
            )
            SELECT count(*) FROM gone""";

    /**
     * Up to a batch of finished fan-in batches, finished before the cutoff, whose children are all
     * gone (retention took them). A child cannot join a finished batch, and the foreign key from
     * {@code jobs.batch_id} refuses the delete of a batch that still has one. Parameters: age in
     * seconds, limit.
     */
    static final String PURGE_BATCHES = """
            WITH doomed AS (
                SELECT b.id FROM job_batch b
                WHERE b.state <> 'RUNNING'
                  AND b.finished_at < now() - make_interval(secs => ?)
                  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id)
                ORDER BY b.finished_at
                LIMIT ?
                FOR UPDATE OF b SKIP LOCKED
            )
            DELETE FROM job_batch b USING doomed d WHERE b.id = d.id""";

    /** The condition under which a key's sequence row is no longer needed; {@code s} is the row. */
    private static final String KEY_IDLE = """
            NOT EXISTS (SELECT 1 FROM jobs j WHERE j.order_key = s.key
                        AND j.state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED'))
            AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.order_key = s.key AND j.state = 'DEAD')""";

    /**
     * Step one of deleting idle order-key sequences: lock up to a batch of rows whose key has no
     * job that is waiting, running, retrying or DEAD (a DEAD job can be re-driven, which takes the
     * key's next number). Rows a submission holds right now are skipped. Parameter: limit.
     */
    static final String LOCK_IDLE_ORDER_KEYS =
            "SELECT s.key FROM order_key_sequence s WHERE " + KEY_IDLE + " LIMIT ? FOR UPDATE OF s SKIP LOCKED";

    /**
     * Step two, in the same transaction and so on a snapshot taken after the row locks: delete the
     * locked rows whose key is still idle. A submission that bumped a row after step one's
     * snapshot and before its lock has committed by now (the lock waited for it), so its job is
     * seen here and its row stays; one that comes after waits for this transaction and then starts
     * the key afresh at 1, with no other job of the key left to be ordered against. Parameter: the
     * locked keys (text[]).
     */
    static final String DELETE_IDLE_ORDER_KEYS =
            "DELETE FROM order_key_sequence s WHERE s.key = ANY (?) AND " + KEY_IDLE;

    /**
     * The condition under which a key's gate row ({@code concurrency_key}, {@code k}) is no longer
     * needed: no limit on the key, not closed by a limit call, no slot, and no job of the key that a
     * claim could still take (a DEAD job can be re-driven to PENDING without touching its key, so it
     * keeps the gate). {@code jobs_concurrency_key_live} (V11) answers the last part.
     */
    private static final String GATE_IDLE = """
            k.max_running IS NULL AND (k.closed_until IS NULL OR k.closed_until <= now())
            AND NOT EXISTS (SELECT 1 FROM concurrency_slot s WHERE s.key = k.key)
            AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.concurrency_key = k.key
                            AND j.state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED', 'DEAD'))""";

    /**
     * Step one of deleting idle gates: lock up to a batch of idle gate rows, and each key's advisory
     * lock exclusively (V11); a key whose advisory lock a submission holds (it is inserting a job of
     * the key, not committed yet, so the key only looks idle) is skipped, and so is a row a claim or
     * a limit call holds. The advisory lock is tried only for rows that passed the rest (a CASE: a
     * planner may order plain conditions by cost, and would then lock keys that are not idle), and
     * held to the end of the transaction. Parameter: limit.
     */
    static final String LOCK_IDLE_GATES = "SELECT k.key FROM concurrency_key k WHERE CASE WHEN " + GATE_IDLE
            + " THEN pg_try_advisory_xact_lock(1, hashtext(k.key)) ELSE false END LIMIT ? FOR UPDATE OF k SKIP LOCKED";

    /**
     * Step two, in the same transaction, on a snapshot taken after both locks: delete the locked
     * gates whose key is still idle. A submission that found the gate before step one has committed
     * its job by now (else step one skipped the key), so the job is seen here; one that comes later
     * waits on the advisory lock and then inserts a new gate. Parameter: the locked keys (text[]).
     */
    static final String DELETE_IDLE_GATES = "DELETE FROM concurrency_key k WHERE k.key = ANY (?) AND " + GATE_IDLE;
}
