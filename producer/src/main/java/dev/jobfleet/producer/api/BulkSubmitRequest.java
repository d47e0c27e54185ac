package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The body of {@code POST /jobs:batch}, for the OpenAPI document; {@link BulkSubmitter} reads it. */
@Schema(name = "BulkSubmitRequest", description = "Jobs to submit, each on its own. Unknown fields are refused.")
record BulkSubmitRequest(
        @ArraySchema(
                arraySchema =
                        @Schema(
                                description = "1 to jobfleet.producer.max-batch-size jobs, each shaped like"
                                        + " the body of POST /jobs",
                                requiredMode = Schema.RequiredMode.REQUIRED),
                minItems = 1)
        List<SubmitJobRequest> jobs) {}
