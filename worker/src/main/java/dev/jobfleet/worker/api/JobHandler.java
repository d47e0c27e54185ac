package dev.jobfleet.worker.api;

import dev.jobfleet.model.Outcome;

/**
 * Runs the jobs of one type. Register an implementation as a Spring bean and the worker claims
 * jobs of {@link #type()} and hands each claimed run to {@link #handle}.
 *
 * <p>Return an {@link Outcome} for everything you expect: {@link Outcome#completed()}, {@link
 * Outcome#retry(String)} (the type's backoff decides when), {@link Outcome#retryAfter}, {@link
 * Outcome#cancel(String)} or {@link Outcome#discard(String)}. Throw only for the unexpected: a
 * thrown exception is a failed attempt, kept in the job's errors and retried with backoff until
 * {@code maxAttempts} is spent.
 *
 * <p>A handler may run again for the same job (at-least-once: a worker that dies mid-run has its
 * run rescued), but never at the same time as another run of that job while the lease holds. Long
 * handlers should check {@link JobContext#leaseLost()} and stop early when it turns true.
 */
public interface JobHandler {

    /** The job type this handler runs, e.g. {@code "email.send"}; one handler per type per worker. */
    String type();

    Outcome handle(JobContext context) throws Exception;
}
