package dev.jobfleet.worker.run;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.AttemptError;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.worker.WorkerProperties.BackoffSettings;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns what a handler did into the outcome written under the run's fencing token. A thrown
 * exception and {@link Outcome.Retry} are retries (the database makes a retry with no attempt
 * left DEAD); a retry without its own delay waits for the type's backoff.
 */
public final class RunOutcomes {
    private final BackoffSettings backoff;

    public RunOutcomes(BackoffSettings backoff) {
        this.backoff = backoff;
    }

    public RunOutcome of(Attempt attempt, Outcome outcome) {
        if (outcome == null) {
            return failed(attempt, new IllegalStateException("handler of " + attempt.type() + " returned null"));
        }
        return switch (outcome) {
            case Outcome.Completed c -> RunOutcome.succeeded(attempt.jobId(), attempt.claimToken());
            case Outcome.Retry(Duration delay, String reason) ->
                RunOutcome.retry(
                        attempt.jobId(),
                        attempt.claimToken(),
                        delay != null ? delay : backoffDelay(attempt),
                        AttemptError.of(attempt.number(), reason));
            case Outcome.Cancel(String reason) -> RunOutcome.cancelled(attempt.jobId(), attempt.claimToken(), reason);
            case Outcome.Discard(String reason) ->
                RunOutcome.dead(attempt.jobId(), attempt.claimToken(), AttemptError.of(attempt.number(), reason));
        };
    }

    /** The handler threw: a failed attempt, retried after the type's backoff. */
    public RunOutcome failed(Attempt attempt, Throwable error) {
        return RunOutcome.retry(
                attempt.jobId(), attempt.claimToken(), backoffDelay(attempt), AttemptError.of(attempt.number(), error));
    }

    /** The handler ran past its time limit: a failed attempt with a timeout error, retried with backoff. */
    public RunOutcome timedOut(Attempt attempt, Duration limit) {
        return failed(attempt, new HandlerTimeoutException(attempt, limit));
    }

    private Duration backoffDelay(Attempt attempt) {
        return backoff.forType(attempt.type()).delay(Math.max(1, attempt.number()), ThreadLocalRandom.current());
    }
}
