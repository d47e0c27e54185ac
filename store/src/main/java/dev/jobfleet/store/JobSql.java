package dev.jobfleet.store;

/**
 * Every statement jobfleet runs against the jobs tables, in one reviewable place.
 *
 * <p>Rules every statement here keeps:
 *
 * <ol>
 *   <li>A transition is one statement. The expected current state is in its {@code WHERE}; a
 *       write for a run also names that run's fencing token ({@code claim_token}). The caller
 *       checks the row count: 0 means someone else won, never "try the next thing".
 *   <li>The same statement appends the {@code job_history} row (a data-modifying CTE), so a
 *       transition and its history commit together or not at all.
 *   <li>Time is the database's: {@code now()} in the statement, never a timestamp from a pod.
 *   <li>Rows are locked in id order ({@code ORDER BY id FOR UPDATE}), or with {@code SKIP
 *       LOCKED}, which never waits, so overlapping batches cannot deadlock.
 * </ol>
 *
 * Batches travel as one {@code jsonb} array parameter (read with {@code jsonb_to_recordset}), so
 * a batch of any size is one round trip.
 */
final class JobSql {
    private JobSql() {}

    static final String JOB_COLUMNS = """
            id, type, payload, state, priority, run_at, attempts, max_attempts, idempotency_key,
            concurrency_key, claim_token, lease_owner, lease_expires_at, metadata, last_error, errors,
            rescue_count, created_at, updated_at, started_at, finished_at, version, counters, unique_key,
            batch_id, order_key, effective_priority""";

    /**
     * Submit: the job, its first history row and its outbox row in one statement. A taken
     * idempotency key or unique key inserts nothing and returns no row; the caller then reads the
     * job that holds it. With an order key, the key's row in {@code order_key_sequence} is bumped
     * and stays locked until commit, so submissions of one key get their sequence numbers in commit
     * order. Parameters: order_key, order_key, id, type, payload, priority, run_at (null = now),
     * max_attempts, idempotency_key, concurrency_key, unique_key, unique_states (text[] literal),
     * order_key, batch_id, metadata, actor, topic, event.
     */
    static final String INSERT_JOB = """
            WITH seq AS (
                INSERT INTO order_key_sequence (key, last_seq)
                SELECT CAST(? AS text), 1 WHERE CAST(? AS text) IS NOT NULL
                ON CONFLICT (key) DO UPDATE SET last_seq = order_key_sequence.last_seq + 1
                RETURNING last_seq
            ), inserted AS (
                INSERT INTO jobs (id, type, payload, priority, run_at, max_attempts, idempotency_key, concurrency_key,
                                  unique_key, unique_states, order_key, order_seq, batch_id, metadata)
                VALUES (?, ?, CAST(? AS jsonb), ?, coalesce(CAST(? AS timestamptz), now()), ?, ?, ?,
                        ?, CAST(? AS job_state[]), ?, (SELECT last_seq FROM seq), ?, CAST(? AS jsonb))
                ON CONFLICT DO NOTHING
                RETURNING *
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, detail)
                SELECT id, NULL, state, ?, 'submitted' FROM inserted
            ), outbox_row AS (
                INSERT INTO outbox (job_id, topic, event)
                SELECT id, ?, CAST(? AS jsonb) FROM inserted
            )
            SELECT %s FROM inserted
            """.formatted(JOB_COLUMNS);

    /** The job holding a unique key in one of its unique states. Parameters: unique_key. */
    static final String FIND_BY_UNIQUE_KEY =
            "SELECT " + JOB_COLUMNS + " FROM jobs WHERE unique_key = ? AND state = ANY (unique_states)";

    static final String FIND_JOB = "SELECT " + JOB_COLUMNS + " FROM jobs WHERE id = ?";

    static final String FIND_BY_IDEMPOTENCY_KEY = "SELECT " + JOB_COLUMNS + " FROM jobs WHERE idempotency_key = ?";

    static final String HISTORY = """
            SELECT id, job_id, from_state, to_state, at, actor, claim_token, attempt, detail
            FROM job_history WHERE job_id = ? ORDER BY id
            """;

