package dev.jobfleet.producer.api.limits;

import dev.jobfleet.store.ConcurrencyLimits;
import io.swagger.v3.oas.annotations.media.Schema;

/** The body of {@code PUT /concurrency-limits/{key}}, for the OpenAPI document. */
@Schema(name = "SetConcurrencyLimitRequest", description = "Unknown fields are refused.")
record SetLimitRequest(
        @Schema(
                description = "Most jobs of the key running at once across the fleet",
                requiredMode = Schema.RequiredMode.REQUIRED,
                minimum = "1",
                maximum = "" + ConcurrencyLimits.MAX_LIMIT,
                example = "5")
        int maxRunning) {}
