package dev.jobfleet.worker.api;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;

/**
 * The writes a run makes to its own job, each one statement fenced by the run's claim token. The
 * worker supplies them to {@link JobContext}; each reports whether the run still held the job
 * (false or empty: nothing was written). The handler-lock pair takes and gives back a named lock
 * for the run, also fenced by its token.
 */
public interface RunWrites {
    /** Merges the keys of {@code patch} (a JSON object) into the job's metadata. */
    boolean mergeMetadata(JsonNode patch);

    /** Adds {@code n} to the named counter; the new value, or empty. */
    OptionalLong increment(String counter, long n);

    /** Appends one entry to the job's log. */
    boolean appendLog(JsonNode entry);

    /**
     * One attempt to take the named handler lock for this run until {@code ttl} has passed
     * (database clock), in one statement.
     *
     * @return the lock, or empty when another run holds it
     * @throws LeaseLostException when this run no longer holds its job; nothing was taken
     */
    Optional<HandlerLock> tryLock(String name, Duration ttl);

    /**
     * Gives the lock back, in one statement.
     *
     * @return true when this run held it to now: not taken over, not expired, and the run still
     *     holds its job
     */
    boolean unlock(HandlerLock lock);
}
