package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code PATCH /jobs/{id}}: the fields to change; absent fields are left alone. At
 * least one is required, and none may be {@code null}: fields cannot be removed.
 */
@Schema(
        name = "PatchJobRequest",
        description = "Fields to change; absent ones are left alone. Unknown fields and null values are refused.")
public record PatchJobRequest(
        @Schema(
                description = "0 is claimed first, 9 last; also resets the aged effectivePriority",
                minimum = "0",
                maximum = "9")
        Integer priority,

        @Schema(description = "Not claimed before this instant (ISO-8601)", example = "2030-01-01T09:30:00Z")
        Instant runAt,

        @Schema(
                description = "Merged into the job's metadata one level deep: each key given replaces the job's"
                        + " key of that name, other keys stay. Keys cannot be removed (null values are refused).",
                example = "{\"ticket\": \"OPS-12\"}")
        JsonNode metadata) {}
