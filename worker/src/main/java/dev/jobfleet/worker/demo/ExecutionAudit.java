package dev.jobfleet.worker.demo;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.api.JobContext;
import java.util.concurrent.Callable;

/**
 * Records each execution of a demo handler in {@code demo_execution} (job, worker, claim token,
 * start and end, by the database clock), so that double execution is one query away: {@link
 * JobRepository#overlappingExecutions()}.
 */
public final class ExecutionAudit {
    private final JobRepository jobs;

    public ExecutionAudit(JobRepository jobs) {
        this.jobs = jobs;
    }

    /** Runs {@code work} between a start and an end record; the end is written however it ends. */
    public Outcome record(JobContext context, Callable<Outcome> work) throws Exception {
        long execution =
                jobs.startExecution(context.jobId(), context.workerId(), context.claimToken(), context.attempt());
        Outcome outcome;
        try {
            outcome = work.call();
        } catch (Exception e) {
            try {
                jobs.endExecution(execution);
            } catch (RuntimeException endFailed) {
                e.addSuppressed(endFailed);
            }
            throw e;
        }
        jobs.endExecution(execution);
        return outcome;
    }
}
