package dev.jobfleet.worker.maintenance;

import dev.jobfleet.store.JobRepository;
import java.time.Duration;
import net.javacrumbs.shedlock.core.LockAssert;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Priority aging, so that low priorities never starve under a flood of high-priority work. Claims
 * take pending jobs by effective priority (0 first), then by {@code run_at}; this chore lowers the
 * effective priority of a pending job by one level for every {@code step} it has waited since it
 * was due ({@link JobRepository#agePriorities}). One instance at a time (ShedLock).
 *
 * <p><b>Starvation bound.</b> A job of priority {@code p} reaches effective priority 0 at most
 * {@code p x step + interval} after its {@code run_at} (so {@code 9 x step + interval} for the
 * lowest priority): each level is due {@code step} after the previous one, counted from {@code
 * run_at} and not from when the chore last ran, so a late run does not push the next level out.
 * From then on it is claimed before every job that became due after it, so it waits at most for
 * the claims already in flight and for jobs due earlier. The bound holds while the chore keeps up,
 * i.e. while fewer than {@code batch} jobs come due for a level per {@code interval}.
 */
public class PriorityAger {
    public static final String LOCK = "jobfleet-priority-aging";
    /** The bean name, which {@link #lockAtLeastFor()} is read through. */
    public static final String BEAN = "priorityAger";

    private static final Logger log = LoggerFactory.getLogger(PriorityAger.class);

    private final JobRepository jobs;
    private final Duration step;
    private final int batch;
    private final Duration interval;

    public PriorityAger(JobRepository jobs, Duration step, int batch, Duration interval) {
        this.jobs = jobs;
        this.step = step;
        this.batch = batch;
        this.interval = interval;
    }

    /** Lowers the effective priority of up to a batch of waiting jobs by one level. */
    @SchedulerLock(
            name = LOCK,
            lockAtMostFor = "#{@" + BEAN + ".lockAtMostFor()}",
            lockAtLeastFor = "#{@" + BEAN + ".lockAtLeastFor()}")
    public void run() {
        LockAssert.assertLocked();
        int aged = jobs.agePriorities(step, batch);
        if (aged > 0) {
            log.debug("{} waiting jobs one priority level up", aged);
        }
    }

    /** See {@link MaintenanceConfiguration#lockAtMostFor(Duration)}. */
    public String lockAtMostFor() {
        return MaintenanceConfiguration.lockAtMostFor(interval);
    }

    /** See {@link MaintenanceConfiguration#lockAtLeastFor(Duration)}. */
    public String lockAtLeastFor() {
        return MaintenanceConfiguration.lockAtLeastFor(interval);
    }
}