    /** Parameters: state (null = any), state, type (null = any), type, limit. Newest first. */
    static final String LIST_JOBS = """
            SELECT %s FROM jobs
            WHERE (CAST(? AS text) IS NULL OR state = CAST(? AS job_state))
              AND (CAST(? AS text) IS NULL OR type = ?)
            ORDER BY created_at DESC, id DESC
            LIMIT ?
            """.formatted(JOB_COLUMNS);

    /**
     * Kafka-first events: insert the jobs that do not exist yet, with their history row. Jobs
     * that exist (by id, or by idempotency key) are left alone. Parameters: the events as
     * a jsonb array of {@code {id, type, payload, priority, run_at, max_attempts,
     * idempotency_key, concurrency_key}}, actor.
     */
    static final String INSERT_MISSING_JOBS = """
            WITH event AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS e(
                    id uuid, type text, payload jsonb, priority smallint, run_at timestamptz,
                    max_attempts integer, idempotency_key text, concurrency_key text)
            ), inserted AS (
                INSERT INTO jobs (id, type, payload, priority, run_at, max_attempts, idempotency_key, concurrency_key)
                SELECT id, type, coalesce(payload, '{}'), priority, coalesce(run_at, now()), max_attempts,
                       idempotency_key, concurrency_key
                FROM event ORDER BY id
                ON CONFLICT DO NOTHING
                RETURNING id, state
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, detail)
                SELECT id, NULL, state, ?, 'submitted through Kafka' FROM inserted
            )
            SELECT id FROM inserted
            """;

    /**
     * The claim. {@code %1$s} picks candidate ids (pending, due, of the worker's types); they are
     * locked with SKIP LOCKED, so claimers never wait on each other. On top of that:
     *
     * <ul>
     *   <li>Order keys: only the head of a key (no earlier job of the key still pending, running or
     *       waiting to retry) is a candidate.
     *   <li>Concurrency limits: a job whose key has a limit needs a free slot row. Free slots are
     *       locked with SKIP LOCKED too, and a slot another claim took after this statement's
     *       snapshot is re-checked by the lock ({@code job_id IS NULL} fails), so a key never has
     *       more taken slots than its limit. The slot records the run's token, and leaving RUNNING
     *       frees exactly that slot (trigger {@code jobs_free_slot}). After a limit is lowered,
     *       slots above it that are still taken block the key until they drain: claims only take
     *       slots at or below the limit, so that set can only shrink, and a stale read of it errs
     *       on the side of not claiming.
     * </ul>
     */
    private static final String CLAIM_TEMPLATE = """
            WITH candidate AS (
                SELECT j.id, j.concurrency_key, j.effective_priority, j.run_at FROM jobs j
                WHERE %1$s
                  AND (j.order_key IS NULL OR NOT EXISTS (
                        SELECT 1 FROM jobs p
                        WHERE p.order_key = j.order_key AND p.order_seq < j.order_seq
                          AND p.state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED')))
                  AND (j.concurrency_key IS NULL
                       OR NOT EXISTS (SELECT 1 FROM concurrency_limit l WHERE l.key = j.concurrency_key)
                       OR (EXISTS (SELECT 1 FROM concurrency_slot s JOIN concurrency_limit l ON l.key = s.key
                                   WHERE s.key = j.concurrency_key AND s.job_id IS NULL AND s.slot <= l.max_running)
                           AND NOT EXISTS (SELECT 1 FROM concurrency_slot o JOIN concurrency_limit l ON l.key = o.key
                                   WHERE o.key = j.concurrency_key AND o.job_id IS NOT NULL AND o.slot > l.max_running)))
                %2$s
                FOR UPDATE OF j SKIP LOCKED
            ), limited_key AS (
                SELECT DISTINCT l.key, l.max_running FROM candidate c JOIN concurrency_limit l ON l.key = c.concurrency_key
            ), free_slot AS (
                SELECT s.key, s.slot FROM concurrency_slot s JOIN limited_key k ON k.key = s.key
                WHERE s.job_id IS NULL AND s.slot <= k.max_running
                  AND NOT EXISTS (SELECT 1 FROM concurrency_slot o
                                  WHERE o.key = s.key AND o.job_id IS NOT NULL AND o.slot > k.max_running)
                ORDER BY s.key, s.slot
                FOR UPDATE OF s SKIP LOCKED
            ), numbered_slot AS (
                SELECT key, slot, row_number() OVER (PARTITION BY key ORDER BY slot) AS n FROM free_slot
            ), numbered_job AS (
                SELECT c.id, c.concurrency_key,
                       row_number() OVER (PARTITION BY c.concurrency_key ORDER BY c.effective_priority, c.run_at, c.id) AS n
                FROM candidate c
            ), assignment AS (
                SELECT j.id, s.key, s.slot FROM numbered_job j
                LEFT JOIN numbered_slot s ON s.key = j.concurrency_key AND s.n = j.n
                WHERE j.concurrency_key IS NULL OR s.slot IS NOT NULL
                   OR NOT EXISTS (SELECT 1 FROM limited_key k WHERE k.key = j.concurrency_key)
            ), claimed AS (
                UPDATE jobs j
                SET state = 'RUNNING', attempts = j.attempts + 1, claim_token = gen_random_uuid(),
                    lease_owner = ?, lease_expires_at = now() + make_interval(secs => ?),
                    started_at = now(), updated_at = now()
                FROM assignment a
                WHERE j.id = a.id AND j.state = 'PENDING'
                RETURNING j.*
            ), slot_taken AS (
                UPDATE concurrency_slot s SET job_id = c.id, claim_token = c.claim_token, taken_at = now()
                FROM claimed c JOIN assignment a ON a.id = c.id
                WHERE s.key = a.key AND s.slot = a.slot
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT id, 'PENDING', 'RUNNING', lease_owner, claim_token, attempts, 'claimed' FROM claimed
            )
            SELECT %3$s FROM claimed ORDER BY effective_priority, run_at, id
            """;

