package dev.jobfleet.store;

import dev.jobfleet.model.JobState;
import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A job as the database holds it. */
public record JobRow(
        UUID id,
        String type,
        JsonNode payload,
        JobState state,
        int priority,
        Instant runAt,
        int attempts,
        int maxAttempts,
        String idempotencyKey,
        String concurrencyKey,
        UUID claimToken,
        String leaseOwner,
        Instant leaseExpiresAt,
        JsonNode metadata,
        String lastError,
        JsonNode errors,
        int rescueCount,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,
        long version,
        JsonNode counters,
        String uniqueKey,
        UUID batchId,
        String orderKey,
        int effectivePriority) {

    /** The entity tag of this version, for {@code ETag} / {@code If-Match}. */
    public String etag() {
        return "\"" + version + "\"";
    }
}
