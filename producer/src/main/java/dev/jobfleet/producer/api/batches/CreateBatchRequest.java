package dev.jobfleet.producer.api.batches;

import dev.jobfleet.store.Batches;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The body of {@code POST /batches}, for the OpenAPI document; {@link BatchRequestReader} reads it. */
@Schema(name = "CreateBatchRequest", description = "A fan-in batch. Unknown fields are refused.")
record CreateBatchRequest(
        @ArraySchema(
                arraySchema =
                        @Schema(
                                description = "1 to jobfleet.producer.max-batch-size children",
                                requiredMode = Schema.RequiredMode.REQUIRED),
                minItems = 1)
        List<BatchChild> jobs,

        @Schema(
                description = "COMPLETE_ALWAYS: the batch succeeds once every child is terminal;"
                        + " FAIL_ON_ANY: it fails if any child ended DEAD or CANCELLED",
                defaultValue = "COMPLETE_ALWAYS")
        Batches.Policy policy,

        @Schema(description = "Submitted once, when the last child reaches a terminal state")
        CallbackRequest callback) {}