    /**
     * Claim the named jobs that are pending and due. Jobs another worker is claiming right now
     * are skipped, not waited for; so are jobs of types the worker has no handler for.
     * Parameters: ids (uuid[] text), types (text[] text), owner, lease seconds.
     */
    static final String CLAIM_BY_IDS = CLAIM_TEMPLATE.formatted("""
            j.id = ANY (CAST(? AS uuid[])) AND j.state = 'PENDING' AND j.run_at <= now()
                  AND j.type = ANY (CAST(? AS text[]))""", "ORDER BY j.id", JOB_COLUMNS);

    /**
     * Claim up to n due pending jobs in priority order, whatever their Kafka events did: the
     * path for scheduled jobs, due retries and rescued jobs. Only the worker's own types. Parameters: types
     * (text[] text), limit, owner, lease seconds.
     */
    static final String CLAIM_DUE = CLAIM_TEMPLATE.formatted(
            "j.state = 'PENDING' AND j.run_at <= now() AND j.type = ANY (CAST(? AS text[]))",
            "ORDER BY j.effective_priority, j.run_at, j.id LIMIT ?",
            JOB_COLUMNS);

    /**
     * Record the outcomes of runs, each guarded by its fencing token. A retry past max_attempts
     * becomes DEAD here, in the database. Parameters: outcomes as a jsonb array of {@code
     * {id, token, state, delay_ms, error, detail}}, actor; {@code error} is an object appended to
     * {@code errors}.
     */
    static final String FINISH_RUNS = """
            WITH outcome AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS o(
                    id uuid, token uuid, state job_state, delay_ms bigint, error jsonb, detail text)
            ), locked AS (
                SELECT j.id, j.attempts, j.max_attempts, o.token, o.delay_ms, o.error, o.detail,
                       CASE WHEN o.state = 'RETRY_SCHEDULED' AND j.attempts >= j.max_attempts
                            THEN 'DEAD'::job_state ELSE o.state END AS next_state
                FROM jobs j JOIN outcome o ON o.id = j.id
                WHERE j.state = 'RUNNING' AND j.claim_token = o.token
                ORDER BY j.id
                FOR UPDATE OF j
            ), finished AS (
                UPDATE jobs j
                SET state = l.next_state,
                    run_at = CASE WHEN l.next_state = 'RETRY_SCHEDULED'
                                  THEN now() + make_interval(secs => coalesce(l.delay_ms, 0) / 1000.0)
                                  ELSE j.run_at END,
                    finished_at = CASE WHEN l.next_state IN ('SUCCEEDED', 'DEAD', 'CANCELLED') THEN now() END,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                    last_error = coalesce(l.error ->> 'message', j.last_error),
                    errors = CASE WHEN l.error IS NULL THEN j.errors
                                  ELSE j.errors || jsonb_build_array(l.error || jsonb_build_object('at', now())) END
                FROM locked l
                WHERE j.id = l.id AND j.state = 'RUNNING' AND j.claim_token = l.token
                RETURNING j.id, j.state, j.claim_token, j.attempts, l.detail
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT id, 'RUNNING', state, ?, claim_token, attempts, detail FROM finished
            )
            SELECT id, state FROM finished
            """;

