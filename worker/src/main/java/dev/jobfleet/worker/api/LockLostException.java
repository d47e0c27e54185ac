package dev.jobfleet.worker.api;

import java.util.UUID;

/**
 * The work under a handler lock finished, but the lock did not protect it to the end: it expired
 * (the work took longer than its ttl) and may have been taken by another run, or this run lost its
 * job meanwhile. Another holder may have run its critical section at the same time; the work's
 * result is not returned. Thrown after the work and the release.
 */
public final class LockLostException extends RuntimeException {
    private final String lockName;
    private final long fence;

    public LockLostException(UUID jobId, HandlerLock lock) {
        super("job " + jobId + ": lock '" + lock.name() + "' (fence " + lock.fence() + ") was not held to the end of"
                + " the work: it expired at " + lock.expiresAt() + " or the run lost its job");
        this.lockName = lock.name();
        this.fence = lock.fence();
    }

    public String lockName() {
        return lockName;
    }

    public long fence() {
        return fence;
    }
}
