package dev.jobfleet.producer.api.batches;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/** The job a batch submits once, when its last child finishes; for the OpenAPI document. */
@Schema(name = "BatchCallback")
record CallbackRequest(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "report.send")
        String type,

        @Schema(description = "Its payload; {} when absent. Its metadata gets batchId, batchSucceeded, batchFailed")
        JsonNode payload) {}
