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
 * A job as the API shows it. {@code history} is present on {@code GET /jobs/{id}}, a cancel and a
 * retry. The claim's fencing token is the worker's business and is not shown.
 */
@Schema(name = "Job")
public record JobView(
        UUID id,
        String type,

        @JsonInclude(JsonInclude.Include.NON_NULL)
        @Schema(description = "Handler input, any JSON value; in GET /jobs only with include=payload")
        JsonNode payload,

        JobState state,

        @Schema(description = "As submitted or patched; 0 is claimed first, 9 last")
        int priority,

        @Schema(description = "What the claim orders by: starts at priority and drops by one per aging interval waited")
        int effectivePriority,

        Instant runAt,
        int attempts,
        int maxAttempts,

        @JsonInclude(JsonInclude.Include.NON_NULL)
        @Schema(description = "The job's own time limit for one run, in milliseconds; absent: its type's")
        Integer timeoutMs,

        String idempotencyKey,
        String concurrencyKey,
        String uniqueKey,
        String orderKey,

        @Schema(description = "The fan-in batch the job belongs to")
        UUID batchId,

        String leaseOwner,
        Instant leaseExpiresAt,

        @JsonInclude(JsonInclude.Include.NON_NULL)
        @Schema(
                description = "Set at submission, merged by handlers while they run and by PATCH; in GET /jobs"
                        + " only with include=metadata")
        JsonNode metadata,

        @Schema(description = "The handler's progress counter (counters.progress); 0 until it reports any")
        long progress,

        @Schema(description = "Every counter the handler incremented, by name")
        JsonNode counters,

        String lastError,

        @JsonInclude(JsonInclude.Include.NON_NULL)
        @Schema(
                description = "One entry per failed attempt, the last 20: attempt, at, class, message, stack;"
                        + " in GET /jobs only with include=errors")
        List<JsonNode> errors,

        int rescueCount,

        @Schema(description = "Bumped by every change; GET sends it as the ETag, PATCH needs it in If-Match")
        long version,

        @Schema(
                description = "Who submitted it through the API: token:<name> or jwt:<subject>; null for jobs"
                        + " from Kafka-first producers, schedules and batch callbacks")
        String submittedBy,

        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,

        @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "Every transition, oldest first")
        List<HistoryView> history) {

    /** The counter {@link #progress} shows; the worker's {@code JobContext.incrementProgress} adds to it. */
    public static final String PROGRESS_COUNTER = "progress";

    public static JobView of(JobRow job) {
        return of(job, null);
    }

    /**
     * A job of a {@code GET /jobs} page: payload, metadata and errors only when {@code include}
     * names them (the store did not read the others).
     */
    public static JobView summary(JobRow job, java.util.Set<String> include) {
        JobView full = of(job, null);
        return new JobView(
                full.id(),
                full.type(),
                include.contains("payload") ? full.payload() : null,
                full.state(),
                full.priority(),
                full.effectivePriority(),
                full.runAt(),
                full.attempts(),
                full.maxAttempts(),
                full.timeoutMs(),
                full.idempotencyKey(),
                full.concurrencyKey(),
                full.uniqueKey(),
                full.orderKey(),
                full.batchId(),
                full.leaseOwner(),
                full.leaseExpiresAt(),
                include.contains("metadata") ? full.metadata() : null,
                full.progress(),
                full.counters(),
                full.lastError(),
                include.contains("errors") ? full.errors() : null,
                full.rescueCount(),
                full.version(),
                full.submittedBy(),
                full.createdAt(),
                full.updatedAt(),
                full.startedAt(),
                full.finishedAt(),
                null);
    }

    public static JobView of(JobRow job, List<HistoryEntry> history) {
        JsonNode progress = job.counters() == null ? null : job.counters().get(PROGRESS_COUNTER);
        return new JobView(
                job.id(),
                job.type(),
                job.payload(),
                job.state(),
                job.priority(),
                job.effectivePriority(),
                job.runAt(),
                job.attempts(),
                job.maxAttempts(),
                job.timeoutMs(),
                job.idempotencyKey(),
                job.concurrencyKey(),
                job.uniqueKey(),
                job.orderKey(),
                job.batchId(),
                job.leaseOwner(),
                job.leaseExpiresAt(),
                job.metadata(),
                progress != null && progress.canConvertToLong() ? progress.longValue() : 0,
                job.counters(),
                job.lastError(),
                job.errors() == null ? List.of() : job.errors().valueStream().toList(),
                job.rescueCount(),
                job.version(),
                job.submittedBy(),
                job.createdAt(),
                job.updatedAt(),
                job.startedAt(),
                job.finishedAt(),
                history == null ? null : history.stream().map(HistoryView::of).toList());
    }
}
