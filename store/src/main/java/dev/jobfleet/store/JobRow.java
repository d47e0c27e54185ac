package dev.jobfleet.store;

import dev.jobfleet.model.JobState;
import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A job as the database holds it. In a {@code GET /jobs} page ({@link JobRepository#list}) the
 * large columns not asked for ({@code payload}, {@code metadata}, {@code errors}) are {@code null}
 * and {@code lastError} is cut at 1,000 characters.
 *
 * @param timeoutMs the job's own time limit for one run; null = its handler type's
 * @param lostRuns runs rescued from an expired lease since the job's last outcome
 * @param submittedBy the principal that submitted the job through the API ({@code token:<name>}
 *     or {@code jwt:<subject>}); {@code null} for Kafka-first, schedule and callback jobs
 */
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
        int effectivePriority,
        Integer timeoutMs,
        int lostRuns,
        String submittedBy) {

    /** The entity tag of this version, for {@code ETag} / {@code If-Match}. */
    public String etag() {
        return "\"" + version + "\"";
    }
}