    /**
     * Extend the leases of runs this worker still holds. Parameters: runs as a
     * jsonb array of {@code {id, token}}, lease seconds. Returns the ids whose lease was extended.
     */
    static final String EXTEND_LEASES = """
            WITH run AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS r(id uuid, token uuid)
            ), locked AS (
                SELECT j.id FROM jobs j JOIN run r ON r.id = j.id
                WHERE j.state = 'RUNNING' AND j.claim_token = r.token
                ORDER BY j.id
                FOR UPDATE OF j
            )
            UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ?), updated_at = now()
            FROM locked l WHERE j.id = l.id AND j.state = 'RUNNING'
            RETURNING j.id
            """;

    /**
     * The reaper: runs whose lease expired go back to PENDING, or to DEAD when no attempt is
     * left. Parameters: limit, actor.
     */
    static final String RESCUE_EXPIRED = """
            WITH expired AS (
                SELECT id, lease_owner, claim_token FROM jobs
                WHERE state = 'RUNNING' AND lease_expires_at < now()
                ORDER BY id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            ), rescued AS (
                UPDATE jobs j
                SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'DEAD'::job_state ELSE 'PENDING'::job_state END,
                    finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                    rescue_count = j.rescue_count + 1,
                    last_error = 'lease expired while held by ' || e.lease_owner,
                    errors = j.errors || jsonb_build_array(jsonb_build_object(
                        'attempt', j.attempts, 'at', now(), 'class', 'LeaseExpired',
                        'message', 'lease expired while held by ' || e.lease_owner))
                FROM expired e
                WHERE j.id = e.id AND j.state = 'RUNNING' AND j.claim_token = e.claim_token
                RETURNING j.id, j.state, j.claim_token, j.attempts, e.lease_owner
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT id, 'RUNNING', state, ?, claim_token, attempts, 'lease expired, held by ' || lease_owner
                FROM rescued
            )
            SELECT id, state FROM rescued
            """;

    /**
     * Release runs this worker holds but will not finish (shutdown): back to PENDING without
     * spending the attempt. Parameters: runs as a jsonb array of {@code {id, token}}, actor.
     */
    static final String RELEASE_RUNS = """
            WITH run AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS r(id uuid, token uuid)
            ), locked AS (
                SELECT j.id, r.token FROM jobs j JOIN run r ON r.id = j.id
                WHERE j.state = 'RUNNING' AND j.claim_token = r.token
                ORDER BY j.id
                FOR UPDATE OF j
            ), released AS (
                UPDATE jobs j
                SET state = 'PENDING', attempts = greatest(j.attempts - 1, 0),
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                FROM locked l WHERE j.id = l.id AND j.state = 'RUNNING' AND j.claim_token = l.token
                RETURNING j.id, j.claim_token, j.attempts
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT id, 'RUNNING', 'PENDING', ?, claim_token, attempts, 'released on shutdown' FROM released
            )
            SELECT id FROM released
            """;

