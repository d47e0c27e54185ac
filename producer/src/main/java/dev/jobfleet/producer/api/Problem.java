package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The kinds of RFC 9457 problem the API answers with. Each has a stable {@code type} URI under
 * {@value #BASE}; every problem body also carries {@code errors}, a list of {@code {field,
 * message}} naming what to fix (empty when no single field is at fault).
 */
public enum Problem {
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request"),
    MALFORMED_JSON(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON"),
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large"),
    IDEMPOTENCY_KEY_REUSED(
            HttpStatus.UNPROCESSABLE_CONTENT,
            "idempotency-key-reused",
            "Idempotency key already used for a different job"),
    BATCH_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "batch-too-large", "Too many jobs in one request"),
    JOB_NOT_FOUND(HttpStatus.NOT_FOUND, "job-not-found", "Job not found"),
    JOB_NOT_CANCELLABLE(HttpStatus.CONFLICT, "job-not-cancellable", "Job cannot be cancelled"),
    JOB_NOT_DEAD(HttpStatus.CONFLICT, "job-not-dead", "Only a DEAD job can be retried"),
    JOB_NOT_PATCHABLE(HttpStatus.CONFLICT, "job-not-patchable", "Job cannot be changed in its state"),
    JOB_BUSY(HttpStatus.CONFLICT, "job-busy", "Job is being claimed"),
    UNIQUE_KEY_HELD(HttpStatus.CONFLICT, "unique-key-held", "Another job holds the unique key"),
    BATCH_FINISHED(HttpStatus.CONFLICT, "batch-finished", "The job's batch has finished"),
    PRECONDITION_REQUIRED(HttpStatus.PRECONDITION_REQUIRED, "precondition-required", "If-Match required"),
    VERSION_MISMATCH(HttpStatus.PRECONDITION_FAILED, "version-mismatch", "Job changed since it was read"),
    BATCH_NOT_FOUND(HttpStatus.NOT_FOUND, "batch-not-found", "Batch not found"),
    LIMIT_NOT_FOUND(HttpStatus.NOT_FOUND, "concurrency-limit-not-found", "Concurrency limit not found"),
    SCHEDULE_NOT_FOUND(HttpStatus.NOT_FOUND, "schedule-not-found", "Schedule not found"),
    UNAUTHORIZED(HttpStatus.UNAUTHORIZED, "unauthorized", "Authentication required"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "forbidden", "Not allowed"),
    SERVICE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "service-unavailable", "Service unavailable"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error");

    public static final String BASE = "https://jobfleet.dev/problems/";
    /** The extension member listing the fields at fault. */
    public static final String ERRORS = "errors";

    private final HttpStatus status;
    private final URI type;
    private final String title;

    Problem(HttpStatus status, String slug, String title) {
        this.status = status;
        this.type = URI.create(BASE + slug);
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    public URI type() {
        return type;
    }

    public String title() {
        return title;
    }

    public ProblemDetail detail(String detail, List<FieldError> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        problem.setProperty(ERRORS, List.copyOf(errors));
        return problem;
    }

    /**
     * The {@code instance} of a problem: the request's path as the client sent it, or
     * percent-encoded when it is not a valid URI reference as it stands.
     */
    public static URI instance(String rawPath) {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        try {
            return URI.create(path);
        } catch (IllegalArgumentException e) {
            return URI.create(
                    org.springframework.web.util.UriUtils.encodePath(path, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** A problem type for a status the API has no kind of its own for, e.g. 405 or 415. */
    public static URI typeFor(HttpStatus status) {
        return URI.create(BASE + status.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
}
