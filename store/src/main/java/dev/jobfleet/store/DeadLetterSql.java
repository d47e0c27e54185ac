package dev.jobfleet.store;

/** The statements of {@code dead_letter}: records no worker can run, waiting for the dead-letter topic. */
final class DeadLetterSql {
    private DeadLetterSql() {}

    /**
     * Keep refused records, once per source offset. Parameters: the letters as a jsonb array of
     * {@code {topic, partition, offset, key, value, headers, reason, detail}}, key and value base64.
     */
    static final String INSERT = """
            INSERT INTO dead_letter (source_topic, source_partition, source_offset, record_key, record_value,
                                     headers, reason, detail)
            SELECT topic, partition, "offset", decode(key, 'base64'), decode(value, 'base64'),
                   coalesce(headers, '[]'), reason, detail
            FROM jsonb_to_recordset(CAST(? AS jsonb)) AS d(
                topic text, partition integer, "offset" bigint, key text, value text, headers jsonb,
                reason text, detail text)
            ORDER BY topic, partition, "offset"
            ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING
            """;

    /**
     * The relay's batch: deletes up to n letters in id order, skipping rows another relay holds.
     * Runs in the transaction that publishes them, so a failed publish puts them back.
     * Parameters: limit.
     */
    static final String TAKE = """
            DELETE FROM dead_letter
            WHERE id IN (SELECT id FROM dead_letter ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING id, source_topic, source_partition, source_offset, record_key, record_value,
                      CAST(headers AS text) AS headers, reason, detail
            """;

    static final String COUNT = "SELECT count(*) FROM dead_letter";
}
