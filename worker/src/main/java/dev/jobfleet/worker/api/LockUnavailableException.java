package dev.jobfleet.worker.api;

import java.time.Duration;
import java.util.UUID;

/**
 * {@link JobContext#withLock} waited as long as it was allowed and another run still held the
 * lock; the work did not run. An expected failure under contention: let it end the attempt (the
 * job is retried with backoff) or return {@code Outcome.retryAfter}.
 */
public final class LockUnavailableException extends RuntimeException {
    private final String lockName;

    public LockUnavailableException(UUID jobId, String lockName, Duration waited, int attempts) {
        super("job " + jobId + ": lock '" + lockName + "' still held by another run after " + waited.toMillis()
                + " ms and " + attempts + " attempts");
        this.lockName = lockName;
    }

    public String lockName() {
        return lockName;
    }
}