    /** Due retries back to PENDING. Parameters: limit, actor. */
    static final String PROMOTE_DUE_RETRIES = """
            WITH due AS (
                SELECT id FROM jobs
                WHERE state = 'RETRY_SCHEDULED' AND run_at <= now()
                ORDER BY id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            ), promoted AS (
                UPDATE jobs j SET state = 'PENDING', updated_at = now()
                FROM due d WHERE j.id = d.id AND j.state = 'RETRY_SCHEDULED'
                RETURNING j.id, j.attempts
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, attempt, detail)
                SELECT id, 'RETRY_SCHEDULED', 'PENDING', ?, attempts, 'retry due' FROM promoted
            )
            SELECT id FROM promoted
            """;

    /**
     * Cancel a job that no worker holds. NOWAIT: a job a worker is claiming at this instant is
     * refused at once (SQLState 55P03) rather than waited for. Parameters: id, actor, reason.
     */
    static final String CANCEL = """
            WITH target AS (
                SELECT id, state FROM jobs
                WHERE id = ? AND state IN ('PENDING', 'RETRY_SCHEDULED')
                FOR UPDATE NOWAIT
            ), cancelled AS (
                UPDATE jobs j SET state = 'CANCELLED', finished_at = now(), updated_at = now()
                FROM target t WHERE j.id = t.id AND j.state IN ('PENDING', 'RETRY_SCHEDULED')
                RETURNING j.id, t.state AS previous, j.attempts
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, attempt, detail)
                SELECT id, previous, 'CANCELLED', ?, attempts, ? FROM cancelled
            )
            SELECT id FROM cancelled
            """;

    /**
     * Merge keys into a running job's metadata, under the run's token: one statement, so merges
     * from concurrent writers never overwrite each other. Parameters: patch (jsonb object), id,
     * token.
     */
    static final String MERGE_METADATA = """
            UPDATE jobs SET metadata = metadata || CAST(? AS jsonb), updated_at = now()
            WHERE id = ? AND state = 'RUNNING' AND claim_token = ?
            """;

    /**
     * Add n to a named counter of a running job, under the run's token; returns the new value.
     * Parameters: name, name, n, id, token, name.
     */
    static final String INCREMENT_COUNTER = """
            UPDATE jobs
            SET counters = jsonb_set(counters, ARRAY[CAST(? AS text)],
                                     to_jsonb(coalesce(CAST(counters ->> CAST(? AS text) AS bigint), 0) + ?)),
                updated_at = now()
            WHERE id = ? AND state = 'RUNNING' AND claim_token = ?
            RETURNING CAST(counters ->> CAST(? AS text) AS bigint)
            """;

    /**
     * Append a handler log entry under the run's token; the job row is share-locked so the run
     * cannot end between the check and the insert. Parameters: entry (jsonb), id, token.
     */
    static final String APPEND_LOG = """
            INSERT INTO job_log (job_id, claim_token, attempt, entry)
            SELECT id, claim_token, attempts, CAST(? AS jsonb) FROM jobs
            WHERE id = ? AND state = 'RUNNING' AND claim_token = ?
            FOR SHARE
            """;

    static final String LOGS = """
            SELECT id, job_id, claim_token, attempt, at, CAST(entry AS text) AS entry
            FROM job_log WHERE job_id = ? ORDER BY id
            """;

    /**
     * A person's change to a job that no worker holds, guarded by the version they read (If-Match).
     * Null fields are left alone. Parameters: priority, priority, run_at, metadata patch, id,
     * version.
     */
    static final String PATCH_JOB = """
            UPDATE jobs
            SET priority = coalesce(CAST(? AS smallint), priority),
                effective_priority = coalesce(CAST(? AS smallint), effective_priority),
                run_at = coalesce(CAST(? AS timestamptz), run_at),
                metadata = metadata || coalesce(CAST(? AS jsonb), '{}'),
                updated_at = now()
            WHERE id = ? AND version = ? AND state IN ('PENDING', 'RETRY_SCHEDULED')
            RETURNING %s
            """.formatted(JOB_COLUMNS);

