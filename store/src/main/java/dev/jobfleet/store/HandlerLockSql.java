package dev.jobfleet.store;

/**
 * Statements for handler locks (table {@code handler_lock}): a named lock a running job holds for
 * a critical section of its handler, fenced by the run's claim token.
 */
final class HandlerLockSql {
    private HandlerLockSql() {}

    /**
     * Before {@link #ACQUIRE}, in its transaction: make sure the name has a row (a released one, fence
     * 0, held by the acquiring run's own job) and lock it. {@link #ACQUIRE} then runs on a snapshot
     * taken after the row lock was granted, so it sees the current holder's acquisition and the
     * holder's job as they are: a run claimed and locked after this transaction began is never
     * mistaken for a dead holder. Parameters: name, job id, token.
     */
    static final String ENSURE_ROW = """
            INSERT INTO handler_lock (name, job_id, claim_token, fence, acquired_at, expires_at, released_at)
            SELECT CAST(? AS text), id, claim_token, 0, now(), now() + interval '1 millisecond', now()
            FROM jobs WHERE id = ? AND state = 'RUNNING' AND claim_token = ?
            ON CONFLICT (name) DO NOTHING
            """;

    /** Lock a name's row for the rest of the transaction. Parameters: name. */
    static final String LOCK_ROW = "SELECT fence FROM handler_lock WHERE name = ? FOR UPDATE";

    /**
     * Take the lock for a run (after {@link #ENSURE_ROW} and {@link #LOCK_ROW}, in one transaction). The run must hold its job (RUNNING under its
     * token; the job row is share-locked so the run cannot end before the lock row is written). The
     * lock is free when its name has no row, when it was released, when its expiry has passed
     * (database clock), or when its holder's job is no longer RUNNING under the holder's token: a
     * run that lost its job cannot keep a lock. The fence is drawn from a sequence once the row is
     * locked (a name's row is never deleted but by retention), so it is larger than every fence of
     * the name before it. Returns one row: whether the run holds its job, and the fence and expiry
     * when the lock was taken. Parameters: job id, token, name, ttl seconds.
     */
    static final String ACQUIRE = """
            WITH run AS (
                SELECT id, claim_token FROM jobs
                WHERE id = ? AND state = 'RUNNING' AND claim_token = ?
                FOR SHARE
            ), acquired AS (
                INSERT INTO handler_lock AS l (name, job_id, claim_token, fence, acquired_at, expires_at)
                SELECT CAST(? AS text), r.id, r.claim_token, nextval('handler_lock_fence'), now(),
                       now() + make_interval(secs => ?)
                FROM run r
                ON CONFLICT (name) DO UPDATE
                SET job_id = EXCLUDED.job_id, claim_token = EXCLUDED.claim_token,
                    fence = nextval('handler_lock_fence'), acquired_at = EXCLUDED.acquired_at,
                    expires_at = EXCLUDED.expires_at, released_at = NULL
                WHERE l.released_at IS NOT NULL
                   OR l.expires_at <= now()
                   OR NOT EXISTS (SELECT 1 FROM jobs h
                                  WHERE h.id = l.job_id AND h.state = 'RUNNING' AND h.claim_token = l.claim_token)
                RETURNING l.fence, l.expires_at
            )
            SELECT EXISTS (SELECT 1 FROM run) AS running, a.fence, a.expires_at
            FROM (SELECT 1) AS one LEFT JOIN acquired a ON true
            """;

    /**
     * Release an acquisition (by its fence), in one statement, and say whether it was held to the
     * end: the row was still this acquisition's and unreleased, unexpired, and the run still held
     * its job. Parameters: name, fence, job id, token.
     */
    static final String RELEASE = """
            WITH released AS (
                UPDATE handler_lock SET released_at = now()
                WHERE name = ? AND fence = ? AND released_at IS NULL
                RETURNING expires_at
            )
            SELECT EXISTS (SELECT 1 FROM released) AS released,
                   coalesce((SELECT bool_and(expires_at > now()) FROM released), false) AS in_time,
                   EXISTS (SELECT 1 FROM jobs WHERE id = ? AND state = 'RUNNING' AND claim_token = ?) AS running
            """;

    /** The lock as it is. Parameters: name. */
    static final String FIND = """
            SELECT name, job_id, claim_token, fence, acquired_at, expires_at, released_at
            FROM handler_lock WHERE name = ?
            """;
}
