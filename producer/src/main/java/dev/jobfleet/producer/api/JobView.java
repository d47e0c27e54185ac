package dev.jobfleet.producer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRow;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A job as the API shows it. {@code history} is present on {@code GET /jobs/{id}} and on a cancel. The
 * claim's fencing token is the worker's business and is not shown.
 */
@Schema(name = "Job")
public record JobView(
        UUID id,
        String type,

        @Schema(description = "Handler input, any JSON value")
        JsonNode payload,

        JobState state,
        int priority,
        Instant runAt,
        int attempts,
        int maxAttempts,
        String idempotencyKey,
        String concurrencyKey,
        String leaseOwner,
        Instant leaseExpiresAt,

        @Schema(description = "Merged by handlers while they run")
        JsonNode metadata,

        String lastError,

        @Schema(description = "One entry per failed attempt: attempt, at, class, message, stack")
        List<JsonNode> errors,

        int rescueCount,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,

        @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "Every transition, oldest first")
        List<HistoryView> history) {

    static JobView of(JobRow job) {
        return of(job, null);
    }

    static JobView of(JobRow job, List<HistoryEntry> history) {
        return new JobView(
                job.id(),
                job.type(),
                job.payload(),
                job.state(),
                job.priority(),
                job.runAt(),
                job.attempts(),
                job.maxAttempts(),
                job.idempotencyKey(),
                job.concurrencyKey(),
                job.leaseOwner(),
                job.leaseExpiresAt(),
                job.metadata(),
                job.lastError(),
                job.errors() == null ? List.of() : job.errors().valueStream().toList(),
                job.rescueCount(),
                job.createdAt(),
                job.updatedAt(),
                job.startedAt(),
                job.finishedAt(),
                history == null ? null : history.stream().map(HistoryView::of).toList());
    }
}
