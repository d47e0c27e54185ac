package dev.jobfleet.worker.run;

import java.time.Duration;
import java.util.Map;

/**
 * Claims due jobs that no Kafka event will announce, for this worker's idle handler slots.
 *
 * <p>Why it exists: a Kafka event is published once, when a job is submitted. A job scheduled
 * for later ({@code runAt}) is skipped by the intake when its event arrives early; a retry made
 * pending again by the retry promoter, a job rescued by the lease reaper, a job handed back by a
 * worker that shut down, and an event whose claim lost to a crash all become claimable without a
 * new event. Polling {@code claimDue} is how they run, through the same {@link RunEngine}.
 *
 * <p>Suspects, jobs whose last run lost its worker (it died, perhaps because of that job), are
 * claimed only here and one at a time: a worker takes another only once the one it holds has run
 * for {@code suspectProbation} or ended. A job that crashes its JVM therefore never takes another
 * suspect down with it, and the innocent jobs it took down once run apart from it afterwards, so
 * they do not reach {@code max-rescues} for its sake.
 */
public final class DuePoller {
    private final RunEngine engine;
    private final JobClaims claims;
    private final int batch;
    private final Duration suspectProbation;
    private volatile boolean backlog;

    /**
     * @param suspectProbation how long a suspect (a job whose last run lost its worker) must have
     *     run on this worker before the poller takes another one
     */
    public DuePoller(RunEngine engine, JobClaims claims, int batch, Duration suspectProbation) {
        this.engine = engine;
        this.claims = claims;
        this.batch = batch;
        this.suspectProbation = suspectProbation;
    }

    /**
     * Claims and starts due jobs for the idle handler slots, until none is idle or nothing more is
     * due. When the slots ran out before the due jobs did, {@link #hasBacklog()} says so until the
     * next poll, and the engine wakes the poller as soon as a slot frees up.
     */
    public void pollOnce() {
        int free = Math.min(batch, engine.idleSlots());
        while (free > 0) {
            Claimed claimed = claims.due(free);
            boolean full = claimed.size() == free;
            // said before the runs start: a handler that ends at once must find it to wake the poller
            backlog = full;
            engine.submit(claimed, Map.of());
            if (!full) {
                break;
            }
            free = Math.min(batch, engine.idleSlots());
        }
        if (engine.idleSlots() > 0 && !engine.holdsSuspectOnProbation(suspectProbation)) {
            engine.submit(claims.suspect(), Map.of());
        }
    }

    /** Whether the last poll filled every idle slot and more due jobs may be waiting. */
    public boolean hasBacklog() {
        return backlog;
    }
}
