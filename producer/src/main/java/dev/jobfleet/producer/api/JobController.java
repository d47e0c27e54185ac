package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.Submission;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Submit, read, list and cancel jobs. Errors are RFC 9457 problem details ({@link ProblemHandler}). */
@RestController
@RequestMapping(path = "/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "jobs", description = "Submit, read, list and cancel jobs")
@ApiResponse(
        responseCode = "400",
        description = "Invalid request; `errors` names every field at fault",
        content =
                @Content(
                        mediaType = "application/problem+json",
                        schema = @Schema(implementation = ProblemSchema.class)))
public class JobController {
    static final String CANCEL_REASON = "cancelled through the API";

    private final SubmitRequestReader reader;
    private final JobSubmitter submitter;
    private final JobRepository repository;

    public JobController(SubmitRequestReader reader, JobSubmitter submitter, JobRepository repository) {
        this.reader = reader;
        this.submitter = submitter;
        this.repository = repository;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Submit a job",
            description = "Stores the job and its outbox event in one transaction; the relay publishes it to Kafka."
                    + " A repeated idempotency key returns the job that holds it (200) instead of a new one (201).",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            schema = @Schema(implementation = SubmitJobRequest.class))))
    @ApiResponse(responseCode = "201", description = "Created; Location names the job")
    @ApiResponse(responseCode = "200", description = "The job already submitted with this idempotency key")
    @ApiResponse(
            responseCode = "413",
            description = "Payload over the size limit",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(
            responseCode = "415",
            description = "Not application/json",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(
            responseCode = "422",
            description = "Idempotency key already used with another type or payload",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(implementation = ProblemSchema.class)))
    public ResponseEntity<JobView> submit(
            @Parameter(description = "Idempotency key; if the body has one too, both must be equal")
                    @RequestHeader(name = "Idempotency-Key", required = false)
                    String idempotencyKey,
            @RequestBody(required = false) JsonNode body) {
        Submission submission = submitter.submit(reader.read(body, idempotencyKey));
        JobView job = JobView.of(submission.job());
        return submission.created()
                ? ResponseEntity.created(URI.create("/jobs/" + job.id())).body(job)
                : ResponseEntity.ok(job);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Read a job with its history")
    @ApiResponse(responseCode = "200", description = "The job")
    @ApiResponse(
            responseCode = "404",
            description = "No such job",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(implementation = ProblemSchema.class)))
    public JobView get(@PathVariable UUID id) {
        JobRow job = repository.find(id).orElseThrow(() -> notFound(id));
        return JobView.of(job, repository.history(id));
    }

    @GetMapping
    @Operation(summary = "List jobs, newest first")
    @ApiResponse(responseCode = "200", description = "The jobs")
    public JobList list(
            @Parameter(description = "Only jobs in this state") @RequestParam(required = false) JobState state,
            @Parameter(description = "Only jobs of this type") @RequestParam(required = false) String type,
            @Parameter(description = "At most this many jobs") @RequestParam(defaultValue = "50") @Min(1) @Max(1000)
                    int limit) {
        if (type != null && !JobEvent.TYPE_PATTERN.matcher(type).matches()) {
            throw new ProblemException(
                    Problem.INVALID_REQUEST,
                    "No job can have type '" + type + "'.",
                    new FieldError("type", "must match " + JobEvent.TYPE_PATTERN.pattern()));
        }
        return new JobList(
                repository.list(state, type, limit).stream().map(JobView::of).toList(), limit);
    }

    @PostMapping("/{id}/cancel")
    @Operation(summary = "Cancel a job that is PENDING or RETRY_SCHEDULED")
    @ApiResponse(responseCode = "200", description = "Cancelled; the job with its history")
    @ApiResponse(
            responseCode = "404",
            description = "No such job",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(
            responseCode = "409",
            description = "Running or finished, or being claimed right now",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(implementation = ProblemSchema.class)))
    public JobView cancel(@PathVariable UUID id) {
        return switch (repository.cancel(id, JobSubmitter.ACTOR, CANCEL_REASON)) {
            case CANCELLED -> get(id);
            case NOT_FOUND -> throw notFound(id);
            case NOT_CANCELLABLE -> throw notCancellable(id);
            case BUSY ->
                throw new ProblemException(
                        Problem.JOB_BUSY,
                        "A worker is claiming job " + id + " right now; nothing was changed. Try again.",
                        new FieldError("id", "names a job a worker is claiming right now"));
        };
    }

    private ProblemException notCancellable(UUID id) {
        JobState state = repository.find(id).map(JobRow::state).orElseThrow(() -> notFound(id));
        return new ProblemException(
                        Problem.JOB_NOT_CANCELLABLE,
                        "Job " + id + " is " + state + "; only PENDING or RETRY_SCHEDULED jobs can be cancelled.",
                        new FieldError("id", "names a job in state " + state))
                .with("state", state.name());
    }

    private static ProblemException notFound(UUID id) {
        return new ProblemException(
                Problem.JOB_NOT_FOUND, "There is no job " + id + ".", new FieldError("id", "names no job"));
    }
}
