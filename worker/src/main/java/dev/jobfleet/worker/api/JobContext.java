package dev.jobfleet.worker.api;

import dev.jobfleet.model.JobCodec;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;

/**
 * One run of a job, as its handler sees it.
 *
 * <p>{@link #claimToken()} is this run's fencing token: the worker writes the outcome only while
 * the job is still held under it. {@link #leaseLost()} turns true when the worker learns that the
 * lease is gone (another run may own the job now); a handler that checks it can stop early,
 * since nothing it returns will be written.
 *
 * <h2>Writing to the job while it runs</h2>
 *
 * {@link #mergeMetadata}, {@link #incrementProgress}, {@link #increment} and {@link #appendLog}
 * each run one statement guarded by this run's fencing token, so they may be called from any
 * number of threads at once without losing each other's writes (G5): a merge is {@code metadata ||
 * patch}, an increment is {@code x = x + n}, a log entry is an insert. When the run no longer
 * holds the job (rescued after its lease expired, or released on shutdown) they write nothing,
 * mark this context {@link #leaseLost()} and throw {@link LeaseLostException}: a write that
 * silently did nothing would be a lost update, and a handler that lost its job should stop. The
 * exception is unchecked so that it ends the handler unless caught.
 */
public final class JobContext {
    /** The counter {@link #incrementProgress} adds to. */
    public static final String PROGRESS = "progress";

    static final int MAX_COUNTER_NAME = 255;

    private final UUID jobId;
    private final String type;
    private final JsonNode payload;
    private final int attempt;
    private final int maxAttempts;
    private final UUID claimToken;
    private final String workerId;
    private final JsonNode metadata;
    private final BooleanSupplier leaseLost;
    private final RunWrites writes;

    /**
     * @param leaseLost whether the worker knows or must assume the lease is gone; {@code writes}
     *     that find the job gone must make it true
     * @param writes this run's fenced writes to its job
     */
    public JobContext(
            UUID jobId,
            String type,
            JsonNode payload,
            int attempt,
            int maxAttempts,
            UUID claimToken,
            String workerId,
            JsonNode metadata,
            BooleanSupplier leaseLost,
            RunWrites writes) {
        this.jobId = Objects.requireNonNull(jobId, "jobId");
        this.type = Objects.requireNonNull(type, "type");
        this.payload = Objects.requireNonNull(payload, "payload");
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
        this.claimToken = Objects.requireNonNull(claimToken, "claimToken");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.leaseLost = Objects.requireNonNull(leaseLost, "leaseLost");
        this.writes = Objects.requireNonNull(writes, "writes");
    }

    public UUID jobId() {
        return jobId;
    }

    public String type() {
        return type;
    }

    /** The handler's input as submitted; {@code {}} when none was given. */
    public JsonNode payload() {
        return payload;
    }

    /** 1 for the first run, counting every claim, including runs rescued from dead workers. */
    public int attempt() {
        return attempt;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** This run's fencing token. */
    public UUID claimToken() {
        return claimToken;
    }

    /** The worker running this job. */
    public String workerId() {
        return workerId;
    }

    /** The job's metadata as it was when this run claimed it; later merges are not reflected here. */
    public JsonNode metadata() {
        return metadata;
    }

    /** True once the worker knows (or must assume) that its lease on this job is gone. */
    public boolean leaseLost() {
        return leaseLost.getAsBoolean();
    }

    /**
     * Merges the keys of {@code patch} into the job's metadata (top level, last writer wins per
     * key; other keys are kept).
     *
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void mergeMetadata(Map<String, ?> patch) {
        mergeMetadata((JsonNode) JobCodec.mapper().valueToTree(Objects.requireNonNull(patch, "patch")));
    }

    /**
     * Merges the keys of {@code patch}, a JSON object, into the job's metadata.
     *
     * @throws IllegalArgumentException when {@code patch} is not a JSON object
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void mergeMetadata(JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("a metadata patch must be a JSON object: " + patch);
        }
        if (!writes.mergeMetadata(patch)) {
            throw lost("mergeMetadata");
        }
    }

    /**
     * Adds {@code n} to the job's {@code progress} counter.
     *
     * @return the counter's new value
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public long incrementProgress(long n) {
        return increment(PROGRESS, n);
    }

    /**
     * Adds {@code n} (may be negative) to a named counter of the job, which starts at 0.
     *
     * @return the counter's new value, which counts every increment of every run of the job
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public long increment(String counter, long n) {
        if (counter == null || counter.isBlank() || counter.length() > MAX_COUNTER_NAME) {
            throw new IllegalArgumentException(
                    "a counter name is 1 to " + MAX_COUNTER_NAME + " characters: " + counter);
        }
        OptionalLong value = writes.increment(counter, n);
        if (value.isEmpty()) {
            throw lost("increment " + counter);
        }
        return value.getAsLong();
    }

    /**
     * Appends an entry to the job's log, with this run's token and attempt. Any value Jackson can
     * write: a record, a map, a string.
     *
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void appendLog(Object entry) {
        appendLog((JsonNode) JobCodec.mapper().valueToTree(Objects.requireNonNull(entry, "entry")));
    }

    /**
     * Appends a JSON entry to the job's log, with this run's token and attempt.
     *
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void appendLog(JsonNode entry) {
        if (entry == null || entry.isNull() || entry.isMissingNode()) {
            throw new IllegalArgumentException("a log entry must not be null");
        }
        if (!writes.appendLog(entry)) {
            throw lost("appendLog");
        }
    }

    private LeaseLostException lost(String operation) {
        return new LeaseLostException(jobId, claimToken, operation);
    }

    @Override
    public String toString() {
        return "JobContext[" + type + " " + jobId + " attempt " + attempt + "/" + maxAttempts + "]";
    }
}
