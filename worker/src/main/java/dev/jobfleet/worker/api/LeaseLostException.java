package dev.jobfleet.worker.api;

import java.util.UUID;

/**
 * A write of a run that no longer holds its job: the lease expired and the job was rescued (it
 * may be running elsewhere now), or the worker released the run on shutdown. Nothing was written.
 *
 * <p>A handler that gets this should stop: its outcome will not be written either. Letting it
 * propagate is fine; the worker expects it and does not log it as a failure of the job.
 */
public final class LeaseLostException extends RuntimeException {
    private final UUID jobId;
    private final UUID claimToken;

    public LeaseLostException(UUID jobId, UUID claimToken, String operation) {
        super("job " + jobId + ": " + operation + " refused, the run under claim token " + claimToken
                + " no longer holds the job");
        this.jobId = jobId;
        this.claimToken = claimToken;
    }

    public UUID jobId() {
        return jobId;
    }

    /** The fencing token of the run that lost the job. */
    public UUID claimToken() {
        return claimToken;
    }
}
