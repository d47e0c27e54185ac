package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The answer to {@code POST /jobs:batch}: one result per item, in request order, and their tally. */
@Schema(name = "BulkSubmitResponse")
public record BulkSubmitResponse(
        @Schema(description = "Items with status 201") int created,

        @Schema(description = "Items with status 200: an existing job was returned")
        int existing,

        @Schema(description = "Items refused (400, 413, 422); nothing was stored for them")
        int failed,

        List<BulkItemResult> results) {

    static BulkSubmitResponse of(List<BulkItemResult> results) {
        int created = (int) results.stream().filter(r -> r.status() == 201).count();
        int existing = (int) results.stream().filter(r -> r.status() == 200).count();
        return new BulkSubmitResponse(created, existing, results.size() - created - existing, results);
    }
}
