package dev.jobfleet.producer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * What became of one item of {@code POST /jobs:batch}: the status {@code POST /jobs} would have
 * answered for it, with the job (201, 200) or the problem (400, 413, 422).
 */
@Schema(name = "BulkItemResult")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BulkItemResult(
        @Schema(description = "Position of the item in the request's jobs array, from 0")
        int index,

        @Schema(
                description = "201 created, 200 an existing job holds its idempotency or unique key,"
                        + " 400 invalid, 413 payload or metadata too large, 422 idempotency key reused")
        int status,

        @Schema(description = "With 200: which key the existing job holds")
        Duplicate duplicate,

        @Schema(description = "With 201 and 200") JobView job,

        @Schema(description = "With 400, 413 and 422; nothing was stored for this item")
        ItemProblem problem) {

    static BulkItemResult of(int index, Submitted submitted) {
        return new BulkItemResult(
                index, submitted.created() ? 201 : 200, submitted.duplicate(), JobView.of(submitted.job()), null);
    }

    static BulkItemResult of(int index, ProblemException refused) {
        return new BulkItemResult(index, refused.problem().status().value(), null, null, ItemProblem.of(refused));
    }
}
