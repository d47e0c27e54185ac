package dev.jobfleet.model;

import java.time.Duration;
import java.util.Objects;

/**
 * What a handler says happened. Handlers return an outcome for everything they expect and throw
 * only for the unexpected; a thrown exception is a failed attempt, retried with backoff.
 */
public sealed interface Outcome {

    /** The job is done: {@link JobState#SUCCEEDED}. */
    record Completed() implements Outcome {}

    /**
     * Try again later: {@link JobState#RETRY_SCHEDULED}, or {@link JobState#DEAD} when no attempt
     * is left. {@code delay == null} means the job type's backoff decides.
     */
    record Retry(Duration delay, String reason) implements Outcome {
        public Retry {
            Objects.requireNonNull(reason, "reason");
            if (delay != null && delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
        }
    }

    /** Stop for good without an error: {@link JobState#CANCELLED}. */
    record Cancel(String reason) implements Outcome {
        public Cancel {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Stop for good, as a failure that no retry can fix: {@link JobState#DEAD}. */
    record Discard(String reason) implements Outcome {
        public Discard {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static Outcome completed() {
        return new Completed();
    }

    static Outcome retry(String reason) {
        return new Retry(null, reason);
    }

    static Outcome retryAfter(Duration delay, String reason) {
        return new Retry(Objects.requireNonNull(delay, "delay"), reason);
    }

    static Outcome cancel(String reason) {
        return new Cancel(reason);
    }

    static Outcome discard(String reason) {
        return new Discard(reason);
    }
}
