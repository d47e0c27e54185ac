package dev.jobfleet.worker.run;

import java.time.Duration;

/**
 * The error kept in a job's {@code errors} when its handler ran past its time limit: the handler
 * was interrupted and the attempt counts as failed.
 */
public final class HandlerTimeoutException extends RuntimeException {
    HandlerTimeoutException(Attempt attempt, Duration limit) {
        super("the handler of " + attempt.type() + " ran past its time limit of " + limit + " (attempt "
                + attempt.number() + ") and was interrupted");
    }
}
