package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.InputRules;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import dev.jobfleet.producer.ProducerProperties;
import dev.jobfleet.store.JobPage;
import dev.jobfleet.store.JobQuery;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
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
import org.springframework.web.util.UriComponentsBuilder;
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
    /** What {@code include} may name: the large parts a summary leaves out. */
    static final List<String> INCLUDES = List.of("payload", "metadata", "errors");

    private final SubmitRequestReader reader;
    private final JobSubmitter submitter;
    private final JobRepository repository;
    private final JobAccess access;
    private final long maxListBytes;

    public JobController(
            SubmitRequestReader reader,
            JobSubmitter submitter,
            JobRepository repository,
            JobAccess access,
            ProducerProperties properties) {
        this.reader = reader;
        this.submitter = submitter;
        this.repository = repository;
        this.access = access;
        this.maxListBytes = properties.maxListBytes();
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
    @ApiResponse(responseCode = "404", description = "No such job (or, for a submitter, another's job)")
    public ResponseEntity<JobView> get(@PathVariable UUID id) {
        JobRow job = access.readable(id);
        return ResponseEntity.ok().eTag(job.etag()).body(JobView.of(job, repository.history(id)));
    }

    @GetMapping("/{id}/logs")
    @Operation(summary = "Read the entries the job's handler logged, oldest first")
    @ApiResponse(responseCode = "200", description = "The entries; empty when the handler logged none")
    @ApiResponse(responseCode = "404", description = "No such job (or, for a submitter, another's job)")
    public JobLogs logs(@PathVariable UUID id) {
        access.readable(id);
        return new JobLogs(id, repository.logs(id).stream().map(LogView::of).toList());
    }

    @GetMapping
    @Operation(
            summary = "List jobs, newest first, a page at a time",
            description =
                    "Summaries: every field but payload, metadata and errors, which include=payload,metadata,errors"
                            + " adds. `next` (and the Link header, rel=next) fetches the following page; it is absent on the"
                            + " last page. A page holds at most `limit` jobs and ends early rather than pass"
                            + " jobfleet.producer.max-list-bytes of payloads, metadata and errors. A submitter sees only"
                            + " the jobs it submitted. state=DEAD&include=errors lists the dead letters with their errors.")
    @ApiResponse(
            responseCode = "200",
            description = "A page of jobs",
            headers = @Header(name = "Link", description = "<next page>; rel=\"next\", when there is one"))
    public ResponseEntity<JobList> list(
            @Parameter(description = "Only jobs in this state", schema = @Schema(implementation = JobState.class))
                    @RequestParam(name = "state", required = false)
                    String stateName,
            @Parameter(description = "Only jobs of this type") @RequestParam(required = false) String type,
            @Parameter(description = "At most this many jobs") @RequestParam(defaultValue = "50") @Min(1) @Max(1000)
                    int limit,
            @Parameter(description = "Where to start: the cursor in the previous page's next link")
                    @RequestParam(required = false)
                    String cursor,
            @Parameter(description = "Comma-separated parts to add to each job: payload, metadata, errors")
                    @RequestParam(required = false)
                    String include) {
        if (type != null && !JobEvent.TYPE_PATTERN.matcher(type).matches()) {
            throw new ProblemException(
                    Problem.INVALID_REQUEST,
                    "No job can have type '" + type + "'.",
                    new FieldError("type", "must match " + JobEvent.TYPE_PATTERN.pattern()));
        }
        JobState state = stateName == null ? null : state(stateName);
        Set<String> parts = includes(include);
        JobCursor after = cursor == null ? null : JobCursor.decode(cursor);
        JobPage page = repository.list(new JobQuery(
                JobAccess.listedOwner(),
                state,
                type,
                after == null ? null : after.createdAt(),
                after == null ? null : after.id(),
                limit,
                maxListBytes,
                parts.contains("payload"),
                parts.contains("metadata"),
                parts.contains("errors")));
        String next = null;
        if (page.more() && !page.jobs().isEmpty()) {
            next = UriComponentsBuilder.fromPath("/jobs")
                    .queryParamIfPresent("state", Optional.ofNullable(state))
                    .queryParamIfPresent("type", Optional.ofNullable(type))
                    .queryParam("limit", limit)
                    .queryParamIfPresent("include", Optional.ofNullable(include))
                    .queryParam("cursor", JobCursor.after(page.jobs().getLast()).encode())
                    .encode()
                    .build()
                    .toUriString();
        }
        JobList body = new JobList(
                page.jobs().stream().map(job -> JobView.summary(job, parts)).toList(), limit, next);
        ResponseEntity.BodyBuilder response = ResponseEntity.ok();
        if (next != null) {
            response.header(HttpHeaders.LINK, "<" + next + ">; rel=\"next\"");
        }
        return response.body(body);
    }

    /** Exactly a state's name: no trimming, no case folding, nothing a converter would forgive. */
    private static JobState state(String name) {
        for (JobState state : JobState.values()) {
            if (state.name().equals(name)) {
                return state;
            }
        }
        throw ProblemException.invalid(List.of(new FieldError(
                "state",
                "names '" + InputRules.printable(name) + "'; it must be one of "
                        + String.join(
                                ", ",
                                java.util.Arrays.stream(JobState.values())
                                        .map(Enum::name)
                                        .toList()))));
    }

    private static Set<String> includes(String include) {
        if (include == null || include.isBlank()) {
            return Set.of();
        }
        Set<String> parts = new LinkedHashSet<>();
        for (String part : include.split(",")) {
            String name = part.strip();
            if (!INCLUDES.contains(name)) {
                throw ProblemException.invalid(List.of(new FieldError(
                        "include",
                        "names '" + InputRules.printable(name) + "'; it may name " + String.join(", ", INCLUDES))));
            }
            parts.add(name);
        }
        return parts;
    }
}
