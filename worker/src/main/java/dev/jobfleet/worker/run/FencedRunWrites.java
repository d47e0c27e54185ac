package dev.jobfleet.worker.run;

import dev.jobfleet.store.HandlerLocks;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.api.HandlerLock;
import dev.jobfleet.worker.api.LeaseLostException;
import dev.jobfleet.worker.api.RunWrites;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A run's writes to its own job through the store's fenced statements ({@code WHERE id = ? AND
 * state = 'RUNNING' AND claim_token = ?}). A write that changes nothing calls {@code onLost}: the
 * run no longer holds the job. Handler locks go through {@link HandlerLocks}, held by the run's job
 * id and token.
 */
final class FencedRunWrites implements RunWrites {
    private final JobRepository jobs;
    private final HandlerLocks locks;
    private final UUID jobId;
    private final UUID token;
    private final Runnable onLost;

    /** With the handler locks of the database {@code jobs} runs on. */
    FencedRunWrites(JobRepository jobs, UUID jobId, UUID token, Runnable onLost) {
        this(jobs, jobs.handlerLocks(), jobId, token, onLost);
    }

    FencedRunWrites(JobRepository jobs, HandlerLocks locks, UUID jobId, UUID token, Runnable onLost) {
        this.jobs = jobs;
        this.locks = locks;
        this.jobId = jobId;
        this.token = token;
        this.onLost = onLost;
    }

    @Override
    public boolean mergeMetadata(JsonNode patch) {
        return held(jobs.mergeMetadata(jobId, token, patch));
    }

    @Override
    public OptionalLong increment(String counter, long n) {
        OptionalLong value = jobs.incrementCounter(jobId, token, counter, n);
        held(value.isPresent());
        return value;
    }

    @Override
    public boolean appendLog(JsonNode entry) {
        return held(jobs.appendLog(jobId, token, entry));
    }

    @Override
    public Optional<HandlerLock> tryLock(String name, Duration ttl) {
        return switch (locks.tryAcquire(jobId, token, name, ttl)) {
            case HandlerLocks.Attempt.Acquired acquired ->
                Optional.of(new HandlerLock(
                        name, acquired.lock().fence(), acquired.lock().expiresAt()));
            case HandlerLocks.Attempt.Busy busy -> Optional.empty();
            case HandlerLocks.Attempt.RunLost lost -> {
                onLost.run();
                throw new LeaseLostException(jobId, token, "lock " + name);
            }
        };
    }

    @Override
    public boolean unlock(HandlerLock lock) {
        HandlerLocks.Release release =
                locks.release(new HandlerLocks.Held(lock.name(), lock.fence(), jobId, token, lock.expiresAt()));
        held(release.runHeld());
        return release.heldThroughout();
    }

    private boolean held(boolean written) {
        if (!written) {
            onLost.run();
        }
        return written;
    }
}
