package dev.jobfleet.producer.api.batches;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.producer.api.JobAccess;
import dev.jobfleet.producer.api.Problem;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.store.Batches;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Fan-in batches: children that run independently and a parent that finishes exactly once, when
 * the last child reaches a terminal state, and then submits its callback job. The count-down is a
 * trigger in each child's terminal transition ({@link Batches}).
 */
@RestController
@RequestMapping(path = "/batches", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "batches", description = "Fan-in batches: a callback job once every child has finished")
@ApiResponse(responseCode = "400", description = "Invalid request; `errors` names every field at fault")
public class BatchController {
    private final BatchRequestReader reader;
    private final Batches batches;

    public BatchController(BatchRequestReader reader, Batches batches) {
        this.reader = reader;
        this.batches = batches;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Create a batch with its children",
            description = "The batch and all its children are stored in one transaction, or nothing is.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            schema = @Schema(implementation = CreateBatchRequest.class))))
    @ApiResponse(responseCode = "201", description = "Created; Location names the batch, `children` the job ids")
    @ApiResponse(
            responseCode = "413",
            description = "More than jobfleet.producer.max-batch-size children, a payload over max-payload-bytes"
                    + " or a body over max-batch-bytes")
    @ApiResponse(responseCode = "415", description = "Not application/json")
    public ResponseEntity<BatchView> create(@RequestBody(required = false) JsonNode body) {
        NewBatch batch = reader.read(body);
        UUID id = JobIds.next();
        // children carry no idempotency or unique key (the reader refuses them): each one is a new job of the batch
        Batches.Created created = batches.create(
                id,
                batch.policy(),
                batch.callback(),
                batch.children(),
                JobAccess.actor(),
                JobAccess.caller().id());
        BatchView view = BatchView.of(
                created.batch(),
                created.children().stream().map(s -> s.job().id()).toList());
        return ResponseEntity.created(URI.create("/batches/" + id)).body(view);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Read a batch's progress")
    @ApiResponse(responseCode = "200", description = "The batch")
    @ApiResponse(responseCode = "404", description = "No such batch (or, for a submitter, another's batch)")
    public BatchView get(@PathVariable UUID id) {
        return batches.find(id)
                .filter(batch -> JobAccess.mayRead(JobAccess.caller(), batch.submittedBy()))
                .map(batch -> BatchView.of(batch, null))
                .orElseThrow(() -> new ProblemException(
                        Problem.BATCH_NOT_FOUND,
                        "There is no batch " + id + ".",
                        new FieldError("id", "names no batch")));
    }
}
