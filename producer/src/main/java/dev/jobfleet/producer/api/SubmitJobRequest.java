package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
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
        String concurrencyKey) {}
