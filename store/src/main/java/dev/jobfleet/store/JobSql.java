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
 *   <li>Rows are locked in id order ({@code ORDER BY id FOR UPDATE}, or an {@code UPDATE} driven
 *       by id-sorted input through the primary key, see {@link #FINISH_RUNS}), or with {@code SKIP
 *       LOCKED}, which never waits, so overlapping batches cannot deadlock. A statement that can
 *       end children of several fan-in batches locks those batch rows in id order too, before the
 *       update whose trigger counts them down ({@code batch_locked}, evaluated first through a
 *       one-time filter).
 *   <li>Many new rows go in ordered by {@code (concurrency_key, id)}. A new key's gate row is
 *       inserted by an after-row trigger, in the order the rows went in; a gate a concurrent
 *       statement inserted and has not committed makes the insert wait. In id order, two statements
 *       bringing the same new keys in opposite orders waited for each other (a deadlock); in key
 *       order they queue ({@code GateOrderIT}).
 * </ol>
 *
 * Batches travel as typed arrays (read with {@code unnest}) or as one {@code jsonb} array parameter
 * (read with {@code jsonb_to_recordset}), so a batch of any size is one round trip.
 */
final class JobSql {
    private JobSql() {}

    static final String JOB_COLUMNS = """
            id, type, payload, state, priority, run_at, attempts, max_attempts, idempotency_key,
            concurrency_key, claim_token, lease_owner, lease_expires_at, metadata, last_error, errors,
            rescue_count, created_at, updated_at, started_at, finished_at, version, counters, unique_key,
            batch_id, order_key, effective_priority, timeout_ms, lost_runs, submitted_by""";

    /**
     * Submit: the job, its first history row and its outbox row in one statement. A taken
     * idempotency key or unique key inserts nothing and returns no row; the caller then reads the
     * job that holds it. With an order key, the key's row in {@code order_key_sequence} is bumped
     * and stays locked until commit, so submissions of one key get their sequence numbers in commit
     * order. Parameters: order_key, order_key, id, type, payload, priority, run_at (null = now),
     * max_attempts, idempotency_key, concurrency_key, unique_key, unique_states (text[] literal),
     * order_key, batch_id, metadata, timeout_ms, submitted_by, actor, topic, event.
     */
    static final String INSERT_JOB = """
            WITH seq AS (
                INSERT INTO order_key_sequence (key, last_seq)
                SELECT CAST(? AS text), 1 WHERE CAST(? AS text) IS NOT NULL
                ON CONFLICT (key) DO UPDATE SET last_seq = order_key_sequence.last_seq + 1
                RETURNING last_seq
            ), inserted AS (
                INSERT INTO jobs (id, type, payload, priority, run_at, max_attempts, idempotency_key, concurrency_key,
                                  unique_key, unique_states, order_key, order_seq, batch_id, metadata, timeout_ms,
                                  submitted_by)
                VALUES (?, ?, CAST(? AS jsonb), ?, coalesce(CAST(? AS timestamptz), now()), ?, ?, ?,
                        ?, CAST(? AS job_state[]), ?, (SELECT last_seq FROM seq), ?, CAST(? AS jsonb), ?, ?)
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

    /**
     * The end of the many-row submissions ({@link #INSERT_PLAIN_JOBS}, {@link #INSERT_IDEMPOTENT_JOBS}):
     * the history row (with each item's actor) and the outbox row of every job the {@code inserted} CTE
     * inserted from the {@code item} CTE, and those jobs. Parameter: topic.
     */
    private static final String SUBMITTED_HISTORY_AND_OUTBOX = """
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, detail)
                SELECT n.id, NULL, n.state, i.actor, 'submitted' FROM inserted n JOIN item i ON i.id = n.id
                ORDER BY n.id
            ), outbox_row AS (
                INSERT INTO outbox (job_id, topic, event)
                SELECT i.id, ?, CAST(i.event AS jsonb) FROM item i JOIN inserted n ON n.id = i.id ORDER BY i.id
            )
            SELECT %s FROM inserted
            """.formatted(JOB_COLUMNS);

    /**
     * Many plain submissions (no idempotency, unique or order key, no fan-in batch) in one statement:
     * the jobs, their history rows and their outbox rows, in {@code (concurrency_key, id)} order so
     * that concurrent requests take their gate and index locks in one order. Nothing can conflict
     * (fresh ids, no keys), so the statement stores every row or none. Parameters: the jobs as a jsonb array of {@code {id, type, payload,
     * priority, run_at, max_attempts, concurrency_key, metadata, timeout_ms, submitted_by, event,
     * actor}} (the actor of the job's history row), topic.
     */
    static final String INSERT_PLAIN_JOBS = """
            WITH item AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS i(
                    id uuid, type text, payload jsonb, priority smallint, run_at timestamptz, max_attempts integer,
                    concurrency_key text, metadata jsonb, timeout_ms integer, submitted_by text, event text,
                    actor text)
            ), inserted AS (
                INSERT INTO jobs (id, type, payload, priority, effective_priority, run_at, max_attempts,
                                  concurrency_key, metadata, timeout_ms, submitted_by)
                SELECT id, type, payload, priority, priority, coalesce(run_at, now()), max_attempts, concurrency_key,
                       coalesce(metadata, '{}'), timeout_ms, submitted_by
                FROM item ORDER BY concurrency_key, id
                RETURNING *
            """ + SUBMITTED_HISTORY_AND_OUTBOX;

    /**
     * Many submissions that carry an idempotency key and nothing else that could conflict or queue
     * (no unique, order or concurrency key, no fan-in batch), in one statement: the rows go in
     * ordered by {@code (idempotency_key, ord)}, so concurrent statements with overlapping keys wait
     * for each other in one order instead of deadlocking, and of two items of one request with the
     * same key the earlier one wins. A key another job holds inserts nothing ({@code ON CONFLICT DO
     * NOTHING}); the caller reads the holders. Parameters: the jobs as a jsonb array of {@code {ord,
     * id, type, payload, priority, run_at, max_attempts, idempotency_key, metadata, timeout_ms,
     * submitted_by, event, actor}}, topic.
     */
    static final String INSERT_IDEMPOTENT_JOBS = """
            WITH item AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS i(
                    ord integer, id uuid, type text, payload jsonb, priority smallint, run_at timestamptz,
                    max_attempts integer, idempotency_key text, metadata jsonb, timeout_ms integer, submitted_by text,
                    event text, actor text)
            ), inserted AS (
                INSERT INTO jobs (id, type, payload, priority, effective_priority, run_at, max_attempts,
                                  idempotency_key, metadata, timeout_ms, submitted_by)
                SELECT id, type, payload, priority, priority, coalesce(run_at, now()), max_attempts, idempotency_key,
                       coalesce(metadata, '{}'), timeout_ms, submitted_by
                FROM item ORDER BY idempotency_key, ord
                ON CONFLICT DO NOTHING
                RETURNING *
            """ + SUBMITTED_HISTORY_AND_OUTBOX;

    /** The jobs holding any of some idempotency keys. Parameters: keys (text[]). */
    static final String FIND_BY_IDEMPOTENCY_KEYS =
            "SELECT " + JOB_COLUMNS + " FROM jobs WHERE idempotency_key = ANY (?)";

    /** The job holding a unique key in one of its unique states. Parameters: unique_key. */
    static final String FIND_BY_UNIQUE_KEY =
            "SELECT " + JOB_COLUMNS + " FROM jobs WHERE unique_key = ? AND state = ANY (unique_states)";

    static final String FIND_JOB = "SELECT " + JOB_COLUMNS + " FROM jobs WHERE id = ?";

    static final String FIND_BY_IDEMPOTENCY_KEY = "SELECT " + JOB_COLUMNS + " FROM jobs WHERE idempotency_key = ?";

    static final String HISTORY = """
            SELECT id, job_id, from_state, to_state, at, actor, claim_token, attempt, detail
            FROM job_history WHERE job_id = ? ORDER BY id
            """;

    /**
     * A page of {@code GET /jobs}, newest first, by keyset: the jobs after the cursor {@code
     * (created_at, id)} of the previous page's last job. {@code %1$s} is the list of payload,
     * metadata and errors columns, each the column or {@code NULL} (only what the caller asked for
     * is read); {@code %2$s} the sum of their sizes as text. A page stops before the job that would
     * take those sizes past the byte budget (the first job is always on it), so one request never
     * pulls more than about budget + one job into the app; {@code fetched} says whether a job
     * beyond the page exists. Parameters: submitted_by (null = any), submitted_by, state (null =
     * any), state, type (null = any), type, cursor created_at (null = first page), cursor
     * created_at, cursor id, limit + 1, limit, byte budget.
     */
    private static final String LIST_PAGE_TEMPLATE = """
            WITH page AS (
                SELECT %1$s, id AS page_id, created_at AS page_created_at, %2$s AS size FROM jobs
                WHERE (CAST(? AS text) IS NULL OR submitted_by = ?)
                  AND (CAST(? AS text) IS NULL OR state = CAST(? AS job_state))
                  AND (CAST(? AS text) IS NULL OR type = ?)
                  AND (CAST(? AS timestamptz) IS NULL OR (created_at, id) < (CAST(? AS timestamptz), CAST(? AS uuid)))
                ORDER BY created_at DESC, id DESC
                LIMIT ?
            ), sized AS (
                SELECT *, row_number() OVER w AS n, sum(size) OVER w AS running, count(*) OVER () AS fetched
                FROM page
                WINDOW w AS (ORDER BY page_created_at DESC, page_id DESC ROWS UNBOUNDED PRECEDING)
            )
            SELECT * FROM sized
            WHERE n <= ? AND (n = 1 OR running <= ?)
            ORDER BY n
            """;

    /** The summary columns of a listed job: what {@link #JOB_COLUMNS} has, less the large ones. */
    private static final String SUMMARY_COLUMNS = """
            id, type, state, priority, run_at, attempts, max_attempts, idempotency_key,
            concurrency_key, claim_token, lease_owner, lease_expires_at, left(last_error, 1000) AS last_error,
            rescue_count, created_at, updated_at, started_at, finished_at, version, counters, unique_key,
            batch_id, order_key, effective_priority, timeout_ms, lost_runs, submitted_by""";

    /** {@link #LIST_PAGE_TEMPLATE} reading the large columns asked for, and NULL for the others. */
    static String listPage(boolean payload, boolean metadata, boolean errors) {
        String columns = SUMMARY_COLUMNS
                + (payload ? ", payload" : ", NULL::jsonb AS payload")
                + (metadata ? ", metadata" : ", NULL::jsonb AS metadata")
                + (errors ? ", errors" : ", NULL::jsonb AS errors");
        // the text the app will hold, not the stored size: a compressed payload is small on disk only
        String size = "octet_length(coalesce(last_error, ''))"
                + (payload ? " + octet_length(CAST(payload AS text))" : "")
                + (metadata ? " + octet_length(CAST(metadata AS text))" : "")
                + (errors ? " + octet_length(CAST(errors AS text))" : "");
        return LIST_PAGE_TEMPLATE.formatted(columns, size);
    }

    /**
     * Kafka-first events: insert the jobs that do not exist yet, with their history row. Jobs
     * that exist (by id, or by idempotency key) are left alone. Parameters: the events as
     * a jsonb array of {@code {id, type, payload, priority, run_at, max_attempts,
     * idempotency_key, concurrency_key, timeout_ms}}, actor.
     */
    static final String INSERT_MISSING_JOBS = """
            WITH event AS (
                SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS e(
                    id uuid, type text, payload jsonb, priority smallint, run_at timestamptz,
                    max_attempts integer, idempotency_key text, concurrency_key text, timeout_ms integer)
            ), inserted AS (
                INSERT INTO jobs (id, type, payload, priority, effective_priority, run_at, max_attempts,
                                  idempotency_key, concurrency_key, timeout_ms)
                SELECT id, type, coalesce(payload, '{}'), priority, priority, coalesce(run_at, now()), max_attempts,
                       idempotency_key, concurrency_key, timeout_ms
                FROM event ORDER BY concurrency_key, id
                ON CONFLICT DO NOTHING
                RETURNING id, state
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, detail)
                SELECT id, NULL, state, ?, 'submitted through Kafka' FROM inserted
            )
            SELECT id FROM inserted
            """;

    /**
     * Kafka-first events inserted <em>and</em> claimed in one statement: an event whose job does not
     * exist yet, that is due, of one of the worker's types and free of a concurrency key, is inserted
     * straight as {@code RUNNING} with its fencing token and lease (both history rows written: {@code
     * -> PENDING} and {@code PENDING -> RUNNING}), so there is no {@code PENDING} window for a poller
     * to race and the row is written once instead of inserted and then updated. The primary key keeps
     * it exactly-once: of two workers given the same event, one inserts it and the other's insert does
     * nothing. The other new events (scheduled, keyed by a concurrency key) are inserted {@code
     * PENDING} as {@link #INSERT_MISSING_JOBS} would; existing jobs are left alone, the caller claims
     * them with {@link #CLAIM_BY_IDS} (the concurrency-key and order-key rules live there). Parameters:
     * types (text[] text), events (as {@link #INSERT_MISSING_JOBS}), owner, lease seconds, actor,
     * actor. Returns the claimed rows ({@link #JOB_COLUMNS}).
     */
    static final String INSERT_AND_CLAIM = """
            WITH event AS (
                SELECT e.*,
                       (e.concurrency_key IS NULL AND (e.run_at IS NULL OR e.run_at <= now())
                        AND e.type = ANY (CAST(? AS text[]))) AS claimable
                FROM jsonb_to_recordset(CAST(? AS jsonb)) AS e(
                    id uuid, type text, payload jsonb, priority smallint, run_at timestamptz,
                    max_attempts integer, idempotency_key text, concurrency_key text, timeout_ms integer)
            ), claimed AS (
                INSERT INTO jobs AS j (id, type, payload, priority, effective_priority, run_at, max_attempts,
                                       idempotency_key, timeout_ms,
                                       state, attempts, claim_token, lease_owner, lease_expires_at, started_at)
                SELECT id, type, coalesce(payload, '{}'), priority, priority, coalesce(run_at, now()), max_attempts,
                       idempotency_key, timeout_ms,
                       'RUNNING', 1, gen_random_uuid(), ?, now() + make_interval(secs => ?), now()
                FROM event WHERE claimable ORDER BY id
                ON CONFLICT DO NOTHING
                RETURNING %s
            ), pending AS (
                INSERT INTO jobs (id, type, payload, priority, effective_priority, run_at, max_attempts,
                                  idempotency_key, concurrency_key, timeout_ms)
                SELECT id, type, coalesce(payload, '{}'), priority, priority, coalesce(run_at, now()), max_attempts,
                       idempotency_key, concurrency_key, timeout_ms
                FROM event WHERE NOT claimable ORDER BY concurrency_key, id
                ON CONFLICT DO NOTHING
                RETURNING id, state
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT job_id, from_state, to_state, actor, claim_token, attempt, detail FROM (
                    SELECT id AS job_id, NULL::job_state AS from_state, 'PENDING'::job_state AS to_state,
                           CAST(? AS text) AS actor, NULL::uuid AS claim_token, NULL::integer AS attempt,
                           'submitted through Kafka' AS detail, 1 AS step
                    FROM claimed
                    UNION ALL
                    SELECT id, 'PENDING', 'RUNNING', lease_owner, claim_token, attempts, 'claimed', 2 FROM claimed
                    UNION ALL
                    SELECT id, NULL, state, CAST(? AS text), NULL, NULL, 'submitted through Kafka', 1 FROM pending
                ) h ORDER BY job_id, step
            )
            SELECT * FROM claimed ORDER BY effective_priority, run_at, id
            """.formatted(JOB_COLUMNS);

    /**
     * The claim. {@code %1$s} picks candidate ids (pending, due, of the worker's types); they are
     * locked with SKIP LOCKED, so claimers never wait on each other. On top of that:
     *
     * <ul>
     *   <li>Order keys: only the head of a key (no earlier job of the key still pending, running or
     *       waiting to retry) is a candidate. Sequence numbers only grow (a re-driven job takes a new
     *       one, see {@link #REDRIVE}), so no earlier job can become active after this statement's
     *       snapshot, and a stale snapshot only errs on the side of not claiming.
     *   <li>Concurrency keys: the key's gate row ({@code concurrency_key}) is locked {@link
     *       #GATE_LOCK}: claims of a key do not block each other, and a limit call (which holds
     *       it FOR UPDATE) makes them skip the key. A locked row is read in its newest version; if
     *       that is another generation than the snapshot saw, a limit call changed the key after
     *       the snapshot, the slots read here are stale, and the key is skipped. The limit call
     *       waits for the claims holding the gate before it counts the running jobs.
     *   <li>Limits: a job whose key has a limit needs a free slot row at or below the limit. Free
     *       slots are locked with SKIP LOCKED too, and a slot another claim took after this
     *       statement's snapshot is re-checked by the lock ({@code job_id IS NULL} fails), so a key
     *       never has more taken slots than its limit. The slot records the run's token, and leaving
     *       RUNNING frees exactly that slot (trigger {@code jobs_free_slot}). Slots above the limit
     *       that are taken (runs that were running when the limit was set or lowered) block the key
     *       until they drain: after the generation check, that set can only have shrunk since the
     *       snapshot, so a stale read of it errs on the side of not claiming.
     * </ul>
     */
    /**
     * How a claim locks a key's gate row. FOR SHARE, not FOR KEY SHARE: a limit call updates the
     * gate (closing it changes no key) and then holds it FOR UPDATE. A FOR KEY SHARE lock taken by
     * a statement whose snapshot predates that update locks the version the snapshot saw and then
     * the update chain, and for that it waits for the FOR UPDATE holder despite SKIP LOCKED
     * (PostgreSQL 15); the claim waits while holding job rows, and the limit call, which waits
     * for the key's running jobs, deadlocks with it (seen in CI). FOR SHARE conflicts with the
     * update, so the lock goes to the newest version, is skipped while the limit call holds it,
     * and reads its generation. {@code GateLockIT} shows both on a real PostgreSQL.
     */
    static final String GATE_LOCK = "FOR SHARE SKIP LOCKED";

    private static final String CLAIM_TEMPLATE = """
            WITH candidate AS (
                SELECT j.id, j.concurrency_key, j.effective_priority, j.run_at, g.generation AS seen_generation
                FROM jobs j LEFT JOIN concurrency_key g ON g.key = j.concurrency_key
                WHERE %1$s
                  AND (j.order_key IS NULL OR NOT EXISTS (
                        SELECT 1 FROM jobs p
                        WHERE p.order_key = j.order_key AND p.order_seq < j.order_seq
                          AND p.state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED')))
                  AND (j.concurrency_key IS NULL
                       OR ((g.closed_until IS NULL OR g.closed_until <= now())
                           AND (g.max_running IS NULL
                                OR (EXISTS (SELECT 1 FROM concurrency_slot s
                                            WHERE s.key = g.key AND s.job_id IS NULL AND s.slot <= g.max_running)
                                    AND NOT EXISTS (SELECT 1 FROM concurrency_slot o
                                            WHERE o.key = g.key AND o.job_id IS NOT NULL AND o.slot > g.max_running)))))
                %2$s
                FOR UPDATE OF j SKIP LOCKED
            ), gate AS (
                SELECT g.key, g.max_running, g.generation, g.closed_until FROM concurrency_key g
                WHERE g.key IN (SELECT concurrency_key FROM candidate)
                ORDER BY g.key
                """ + GATE_LOCK + """
            ), open_key AS (
                SELECT k.key, k.max_running FROM gate k
                WHERE (k.closed_until IS NULL OR k.closed_until <= now())
                  AND NOT EXISTS (SELECT 1 FROM candidate c
                                  WHERE c.concurrency_key = k.key AND c.seen_generation <> k.generation)
            ), free_slot AS (
                SELECT s.key, s.slot FROM concurrency_slot s JOIN open_key k ON k.key = s.key
                WHERE k.max_running IS NOT NULL AND s.job_id IS NULL AND s.slot <= k.max_running
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
                   OR EXISTS (SELECT 1 FROM open_key k WHERE k.key = j.concurrency_key AND k.max_running IS NULL)
            ), claimed AS (
                UPDATE jobs j
                SET state = 'RUNNING', attempts = j.attempts + 1, claim_token = gen_random_uuid(),
                    lease_owner = ?, lease_expires_at = now() + make_interval(secs => ?),
                    started_at = now(), updated_at = now(), version = j.version + 1
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
     * are skipped, not waited for; so are jobs of types the worker has no handler for, and
     * suspects (see {@link #CLAIM_SUSPECT}). The ids come as a typed {@code uuid[]} parameter: as
     * text cast in the statement, a plan that tests them as a filter (the pending index, chosen on
     * the statistics of a drain's start) re-parsed the 200-id text once per pending row.
     * Parameters: ids (uuid[]), types (text[] text), owner, lease seconds.
     */
    static final String CLAIM_BY_IDS = CLAIM_TEMPLATE.formatted("""
            j.id = ANY (?) AND j.state = 'PENDING' AND j.run_at <= now()
                  AND j.type = ANY (CAST(? AS text[])) AND j.lost_runs = 0""", "ORDER BY j.id", JOB_COLUMNS);

    /**
     * Claim up to n due pending jobs in priority order, whatever their Kafka events did: the
     * path for scheduled jobs, due retries and rescued jobs. Only the worker's own types. Parameters: types
     * (text[] text), limit, owner, lease seconds.
     */
    static final String CLAIM_DUE = CLAIM_TEMPLATE.formatted(
            "j.state = 'PENDING' AND j.run_at <= now() AND j.type = ANY (CAST(? AS text[])) AND j.lost_runs = 0",
            "ORDER BY j.effective_priority, j.run_at, j.id LIMIT ?",
            JOB_COLUMNS);

    /**
     * Claim one due <em>suspect</em>: a job whose last run lost its worker ({@code lost_runs > 0}).
     * The other claims leave suspects alone, and a worker takes one at a time (see the worker's
     * poller), so a job that crashes its JVM takes no other suspect down with it, and the jobs it
     * took down once are not taken down again. Parameters: types (text[] text), owner, lease seconds.
     */
    static final String CLAIM_SUSPECT = CLAIM_TEMPLATE.formatted(
            "j.state = 'PENDING' AND j.run_at <= now() AND j.type = ANY (CAST(? AS text[])) AND j.lost_runs > 0",
            "ORDER BY j.effective_priority, j.run_at, j.id LIMIT 1",
            JOB_COLUMNS);

    /**
     * Record the outcomes of runs, each guarded by its fencing token. A retry past max_attempts
     * becomes DEAD here, in the database. Parameters: typed arrays, one element per outcome: ids
     * (uuid[]), tokens (uuid[]), states (text[]), retry delays in ms (bigint[]), errors (text[] of
     * JSON objects or nulls, appended to {@code errors}, which keeps the last 20, {@code
     * jobfleet_append_error}, V6), details (text[]); then the actor.
     *
     * <p>No {@code SELECT ... FOR UPDATE} before the {@code UPDATE}: the update locks each row
     * itself, and a row another transaction changed meanwhile (a rescue, a cancel) is re-checked on
     * its newest version, whose token no longer matches. Locking first cost a second visit and a
     * WAL record per row. The rows are still locked in id order: the outcomes are sorted by id and
     * drive a nested loop over the primary key (ten rows estimated for an array parameter), as the
     * heartbeat's {@code FOR UPDATE ... ORDER BY id} does. Fan-in children are the exception that
     * keeps the old order: they and then their batch rows are locked first, in id order, because
     * the count-down trigger locks a child's batch as the update reaches the child, in no fixed
     * order, and statements that end children (rescue, cancel) lock children before batches.
     */
    static final String FINISH_RUNS = """
            WITH outcome AS (
                SELECT o.id, o.token, CAST(o.state AS job_state) AS state, o.delay_ms,
                       CAST(o.error AS jsonb) AS error, o.detail
                FROM unnest(CAST(? AS uuid[]), CAST(? AS uuid[]), CAST(? AS text[]),
                            CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]))
                    AS o(id, token, state, delay_ms, error, detail)
                ORDER BY o.id
            ), batch_child AS (
                SELECT j.id, j.batch_id FROM jobs j JOIN outcome o ON o.id = j.id
                WHERE j.batch_id IS NOT NULL AND j.state = 'RUNNING' AND j.claim_token = o.token
                ORDER BY j.id
                FOR UPDATE OF j
            ), batch_locked AS (
                -- the count-down trigger locks each child's batch row as the update reaches the child, in no
                -- fixed order: lock them all first, in id order, so finishers of overlapping batches never deadlock
                SELECT b.id FROM job_batch b WHERE b.id IN (SELECT batch_id FROM batch_child)
                ORDER BY b.id
                FOR NO KEY UPDATE
            ), finished AS (
                UPDATE jobs j
                SET state = CASE WHEN o.state = 'RETRY_SCHEDULED' AND j.attempts >= j.max_attempts
                                 THEN 'DEAD'::job_state ELSE o.state END,
                    run_at = CASE WHEN o.state = 'RETRY_SCHEDULED' AND j.attempts < j.max_attempts
                                  THEN now() + make_interval(secs => coalesce(o.delay_ms, 0) / 1000.0)
                                  ELSE j.run_at END,
                    -- SUCCEEDED, DEAD, CANCELLED, and a retry with no attempt left (it becomes DEAD)
                    finished_at = CASE WHEN o.state = 'RETRY_SCHEDULED' AND j.attempts < j.max_attempts THEN NULL
                                       ELSE now() END,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now(), lost_runs = 0,
                    version = j.version + 1,
                    last_error = coalesce(o.error ->> 'message', j.last_error),
                    errors = CASE WHEN o.error IS NULL THEN j.errors
                                  ELSE jobfleet_append_error(j.errors, o.error || jsonb_build_object('at', now())) END
                FROM outcome o
                WHERE j.id = o.id AND j.state = 'RUNNING' AND j.claim_token = o.token
                  AND (SELECT count(*) FROM batch_locked) >= 0
                RETURNING j.id, j.state, j.claim_token, j.attempts, o.detail
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT id, 'RUNNING', state, ?, claim_token, attempts, detail FROM finished
            )
            SELECT id, state, claim_token FROM finished
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
            UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ?), updated_at = now(),
                version = j.version + 1
            FROM locked l WHERE j.id = l.id AND j.state = 'RUNNING'
            RETURNING j.id
            """;

    /**
     * The reaper: runs whose lease expired are backed off like a failed attempt (RETRY_SCHEDULED,
     * {@code run_at} = now + the backoff of the attempt they lost), or made DEAD when no attempt is
     * left or when this is the {@code max_rescues}-th run in a row that lost its worker without an
     * outcome: a job that crashes its JVM cannot take down the fleet one worker at a time.
     * Parameters: limit, max_rescues, backoff base ms, backoff max ms, jitter (0..1), actor.
     */
    static final String RESCUE_EXPIRED = """
            WITH expired AS (
                SELECT id, lease_owner, claim_token, batch_id FROM jobs
                WHERE state = 'RUNNING' AND lease_expires_at < now()
                ORDER BY id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            ), batch_locked AS (
                -- a rescue past max_attempts ends the child DEAD and counts down its batch: batch rows in id order
                SELECT b.id FROM job_batch b WHERE b.id IN (SELECT batch_id FROM expired)
                ORDER BY b.id
                FOR NO KEY UPDATE
            ), decided AS (
                SELECT e.id, e.lease_owner, e.claim_token, j.lost_runs + 1 AS lost,
                       j.attempts >= j.max_attempts AS out_of_attempts,
                       j.lost_runs + 1 >= CAST(? AS integer) AS out_of_rescues
                FROM expired e JOIN jobs j ON j.id = e.id
            ), settings AS (
                SELECT CAST(? AS double precision) AS base_ms, CAST(? AS double precision) AS max_ms,
                       CAST(? AS double precision) AS jitter
            ), rescued AS (
                UPDATE jobs j
                SET state = CASE WHEN d.out_of_attempts OR d.out_of_rescues THEN 'DEAD'::job_state
                                 ELSE 'RETRY_SCHEDULED'::job_state END,
                    run_at = CASE WHEN d.out_of_attempts OR d.out_of_rescues THEN j.run_at
                                  ELSE now() + make_interval(secs => least(s.base_ms * power(2, greatest(j.attempts, 1) - 1),
                                                                           s.max_ms)
                                                                     * (1 + s.jitter * (2 * random() - 1)) / 1000.0) END,
                    finished_at = CASE WHEN d.out_of_attempts OR d.out_of_rescues THEN now() END,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                    rescue_count = j.rescue_count + 1, lost_runs = d.lost,
                    last_error = CASE WHEN d.out_of_rescues AND NOT d.out_of_attempts
                                      THEN 'its worker was lost ' || d.lost || ' times'
                                      ELSE 'lease expired while held by ' || d.lease_owner END,
                    errors = jobfleet_append_error(j.errors, jsonb_build_object(
                        'attempt', j.attempts, 'at', now(), 'class', 'LeaseExpired',
                        'message', CASE WHEN d.out_of_rescues AND NOT d.out_of_attempts
                                        THEN 'its worker was lost ' || d.lost || ' times (last held by '
                                             || d.lease_owner || ')'
                                        ELSE 'lease expired while held by ' || d.lease_owner END))
                FROM decided d, settings s
                WHERE j.id = d.id AND j.state = 'RUNNING' AND j.claim_token = d.claim_token
                  AND (SELECT count(*) FROM batch_locked) >= 0
                RETURNING j.id, j.state, j.claim_token, j.attempts, j.lost_runs, d.lease_owner
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, claim_token, attempt, detail)
                SELECT id, 'RUNNING', state, ?, claim_token, attempts,
                       'lease expired, held by ' || lease_owner || ' (lost ' || lost_runs || ' in a row)'
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
                SELECT id, 'RUNNING', 'PENDING', ?, claim_token, attempts, 'handed back' FROM released
            )
            SELECT id, claim_token FROM released
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
     * from concurrent writers never overwrite each other. The merged metadata must stay within the
     * byte budget (PostgreSQL's text form), so merges cannot grow a row without bound; a merge past
     * it changes nothing. Parameters: patch (jsonb object), id, token, patch, budget.
     */
    static final String MERGE_METADATA = """
            UPDATE jobs SET metadata = metadata || CAST(? AS jsonb), updated_at = now()
            WHERE id = ? AND state = 'RUNNING' AND claim_token = ?
              AND octet_length(CAST(metadata || CAST(? AS jsonb) AS text)) <= ?
            """;

    /**
     * Why a merge changed nothing: the size the merged metadata would have, while the run still
     * holds the job; no row when it does not. Parameters: patch, id, token.
     */
    static final String MERGED_METADATA_SIZE = """
            SELECT octet_length(CAST(metadata || CAST(? AS jsonb) AS text)) FROM jobs
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
     * Null fields are left alone; the merged metadata must stay within the byte budget (as in
     * {@link #MERGE_METADATA}). Parameters: priority, priority, run_at, metadata patch, id,
     * version, metadata patch, budget.
     */
    static final String PATCH_JOB = """
            UPDATE jobs
            SET priority = coalesce(CAST(? AS smallint), priority),
                effective_priority = coalesce(CAST(? AS smallint), effective_priority),
                run_at = coalesce(CAST(? AS timestamptz), run_at),
                metadata = metadata || coalesce(CAST(? AS jsonb), '{}'),
                updated_at = now()
            WHERE id = ? AND version = ? AND state IN ('PENDING', 'RETRY_SCHEDULED')
              AND octet_length(CAST(metadata || coalesce(CAST(? AS jsonb), '{}') AS text)) <= ?
            RETURNING %s
            """.formatted(JOB_COLUMNS);

    /** The size a patch would give a job's metadata. Parameters: metadata patch, id. */
    static final String PATCHED_METADATA_SIZE = """
            SELECT octet_length(CAST(metadata || coalesce(CAST(? AS jsonb), '{}') AS text)) FROM jobs WHERE id = ?
            """;

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
     * outbox row so workers hear of it at once. A job of an order key takes a new sequence number,
     * the key's next (its row in {@code order_key_sequence} is bumped and held until commit, as a
     * submission does): it goes to the end of its key's line, so it never runs beside or before a
     * job of the key that is waiting or running, and the claim's "no earlier active job" check stays
     * one that a stale snapshot can only make stricter. A job whose unique key another job holds by
     * now is refused by the unique index (nothing changes). The event leaves out an idempotency key
     * the system derived ({@code schedule:}), as {@link dev.jobfleet.model.JobEvent#publishable()}
     * does. Parameters: id, actor, topic.
     */
    static final String REDRIVE = """
            WITH target AS (
                SELECT id, order_key FROM jobs WHERE id = ? AND state = 'DEAD' FOR UPDATE NOWAIT
            ), sequence AS (
                UPDATE order_key_sequence s SET last_seq = s.last_seq + 1
                FROM target t WHERE s.key = t.order_key
                RETURNING s.last_seq
            ), redriven AS (
                UPDATE jobs j SET state = 'PENDING', attempts = 0, run_at = now(), finished_at = NULL, updated_at = now(),
                    order_seq = coalesce((SELECT last_seq FROM sequence), j.order_seq)
                FROM target t WHERE j.id = t.id AND j.state = 'DEAD'
                RETURNING j.*
            ), history AS (
                INSERT INTO job_history (job_id, from_state, to_state, actor, attempt, detail)
                SELECT id, 'DEAD', 'PENDING', ?, attempts, 're-driven' FROM redriven
            ), outbox_row AS (
                INSERT INTO outbox (job_id, topic, event)
                SELECT id, ?, jsonb_build_object(
                    'id', id, 'type', type, 'payload', payload, 'priority', priority, 'runAt', NULL,
                    'maxAttempts', max_attempts, 'concurrencyKey', concurrency_key,
                    'idempotencyKey', CASE WHEN idempotency_key LIKE 'schedule:%' THEN NULL ELSE idempotency_key END)
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
    static final String COUNT_BY_STATE_AND_TYPE = """
            SELECT state, type, sum(n) AS n FROM (
                SELECT state, type, n FROM job_count
                UNION ALL
                SELECT state, type, n FROM job_count_delta) c
            GROUP BY state, type
            HAVING sum(n) <> 0""";

    /**
     * Folds the jobs' count deltas into {@code job_count} (V9). The deltas are deleted and summed by
     * one statement: folders running at once each take the rows the other has not locked (none
     * waits), and a delta whose writer has not committed is not visible yet and stays for the next
     * fold. Rows are upserted in key order, so two folders never deadlock.
     */
    static final String FOLD_JOB_COUNTS = """
            WITH taken AS (
                SELECT id FROM job_count_delta FOR UPDATE SKIP LOCKED
            ), folded AS (
                DELETE FROM job_count_delta d USING taken t WHERE d.id = t.id RETURNING d.state, d.type, d.n
            ), net AS (
                SELECT state, type, sum(n) AS n FROM folded GROUP BY state, type
            )
            INSERT INTO job_count (state, type, n) SELECT state, type, n FROM net ORDER BY state, type
            ON CONFLICT (state, type) DO UPDATE SET n = job_count.n + EXCLUDED.n""";

    /** Seconds the oldest due pending job has waited; 0 when none waits (JdbcClient.single() refuses null). */
    static final String OLDEST_DUE_PENDING_AGE = "SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0) FROM jobs"
            + " WHERE state = 'PENDING' AND run_at <= now()";

    /** The transition table as the database holds it. */
    static final String TRANSITIONS = "SELECT from_state, to_state FROM job_state_transition";

    /**
     * The demo handlers' audit commits without waiting for its WAL to reach disk ({@code
     * synchronous_commit} off for this transaction only, {@code set_config(..., true)} being {@code
     * SET LOCAL}): two commits per job were two fsync waits on the hot path. The row is visible to
     * every session the moment the statement returns, as before, so the overlap check reads the same;
     * only a crash of PostgreSQL itself may lose the last fraction of a second of audit rows. The
     * jobs' own writes keep the server's setting.
     */
    static final String START_EXECUTION = """
            WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
            INSERT INTO demo_execution (job_id, worker_id, claim_token, attempt, started_at)
            SELECT ?, ?, ?, ?, clock_timestamp() FROM async
            RETURNING id
            """;

    static final String END_EXECUTION = """
            WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
            UPDATE demo_execution SET finished_at = clock_timestamp() FROM async WHERE id = ?
            """;

    /**
     * Many audit records in one statement and one (asynchronous, see {@link #START_EXECUTION})
     * commit: the starts of executions (each row's start by the database clock as the statement
     * writes it) and the ends of others. Typed arrays, no JSON. Parameters: worker id, job ids
     * (uuid[] text), claim tokens (uuid[] text), attempts (int[] text), execution ids to end (bigint[]
     * text). Returns the started rows (id, job_id, claim_token) and the ended ones (id, nulls).
     */
    static final String RECORD_EXECUTIONS = """
            WITH async AS (SELECT set_config('synchronous_commit', 'off', true)),
            started AS (
                INSERT INTO demo_execution (job_id, worker_id, claim_token, attempt, started_at)
                SELECT s.job_id, CAST(? AS text), s.claim_token, s.attempt, clock_timestamp()
                FROM async, unnest(CAST(? AS uuid[]), CAST(? AS uuid[]), CAST(? AS int[])) AS s(job_id, claim_token, attempt)
                RETURNING id, job_id, claim_token
            ), ended AS (
                UPDATE demo_execution SET finished_at = clock_timestamp()
                FROM async WHERE id = ANY (CAST(? AS bigint[]))
                RETURNING id
            )
            SELECT id, job_id, claim_token FROM started
            UNION ALL
            SELECT id, NULL, NULL FROM ended
            """;

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