    /**
     * Aging: a pending job's effective priority drops by one (towards 0, claimed first) for every
     * aging interval it has waited, so low-priority work finishes under a flood of high-priority
     * work. Parameters: aging seconds, limit.
     */
    static final String AGE_PRIORITIES = """
            WITH due AS (
                SELECT id FROM jobs
                WHERE state = 'PENDING' AND effective_priority > 0
                  AND run_at <= now() - make_interval(secs => CAST(? AS double precision) * (priority - effective_priority + 1))
                ORDER BY id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            )
            UPDATE jobs j SET effective_priority = j.effective_priority - 1
            FROM due d WHERE j.id = d.id AND j.state = 'PENDING' AND j.effective_priority > 0
            """;

    /**
     * Re-drive a DEAD job: back to PENDING with its attempts reset (its errors are kept), and an
     * outbox row so workers hear of it at once. Parameters: id, actor, topic.
     */
    static final String REDRIVE = """
            WITH target AS (
                SELECT id FROM jobs WHERE id = ? AND state = 'DEAD' FOR UPDATE NOWAIT
            ), redriven AS (
                UPDATE jobs j SET state = 'PENDING', attempts = 0, run_at = now(), finished_at = NULL, updated_at = now()
                FROM target t WHERE j.id = t.id AND j.state = 'DEAD'
                RETURNING j.*
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, attempt, detail)
                SELECT id, 'DEAD', 'PENDING', ?, attempts, 're-driven' FROM redriven
            ), outbox_row AS (
                INSERT INTO outbox (job_id, topic, event)
                SELECT id, ?, jsonb_build_object(
                    'id', id, 'type', type, 'payload', payload, 'priority', priority, 'runAt', NULL,
                    'maxAttempts', max_attempts, 'concurrencyKey', concurrency_key, 'idempotencyKey', idempotency_key)
                FROM redriven
            )
            SELECT id FROM redriven
            """;

    /**
     * The outbox relay's batch: deletes up to n rows in id order, skipping rows another relay
     * holds. Runs inside the transaction that publishes them, so a failed publish puts them back.
     * Parameters: limit.
     */
    static final String TAKE_OUTBOX = """
            DELETE FROM outbox
            WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING id, job_id, topic, CAST(event AS text) AS event
            """;

    static final String OUTBOX_SIZE = "SELECT count(*) FROM outbox";

    /** Queue depth by state and type. */
    static final String COUNT_BY_STATE_AND_TYPE = "SELECT state, type, count(*) AS n FROM jobs GROUP BY state, type";

    /** Seconds the oldest due pending job has waited; 0 when none waits (JdbcClient.single() refuses null). */
    static final String OLDEST_DUE_PENDING_AGE = "SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0) FROM jobs"
            + " WHERE state = 'PENDING' AND run_at <= now()";

    /** The transition table as the database holds it. */
    static final String TRANSITIONS = "SELECT from_state, to_state FROM job_state_transition";

    static final String START_EXECUTION = """
            INSERT INTO demo_execution (job_id, worker_id, claim_token, attempt, started_at)
            VALUES (?, ?, ?, ?, clock_timestamp())
            RETURNING id
            """;

    static final String END_EXECUTION = "UPDATE demo_execution SET finished_at = clock_timestamp() WHERE id = ?";

    /**
     * Pairs of executions of one job whose time spans overlap: G1 says zero. An execution without
     * a recorded end (its worker was killed, or lost the database before it could write it) ended
     * at the latest when its claim left RUNNING: from then on its token can write nothing.
     */
    static final String OVERLAPPING_EXECUTIONS = """
            WITH execution AS (
                SELECT e.id, e.job_id, e.started_at,
                       coalesce(e.finished_at,
                                (SELECT min(h.at) FROM job_history h
                                 WHERE h.job_id = e.job_id AND h.claim_token = e.claim_token AND h.from_state = 'RUNNING'),
                                'infinity') AS ended_at
                FROM demo_execution e
            )
            SELECT count(*) FROM execution a
            JOIN execution b ON a.job_id = b.job_id AND a.id < b.id
            WHERE a.started_at < b.ended_at AND b.started_at < a.ended_at
            """;
}
