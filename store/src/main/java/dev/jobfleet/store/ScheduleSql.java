package dev.jobfleet.store;

/** Statements for recurring schedules (table {@code job_schedule}). */
final class ScheduleSql {
    private ScheduleSql() {}

    static final String COLUMNS =
            "name, cron, zone, type, CAST(payload AS text) AS payload, priority, enabled, next_tick, last_job_id, created_at, updated_at";

    /** Parameters: name, cron, zone, type, payload, priority, enabled, next_tick. */
    static final String UPSERT = """
            INSERT INTO job_schedule (name, cron, zone, type, payload, priority, enabled, next_tick)
            VALUES (?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET
                cron = EXCLUDED.cron, zone = EXCLUDED.zone, type = EXCLUDED.type, payload = EXCLUDED.payload,
                priority = EXCLUDED.priority, enabled = EXCLUDED.enabled, next_tick = EXCLUDED.next_tick,
                updated_at = now()
            RETURNING %s
            """.formatted(COLUMNS);

    static final String FIND = "SELECT " + COLUMNS + " FROM job_schedule WHERE name = ?";

    static final String LIST = "SELECT " + COLUMNS + " FROM job_schedule ORDER BY name";

    static final String DELETE = "DELETE FROM job_schedule WHERE name = ?";

    /** Parameters: limit. */
    static final String DUE =
            "SELECT " + COLUMNS + " FROM job_schedule WHERE enabled AND next_tick <= now() ORDER BY name LIMIT ?";

    /**
     * Move a schedule past the tick it just enqueued, if nobody did yet (compare-and-set on the
     * tick). Parameters: next_tick, last_job_id, name, tick.
     */
    static final String ADVANCE = """
            UPDATE job_schedule SET next_tick = ?, last_job_id = ?, updated_at = now()
            WHERE name = ? AND next_tick = ?
            """;

    static final String NOW = "SELECT now()";
}
