package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Bulk submission: many independent jobs in one request ({@link BulkSubmitter}). */
@RestController
@Tag(name = "jobs")
public class BulkSubmitController {
    private final BulkSubmitter bulk;

    public BulkSubmitController(BulkSubmitter bulk) {
        this.bulk = bulk;
    }

    @PostMapping(
            path = "/jobs:batch",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Submit many jobs at once, each on its own",
            description = "Each item is handled exactly like POST /jobs and is all-or-nothing by itself: valid items"
                    + " are stored even when others are refused. The answer is 200 whenever the envelope is valid;"
                    + " each item's outcome is its result's status (201, 200, 400, 413, 422), in request order."
                    + " Not a fan-in batch: see POST /batches.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            schema = @Schema(implementation = BulkSubmitRequest.class))))
    @ApiResponse(responseCode = "200", description = "One result per item")
    @ApiResponse(responseCode = "400", description = "The envelope is invalid; nothing was stored")
    @ApiResponse(
            responseCode = "413",
            description = "More than jobfleet.producer.max-batch-size jobs, or a body over max-batch-bytes;"
                    + " nothing was stored")
    @ApiResponse(responseCode = "415", description = "Not application/json")
    public BulkSubmitResponse submit(
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestBody(required = false) JsonNode body) {
        return bulk.submit(body, idempotencyKey);
    }
}
