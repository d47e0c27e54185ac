package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.PatchResult;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Changes to an existing job by a person: cancel, retry (re-drive a DEAD job) and PATCH, each one
 * guarded statement in the store; a change that loses a race changes nothing and says why.
 */
@RestController
@RequestMapping(path = "/jobs/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "jobs")
@ApiResponse(responseCode = "400", description = "Invalid request; `errors` names every field at fault")
@ApiResponse(responseCode = "404", description = "No such job")
public class JobChangeController {
    static final String CANCEL_REASON = "cancelled through the API";
    static final String MERGE_PATCH_JSON = "application/merge-patch+json";

    private final JobRepository repository;
    private final JobRedriver redriver;
    private final PatchRequestReader patchReader;
    private final JobAccess access;

    public JobChangeController(
            JobRepository repository, JobRedriver redriver, PatchRequestReader patchReader, JobAccess access) {
        this.repository = repository;
        this.redriver = redriver;
        this.patchReader = patchReader;
        this.access = access;
    }

    @PostMapping("/cancel")
    @Operation(
            summary = "Cancel a job that is PENDING or RETRY_SCHEDULED",
            description =
                    "An operator cancels any job, a submitter only the jobs it submitted (another's answers 404).")
    @ApiResponse(responseCode = "200", description = "Cancelled; the job with its history")
    @ApiResponse(responseCode = "409", description = "Running or finished (`state` says which), or being claimed")
    public JobView cancel(@PathVariable UUID id) {
        access.checkCancel(id);
        return switch (repository.cancel(id, JobAccess.actor(), CANCEL_REASON)) {
            case CANCELLED -> withHistory(repository.find(id).orElseThrow(() -> JobProblems.notFound(id)));
            case NOT_FOUND -> throw JobProblems.notFound(id);
            case NOT_CANCELLABLE -> throw notCancellable(id);
            case BUSY -> throw JobProblems.busy(id);
        };
    }

    @PostMapping("/retry")
    @Operation(
            summary = "Retry a DEAD job",
            description = "Back to PENDING with attempts reset to 0; its errors and lastError are kept, the history"
                    + " gets a DEAD -> PENDING row and the job is published again.")
    @ApiResponse(responseCode = "200", description = "Re-driven; the job with its history")
    @ApiResponse(
            responseCode = "409",
            description = "Not DEAD (`state` says which state), being claimed, its unique key is held by another"
                    + " job, or its batch has finished")
    public JobView retry(@PathVariable UUID id) {
        return withHistory(redriver.retry(id));
    }

    @PatchMapping(consumes = {MERGE_PATCH_JSON, MediaType.APPLICATION_JSON_VALUE})
    @Operation(
            summary = "Change priority, runAt or metadata of a job no worker holds",
            description = "Needs If-Match with the ETag of GET /jobs/{id}: the change applies only if the job is"
                    + " still at that version, so two people editing at once cannot overwrite each other.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content = {
                                @Content(
                                        mediaType = MERGE_PATCH_JSON,
                                        schema = @Schema(implementation = PatchJobRequest.class)),
                                @Content(
                                        mediaType = MediaType.APPLICATION_JSON_VALUE,
                                        schema = @Schema(implementation = PatchJobRequest.class))
                            }))
    @ApiResponse(
            responseCode = "200",
            description = "Changed; the job without its history",
            headers = @Header(name = "ETag", description = "The job's new version"))
    @ApiResponse(
            responseCode = "409",
            description = "Running or finished: only PENDING and RETRY_SCHEDULED jobs change")
    @ApiResponse(
            responseCode = "412",
            description = "The job changed since the ETag was read (`currentVersion`); nothing was changed")
    @ApiResponse(responseCode = "413", description = "Metadata over the size limit")
    @ApiResponse(responseCode = "415", description = "Neither application/merge-patch+json nor application/json")
    @ApiResponse(responseCode = "428", description = "No If-Match")
    public ResponseEntity<JobView> patch(
            @PathVariable UUID id,
            @Parameter(description = "The ETag of GET /jobs/{id}, e.g. \"3\"", required = true)
                    @RequestHeader(name = PatchRequestReader.IF_MATCH, required = false)
                    String ifMatch,
            @RequestBody(required = false) JsonNode body) {
        PatchRequestReader.Patch patch = patchReader.read(body, ifMatch);
        PatchJobRequest change = patch.request();
        PatchResult result =
                repository.patch(id, patch.version(), change.priority(), change.runAt(), change.metadata());
        return switch (result) {
            case PatchResult.Patched patched ->
                ResponseEntity.ok().eTag(patched.job().etag()).body(JobView.of(patched.job()));
            case PatchResult.StaleVersion stale -> throw stale(id, patch.version(), stale.current());
            case PatchResult.NotPatchable notPatchable ->
                throw JobProblems.inState(
                        Problem.JOB_NOT_PATCHABLE,
                        id,
                        notPatchable.current().state(),
                        "only PENDING or RETRY_SCHEDULED jobs can be changed.");
            case PatchResult.NotFound notFound -> throw JobProblems.notFound(id);
            case PatchResult.TooLarge tooLarge ->
                throw new ProblemException(
                        Problem.PAYLOAD_TOO_LARGE,
                        "The job's metadata would be " + tooLarge.size() + " bytes after the merge; the limit is "
                                + tooLarge.limit() + ". Nothing was changed.",
                        new FieldError(
                                "metadata",
                                "would make the job's metadata " + tooLarge.size() + " bytes, over "
                                        + tooLarge.limit()));
        };
    }

    private JobView withHistory(JobRow job) {
        return JobView.of(job, repository.history(job.id()));
    }

    private ProblemException notCancellable(UUID id) {
        JobState state = repository.find(id).map(JobRow::state).orElseThrow(() -> JobProblems.notFound(id));
        if (state == JobState.PENDING || state == JobState.RETRY_SCHEDULED) {
            // it came back (a rescue, a due retry) between the cancel and this read
            return JobProblems.busy(id);
        }
        return JobProblems.inState(
                Problem.JOB_NOT_CANCELLABLE, id, state, "only PENDING or RETRY_SCHEDULED jobs can be cancelled.");
    }

    private static ProblemException stale(UUID id, long sent, JobRow current) {
        return new ProblemException(
                        Problem.VERSION_MISMATCH,
                        "Job " + id + " is at version " + current.version() + ", not " + sent
                                + " as If-Match says: it changed since you read it. Nothing was changed; read it"
                                + " again and re-apply your change.",
                        new FieldError(PatchRequestReader.IF_MATCH, "names version " + sent + ", which is stale"))
                .with("currentVersion", current.version());
    }
}
