package dev.jobfleet.worker.maintenance;

import dev.jobfleet.store.Schedules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enqueues the jobs of due recurring schedules ({@link Schedules#enqueueDue}). It runs on every
 * instance, without ShedLock, on purpose: a tick's job carries the idempotency key {@code
 * schedule:<name>:<tick>}, so the database's unique constraint makes one job per tick however
 * many instances get there at once, and a tick is enqueued by whichever instance is first rather
 * than waiting for the one that holds a lock.
 */
public class ScheduleEnqueuer {
    /** Schedules handled per run. */
    static final int BATCH = 100;

    private static final Logger log = LoggerFactory.getLogger(ScheduleEnqueuer.class);

    private final Schedules schedules;

    public ScheduleEnqueuer(Schedules schedules) {
        this.schedules = schedules;
    }

    public void run() {
        int created = schedules.enqueueDue(BATCH);
        if (created > 0) {
            log.debug("enqueued {} jobs of due schedules", created);
        }
    }
}
