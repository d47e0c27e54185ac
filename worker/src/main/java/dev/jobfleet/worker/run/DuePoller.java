package dev.jobfleet.worker.run;

/**
 * Claims due jobs that no Kafka event will announce, while this worker has free handler slots.
 *
 * <p>Why it exists: a Kafka event is published once, when a job is submitted. A job scheduled
 * for later ({@code runAt}) is skipped by the listener when its event arrives early; a retry made
 * pending again by the retry promoter, a job rescued by the lease reaper, a job released by a
 * worker that shut down, and an event whose claim lost to a crash all become claimable without a
 * new event. Polling {@code claimDue} is how they run. Runs go through the same {@link
 * JobRunner} as the listener's: same slots, same batched outcome write.
 */
public final class DuePoller {
    private final JobRunner runner;
    private final JobClaims claims;

    public DuePoller(JobRunner runner, JobClaims claims) {
        this.runner = runner;
        this.claims = claims;
    }

    /** Claims and starts due jobs until slots run out or nothing more is due. */
    public void pollOnce() {
        int free = runner.freeSlots();
        while (free > 0) {
            Claimed claimed = claims.due(free);
            if (claimed.isEmpty()) {
                return;
            }
            // the runner writes the batch's outcomes when its runs end, and logs a failed write
            runner.start(claimed);
            if (claimed.size() < free) {
                return;
            }
            free = runner.freeSlots();
        }
    }
}
