package dev.jobfleet.worker.maintenance;

import dev.jobfleet.store.JobRepository;
import java.time.Duration;
import net.javacrumbs.shedlock.core.LockAssert;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes retries whose backoff has passed claimable again: RETRY_SCHEDULED with {@code run_at}
 * due goes to PENDING, where the due-job pollers find it. One instance at a time (ShedLock).
 */
public class RetryPromoter {
    /** The bean name, which {@link #lockAtLeastFor()} is read through. */
    public static final String BEAN = "retryPromoter";

    public static final String LOCK = "jobfleet-retry-promoter";
    private static final Logger log = LoggerFactory.getLogger(RetryPromoter.class);

    private final JobRepository jobs;
    private final String workerId;
    private final int batch;
    private final Duration interval;

    public RetryPromoter(JobRepository jobs, String workerId, int batch, Duration interval) {
        this.jobs = jobs;
        this.workerId = workerId;
        this.batch = batch;
        this.interval = interval;
    }

    /** Promotes up to a batch of due retries. Void: ShedLock cannot lock a method returning a primitive. */
    @SchedulerLock(
            name = LOCK,
            lockAtMostFor = "#{@" + BEAN + ".lockAtMostFor()}",
            lockAtLeastFor = "#{@" + BEAN + ".lockAtLeastFor()}")
    public void run() {
        LockAssert.assertLocked();
        int promoted = jobs.promoteDueRetries(batch, workerId + " (retry promoter)");
        if (promoted > 0) {
            log.info("{} due retries back to PENDING", promoted);
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
