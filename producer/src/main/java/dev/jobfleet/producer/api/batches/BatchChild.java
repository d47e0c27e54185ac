package dev.jobfleet.producer.api.batches;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * A child of a fan-in batch, for the OpenAPI document: the fields of {@code POST /jobs} that a new
 * job of a batch may have. Idempotency and unique keys, order keys and metadata are refused: a key
 * could return an existing job, which cannot join the batch.
 */
@Schema(name = "BatchChild", description = "A job of the batch. Unknown fields are refused.")
record BatchChild(
        @Schema(description = "Handler name", requiredMode = Schema.RequiredMode.REQUIRED, example = "image.resize")
        String type,

        @Schema(description = "Handler input, any JSON value; {} when absent")
        JsonNode payload,

        @Schema(description = "0 is claimed first, 9 last", minimum = "0", maximum = "9")
        Integer priority,

        @Schema(description = "Not claimed before this instant (ISO-8601)")
        Instant runAt,

        @Schema(description = "Attempts before the job is DEAD", minimum = "1", maximum = "1000")
        Integer maxAttempts,

        @Schema(
                description = "This job's time limit for one run, in milliseconds; absent: its type's",
                minimum = "1",
                maximum = "604800000")
        Integer timeoutMs,

        @Schema(description = "Jobs sharing a key share its concurrency limit", maxLength = 255)
        String concurrencyKey) {}
