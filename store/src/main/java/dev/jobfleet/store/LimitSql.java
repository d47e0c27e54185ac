package dev.jobfleet.store;

/**
 * Statements for concurrency limits. A limit of n is n rows in {@code concurrency_slot}; a running
 * job of the key holds one under its claim token (taken by the claim, freed by trigger {@code
 * jobs_free_slot} when the run leaves RUNNING). Each key has a gate row in {@code concurrency_key}
 * that every claim of the key locks FOR SHARE SKIP LOCKED and the limit call locks FOR UPDATE (see {@link
 * ConcurrencyLimits#set}).
 */
final class LimitSql {
    private LimitSql() {}

    /**
     * Close the key's gate: claims whose snapshot is taken from now on skip the key, and claims with
     * an older snapshot find a newer generation when they lock the gate and skip it too. Opens
     * itself after {@code seconds} if the call never finishes. Parameters: key, seconds.
     */
    static final String CLOSE_GATE = """
            INSERT INTO concurrency_key AS k (key, generation, closed_until)
            VALUES (?, 1, now() + make_interval(secs => ?))
            ON CONFLICT (key) DO UPDATE SET generation = k.generation + 1, closed_until = EXCLUDED.closed_until
            """;

    /** The same for removing a limit: only a key that has one. Parameters: seconds, key. */
    static final String CLOSE_LIMITED_GATE = """
            UPDATE concurrency_key SET generation = generation + 1, closed_until = now() + make_interval(secs => ?)
            WHERE key = ? AND max_running IS NOT NULL
            """;

    /**
     * Wait for every claim that locked the gate before it closed, and keep further ones out until
     * commit. Parameters: key.
     */
    static final String LOCK_GATE = "SELECT key FROM concurrency_key WHERE key = ? FOR UPDATE";

    /**
     * The key's running jobs, locked so that none leaves RUNNING (and frees its slot) while the
     * slots are rebuilt; a finish in progress is waited for. Parameters: key.
     */
    static final String LOCK_RUNNING = """
            SELECT id, claim_token FROM jobs
            WHERE concurrency_key = ? AND state = 'RUNNING'
            ORDER BY id
            FOR SHARE
            """;

    /** Parameters: key, max_running. */
    static final String UPSERT_LIMIT = """
            INSERT INTO concurrency_limit (key, max_running) VALUES (?, ?)
            ON CONFLICT (key) DO UPDATE SET max_running = EXCLUDED.max_running, updated_at = now()
            """;

    static final String DELETE_SLOTS = "DELETE FROM concurrency_slot WHERE key = ?";

    /**
     * Slots 1..greatest(n, running): the running jobs take the first ones, in id order; the rest are
     * free. Slots above n are held by runs in excess, and claims of the key wait until they are
     * gone. Parameters: key, slot count, running jobs as a jsonb array of {@code {id, token}}.
     */
    static final String INSERT_SLOTS = """
            INSERT INTO concurrency_slot (key, slot, job_id, claim_token, taken_at)
            SELECT CAST(? AS text), s.n, r.id, r.token, CASE WHEN r.id IS NOT NULL THEN now() END
            FROM generate_series(1, ?) AS s(n)
            LEFT JOIN (SELECT x.id, x.token, row_number() OVER (ORDER BY x.id) AS n
                       FROM jsonb_to_recordset(CAST(? AS jsonb)) AS x(id uuid, token uuid)) r ON r.n = s.n
            """;

    /** Open the gate with the new limit (null: none). Parameters: max_running, key. */
    static final String OPEN_GATE = """
            UPDATE concurrency_key SET max_running = ?, generation = generation + 1, closed_until = NULL
            WHERE key = ?
            """;

    /** A limit call that failed opens the gate as it was (limit and slots unchanged). Parameters: key. */
    static final String REOPEN_GATE =
            "UPDATE concurrency_key SET generation = generation + 1, closed_until = NULL WHERE key = ?";

    static final String DELETE_LIMIT = "DELETE FROM concurrency_limit WHERE key = ?";

    static final String FIND_LIMIT = """
            SELECT l.key, l.max_running, l.updated_at,
                   (SELECT count(*) FROM concurrency_slot s WHERE s.key = l.key AND s.job_id IS NOT NULL) AS taken
            FROM concurrency_limit l WHERE l.key = ?
            """;

    /** Every limit by key, with its taken slots (operators create limits one by one: few rows). */
    static final String LIST_LIMITS = """
            SELECT l.key, l.max_running, l.updated_at,
                   (SELECT count(*) FROM concurrency_slot s WHERE s.key = l.key AND s.job_id IS NOT NULL) AS taken
            FROM concurrency_limit l ORDER BY l.key
            """;

    /** Running jobs of a key, counted from the jobs themselves (what G4 bounds). Parameters: key. */
    static final String RUNNING_OF_KEY = "SELECT count(*) FROM jobs WHERE concurrency_key = ? AND state = 'RUNNING'";
}
