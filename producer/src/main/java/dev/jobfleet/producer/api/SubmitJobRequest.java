package dev.jobfleet.producer.api;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobOptions;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /jobs}, as read and checked by {@link SubmitRequestReader}. Only
 * {@code type} is required; fields not listed here are refused.
 */
@Schema(name = "SubmitJobRequest", description = "A job to run. Unknown fields are refused.")
public record SubmitJobRequest(
        @Schema(
                description = "Handler name",
                requiredMode = Schema.RequiredMode.REQUIRED,
                pattern = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}",
                example = "email.send")
        String type,

        @Schema(
                description = "Handler input, any JSON value; {} when absent. Limited to"
                        + " jobfleet.producer.max-payload-bytes serialized (413 above).",
                example = "{\"to\": \"ada@example.com\"}")
        JsonNode payload,

        @Schema(
                description = "At most one job per key: a repeat returns the existing job (200)."
                        + " May also be sent as the Idempotency-Key header.",
                maxLength = 255,
                example = "order-4711-confirmation")
        String idempotencyKey,

        @Schema(description = "0 is claimed first, 9 last", minimum = "0", maximum = "9", defaultValue = "0")
        Integer priority,

        @Schema(
                description = "Not claimed before this instant (ISO-8601); now when absent",
                example = "2030-01-01T09:30:00Z")
        Instant runAt,

        @Schema(description = "Attempts before the job is DEAD", minimum = "1", maximum = "1000", defaultValue = "20")
        Integer maxAttempts,

        @Schema(description = "Jobs sharing a key share its concurrency limit", maxLength = 255)
        String concurrencyKey,

        @Schema(
                description = "At most one job with this key among jobs in uniqueStates: a submission while one"
                        + " is held returns the holding job (200, header Jobfleet-Duplicate: unique-key)",
                maxLength = 255,
                example = "rebuild:customer-42")
        String uniqueKey,

        @Schema(
                description = "The states in which the unique key is held; only with uniqueKey. Must include"
                        + " PENDING, RUNNING and RETRY_SCHEDULED; default exactly those",
                example = "[\"PENDING\", \"RUNNING\", \"RETRY_SCHEDULED\", \"SUCCEEDED\"]")
        Set<JobState> uniqueStates,

        @Schema(
                description = "Jobs of one order key run one at a time, in submission order",
                maxLength = 255,
                example = "account-17")
        String orderKey,

        @Schema(
                description = "Initial metadata, a JSON object; handlers merge into it while they run."
                        + " Limited to jobfleet.producer.max-payload-bytes serialized",
                example = "{\"requestedBy\": \"ada\"}")
        JsonNode metadata,

        @Schema(
                description = "This job's time limit for one run, in milliseconds; past it the handler is"
                        + " interrupted and the attempt fails (retried with backoff). Default: the type's"
                        + " (jobfleet.worker.handlers[<type>].timeout), else the worker's (10 minutes)",
                minimum = "1",
                maximum = "604800000",
                example = "30000")
        Integer timeoutMs) {

    /** What the store keeps besides the {@link dev.jobfleet.model.JobEvent}. */
    JobOptions options() {
        return new JobOptions(uniqueKey, uniqueStates, orderKey, null, metadata);
    }
}
