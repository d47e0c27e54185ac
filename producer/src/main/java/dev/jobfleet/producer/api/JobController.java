package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
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

/**
 * Submit, read and list jobs. Changes to an existing job are in {@link JobChangeController};
 * errors are RFC 9457 problem details ({@link ProblemHandler}).
 */
@RestController
@RequestMapping(path = "/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "jobs", description = "Submit, read, list, change, cancel and retry jobs")
@ApiResponse(responseCode = "400", description = "Invalid request; `errors` names every field at fault")
public class JobController {
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
                    + " A repeated idempotency key returns the job that holds it (200) instead of a new one (201);"
                    + " so does a unique key held by a job in one of its unique states."
                    + " The Jobfleet-Duplicate header says which key matched.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            schema = @Schema(implementation = SubmitJobRequest.class))))
    @ApiResponse(responseCode = "201", description = "Created; Location names the job")
    @ApiResponse(
            responseCode = "200",
            description = "The job that holds the idempotency key or the unique key; nothing was stored",
            headers =
                    @Header(
                            name = Duplicate.HEADER,
                            description = "idempotency-key or unique-key: which key an existing job holds",
                            schema = @Schema(allowableValues = {"idempotency-key", "unique-key"})))
    @ApiResponse(responseCode = "413", description = "Payload or metadata over the size limit")
    @ApiResponse(responseCode = "415", description = "Not application/json")
    @ApiResponse(responseCode = "422", description = "Idempotency key already used with another type or payload")
    public ResponseEntity<JobView> submit(
            @Parameter(description = "Idempotency key; if the body has one too, both must be equal")
                    @RequestHeader(name = "Idempotency-Key", required = false)
                    String idempotencyKey,
            @RequestBody(required = false) JsonNode body) {
        Submitted submitted = submitter.submit(reader.read(body, idempotencyKey));
        JobView job = JobView.of(submitted.job());
        if (submitted.created()) {
            return ResponseEntity.created(URI.create("/jobs/" + job.id())).body(job);
        }
        return ResponseEntity.ok()
                .header(Duplicate.HEADER, submitted.duplicate().value())
                .body(job);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Read a job with its history")
    @ApiResponse(
            responseCode = "200",
            description = "The job",
            headers = @Header(name = "ETag", description = "The job's version, for If-Match on PATCH"))
    @ApiResponse(responseCode = "404", description = "No such job")
    public ResponseEntity<JobView> get(@PathVariable UUID id) {
        JobRow job = repository.find(id).orElseThrow(() -> JobProblems.notFound(id));
        return ResponseEntity.ok().eTag(job.etag()).body(JobView.of(job, repository.history(id)));
    }

    @GetMapping("/{id}/logs")
    @Operation(summary = "Read the entries the job's handler logged, oldest first")
    @ApiResponse(responseCode = "200", description = "The entries; empty when the handler logged none")
    @ApiResponse(responseCode = "404", description = "No such job")
    public JobLogs logs(@PathVariable UUID id) {
        repository.find(id).orElseThrow(() -> JobProblems.notFound(id));
        return new JobLogs(id, repository.logs(id).stream().map(LogView::of).toList());
    }

    @GetMapping
    @Operation(
            summary = "List jobs, newest first",
            description = "state=DEAD lists the dead letters, each with its attempts, lastError and errors.")
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
}
