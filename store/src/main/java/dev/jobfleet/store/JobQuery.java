package dev.jobfleet.store;

import dev.jobfleet.model.JobState;
import java.time.Instant;
import java.util.UUID;

/**
 * What {@code GET /jobs} asks for: a filter, a keyset cursor, and which large columns to read.
 *
 * @param submittedBy only jobs of this principal; null for all
 * @param state only jobs in this state; null for any
 * @param type only jobs of this type; null for any
 * @param afterCreatedAt with {@code afterId}: the last job of the previous page; null for the first page
 * @param afterId see {@code afterCreatedAt}
 * @param limit at most this many jobs
 * @param maxBytes stop a page before the job that takes the size of the large columns read (and
 *     last errors), as text, past this; the first job is always on the page
 * @param payload read the payloads
 * @param metadata read the metadata
 * @param errors read the errors arrays
 */
public record JobQuery(
        String submittedBy,
        JobState state,
        String type,
        Instant afterCreatedAt,
        UUID afterId,
        int limit,
        long maxBytes,
        boolean payload,
        boolean metadata,
        boolean errors) {
    public JobQuery {
        if ((afterCreatedAt == null) != (afterId == null)) {
            throw new IllegalArgumentException("a cursor has both created_at and id, or neither");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
    }
}
