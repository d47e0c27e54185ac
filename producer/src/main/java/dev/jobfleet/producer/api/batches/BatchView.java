package dev.jobfleet.producer.api.batches;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.jobfleet.store.Batches;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A fan-in batch and its progress; {@code children} only in the answer to its creation. */
@Schema(name = "Batch")
public record BatchView(
        UUID id,
        Batches.Policy policy,

        @Schema(
                description = "RUNNING until the last child is terminal, then SUCCEEDED or FAILED (FAIL_ON_ANY)",
                allowableValues = {"RUNNING", "SUCCEEDED", "FAILED"})
        String state,

        int total,

        @Schema(description = "Children not yet in a terminal state")
        int remaining,

        int succeeded,

        @Schema(description = "Children that ended DEAD or CANCELLED")
        int failed,

        @Schema(description = "{type, payload} of the job submitted when the batch finishes")
        JsonNode callback,

        @Schema(description = "The callback job, once the batch has finished")
        UUID callbackJobId,

        Instant createdAt,
        Instant finishedAt,

        @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "The children's job ids, in request order")
        List<UUID> children) {

    static BatchView of(Batches.Batch batch, List<UUID> children) {
        return new BatchView(
                batch.id(),
                batch.policy(),
                batch.state(),
                batch.total(),
                batch.remaining(),
                batch.succeeded(),
                batch.failed(),
                batch.callback(),
                batch.callbackJobId(),
                batch.createdAt(),
                batch.finishedAt(),
                children);
    }
}
