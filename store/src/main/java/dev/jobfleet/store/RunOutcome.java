package dev.jobfleet.store;

import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * The end of one run, to be written under its fencing token.
 *
 * @param state SUCCEEDED, RETRY_SCHEDULED (DEAD if no attempt is left), DEAD or CANCELLED
 * @param retryDelay for RETRY_SCHEDULED: how long from now (database time)
 * @param error for failures: what went wrong, appended to the job's errors
 * @param detail a word for the history row
 */
public record RunOutcome(
        UUID jobId, UUID claimToken, JobState state, Duration retryDelay, AttemptError error, String detail) {
    public RunOutcome {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(claimToken, "claimToken");
        Objects.requireNonNull(state, "state");
        detail = Texts.storable(detail);
        JobState.RUNNING.requireTransitionTo(state);
        if (state == JobState.PENDING) {
            throw new IllegalArgumentException(
                    "a run ends in a final state or a retry; use release() to give a job back");
        }
    }

    public static RunOutcome succeeded(UUID jobId, UUID claimToken) {
        return new RunOutcome(jobId, claimToken, JobState.SUCCEEDED, null, null, "succeeded");
    }

    public static RunOutcome retry(UUID jobId, UUID claimToken, Duration delay, AttemptError error) {
        return new RunOutcome(jobId, claimToken, JobState.RETRY_SCHEDULED, delay, error, "failed, retry in " + delay);
    }

    public static RunOutcome dead(UUID jobId, UUID claimToken, AttemptError error) {
        return new RunOutcome(jobId, claimToken, JobState.DEAD, null, error, "discarded");
    }

    public static RunOutcome cancelled(UUID jobId, UUID claimToken, String reason) {
        return new RunOutcome(jobId, claimToken, JobState.CANCELLED, null, null, "cancelled by handler: " + reason);
    }
}
