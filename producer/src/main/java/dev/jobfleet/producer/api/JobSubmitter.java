package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.store.JobOptions;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.Submission;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Submits a checked request, recorded as submitted by the current caller ({@link JobAccess}): the
 * job, its first history row and its outbox row go in with one
 * statement ({@link JobRepository#submit}). A taken idempotency key or unique key inserts nothing
 * (the database's unique index decides, not a lookup here) and returns the job that holds it. A
 * unique key is meant to be held by another job ("one pending rebuild per customer"), so its
 * holder is returned whatever its payload; an idempotency key names one request, so a holder with
 * another type or payload means the caller made a mistake, and gets 422 instead.
 */
public class JobSubmitter {

    /** Numbers are equal by value (1, 1.0 and 1e0 alike), everything else by equals. */
    private static final Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return numericallyEqual(a, b) ? 0 : 1;
        }
        return a.equals(b) ? 0 : 1;
    };

    private final JobRepository repository;
    private final SubmitGroupCommit groupCommit;

    public JobSubmitter(JobRepository repository) {
        this(repository, null);
    }

    /** @param groupCommit where plain submissions go, or null to store each with its own statement */
    public JobSubmitter(JobRepository repository, SubmitGroupCommit groupCommit) {
        this.repository = repository;
        this.groupCommit = groupCommit;
    }

    public Submitted submit(SubmitJobRequest request) {
        return submit(request, "");
    }

    /**
     * @param fieldPrefix put before field names in the problem, e.g. {@code jobs[3].} for an item of a bulk request
     * @throws ProblemException 422 when the idempotency key belongs to a job with another type or payload
     */
    public Submitted submit(SubmitJobRequest request, String fieldPrefix) {
        JobEvent event = event(request);
        JobOptions options = request.options().withSubmitter(JobAccess.caller().id());
        if (groupCommit != null && JobRepository.plain(event, options)) {
            return new Submitted(groupCommit.submit(event, options, JobAccess.actor()), null);
        }
        return answer(repository.submit(event, options, JobAccess.actor()), request, fieldPrefix);
    }

    /**
     * What a stored submission answers: created, the holder of its unique key, the holder of its
     * idempotency key (same type and payload), or 422 (another type or payload).
     *
     * @throws ProblemException 422 when the idempotency key belongs to a job with another type or payload
     */
    Submitted answer(Submission submission, SubmitJobRequest request, String fieldPrefix) {
        if (submission.created()) {
            return new Submitted(submission.job(), null);
        }
        boolean sameKey = request.idempotencyKey() != null
                && request.idempotencyKey().equals(submission.job().idempotencyKey());
        if (!sameKey) {
            return new Submitted(submission.job(), Duplicate.UNIQUE_KEY);
        }
        if (!sameJob(submission.job(), request)) {
            throw new ProblemException(
                            Problem.IDEMPOTENCY_KEY_REUSED,
                            "Idempotency key '" + request.idempotencyKey() + "' belongs to job "
                                    + submission.job().id() + ", submitted with a different type or payload;"
                                    + " nothing was stored.",
                            new FieldError(
                                    fieldPrefix + "idempotencyKey",
                                    "is already used by a job with a different type or payload"))
                    .with("jobId", submission.job().id().toString());
        }
        return new Submitted(submission.job(), Duplicate.IDEMPOTENCY_KEY);
    }

    /**
     * Many requests without idempotency, unique or order key and without a fan-in batch, in one
     * statement ({@link JobRepository#submitPlain}): all stored, in the order given, or none.
     *
     * @throws org.springframework.dao.DataAccessException when the database refused one of them;
     *     nothing was stored
     */
    public List<Submitted> submitPlain(List<SubmitJobRequest> requests) {
        Prepared p = prepare(requests);
        return repository.submitPlain(p.events, p.options, JobAccess.actor()).stream()
                .map(job -> new Submitted(job, null))
                .toList();
    }

    /**
     * Many requests that carry an idempotency key and nothing else that could conflict or queue, in
     * one statement ({@link JobRepository#submitIdempotent}); each answered with {@link #answer}.
     * Returns one submission per request in the order given, null where it must be submitted again
     * on its own (its key's holder was gone when read).
     *
     * @throws org.springframework.dao.DataAccessException when the database refused one of them;
     *     nothing was stored
     */
    public List<Submission> submitIdempotent(List<SubmitJobRequest> requests) {
        Prepared p = prepare(requests);
        return repository.submitIdempotent(
                p.events, p.options, Collections.nCopies(requests.size(), JobAccess.actor()));
    }

    /** Requests as events and options, submitted by the current caller. */
    private record Prepared(List<JobEvent> events, List<JobOptions> options) {}

    private static Prepared prepare(List<SubmitJobRequest> requests) {
        List<JobEvent> events = new ArrayList<>(requests.size());
        List<JobOptions> options = new ArrayList<>(requests.size());
        String submitter = JobAccess.caller().id();
        for (SubmitJobRequest request : requests) {
            events.add(event(request));
            options.add(request.options().withSubmitter(submitter));
        }
        return new Prepared(events, options);
    }

    /** Whether {@link #submitIdempotent} takes this request. */
    public static boolean idempotentOnly(SubmitJobRequest request) {
        return JobRepository.idempotentOnly(request.idempotencyKey(), request.concurrencyKey(), request.options());
    }

    /** Whether {@link #submitPlain} takes this request. */
    public static boolean plain(SubmitJobRequest request) {
        return JobRepository.plain(request.idempotencyKey(), request.options());
    }

    private static JobEvent event(SubmitJobRequest request) {
        return new JobEvent(
                JobIds.next(),
                request.type(),
                request.payload(),
                request.priority(),
                request.runAt(),
                request.maxAttempts(),
                request.concurrencyKey(),
                request.idempotencyKey(),
                request.timeoutMs());
    }

    private static boolean sameJob(JobRow existing, SubmitJobRequest request) {
        return existing.type().equals(request.type()) && existing.payload().equals(SAME_VALUE, request.payload());
    }

    private static boolean numericallyEqual(JsonNode a, JsonNode b) {
        Optional<BigDecimal> x = a.decimalValueOpt();
        Optional<BigDecimal> y = b.decimalValueOpt();
        if (x.isPresent() && y.isPresent()) {
            return x.get().compareTo(y.get()) == 0;
        }
        // a double that overflowed to infinity has no decimal value: compare as doubles
        return Double.compare(a.doubleValue(), b.doubleValue()) == 0;
    }
}
