package dev.jobfleet.store;

/**
 * Statements for concurrency limits. A limit of n is n rows in {@code concurrency_slot}; a running
 * job of the key holds one under its claim token (taken by the claim, freed by trigger {@code
 * jobs_free_slot} when the run leaves RUNNING).
 */
final class LimitSql {
    private LimitSql() {}

    /** Parameters: key, max_running. */
    static final String UPSERT_LIMIT = """
            INSERT INTO concurrency_limit (key, max_running) VALUES (?, ?)
            ON CONFLICT (key) DO UPDATE SET max_running = EXCLUDED.max_running, updated_at = now()
            """;

    /** Create the missing slots 1..n. Parameters: key, n. */
    static final String ADD_SLOTS = """
            INSERT INTO concurrency_slot (key, slot)
            SELECT ?, generate_series(1, ?)
            ON CONFLICT (key, slot) DO NOTHING
            """;

    /** Drop free slots above a lowered limit; taken ones go when freed. Parameters: key, n. */
    static final String DROP_FREE_SLOTS_ABOVE =
            "DELETE FROM concurrency_slot WHERE key = ? AND slot > ? AND job_id IS NULL";

    static final String DELETE_LIMIT = "DELETE FROM concurrency_limit WHERE key = ?";

    static final String FIND_LIMIT = """
            SELECT l.key, l.max_running, l.updated_at,
                   (SELECT count(*) FROM concurrency_slot s WHERE s.key = l.key AND s.job_id IS NOT NULL) AS taken
            FROM concurrency_limit l WHERE l.key = ?
            """;

    /** Running jobs of a key, counted from the jobs themselves (what G4 bounds). Parameters: key. */
    static final String RUNNING_OF_KEY = "SELECT count(*) FROM jobs WHERE concurrency_key = ? AND state = 'RUNNING'";
}
