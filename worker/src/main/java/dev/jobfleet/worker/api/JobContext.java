package dev.jobfleet.worker.api;

import java.util.Objects;
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
 */
public final class JobContext {
    private final UUID jobId;
    private final String type;
    private final JsonNode payload;
    private final int attempt;
    private final int maxAttempts;
    private final UUID claimToken;
    private final String workerId;
    private final JsonNode metadata;
    private final BooleanSupplier leaseLost;

    public JobContext(
            UUID jobId,
            String type,
            JsonNode payload,
            int attempt,
            int maxAttempts,
            UUID claimToken,
            String workerId,
            JsonNode metadata,
            BooleanSupplier leaseLost) {
        this.jobId = Objects.requireNonNull(jobId, "jobId");
        this.type = Objects.requireNonNull(type, "type");
        this.payload = Objects.requireNonNull(payload, "payload");
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
        this.claimToken = Objects.requireNonNull(claimToken, "claimToken");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.leaseLost = Objects.requireNonNull(leaseLost, "leaseLost");
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

    public JsonNode metadata() {
        return metadata;
    }

    /** True once the worker knows (or must assume) that its lease on this job is gone. */
    public boolean leaseLost() {
        return leaseLost.getAsBoolean();
    }

    @Override
    public String toString() {
        return "JobContext[" + type + " " + jobId + " attempt " + attempt + "/" + maxAttempts + "]";
    }
}
