package dev.jobfleet.worker.maintenance;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RescuePolicy;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.javacrumbs.shedlock.core.LockAssert;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes back runs whose lease expired (the worker died, hung or lost the database): a lost run is
 * backed off like a failed attempt (RETRY_SCHEDULED, then PENDING when due, claimed by the
 * workers' due-job pollers), or goes DEAD when it was the last attempt or the {@code max-rescues}-th
 * run in a row to lose its worker (a job that crashes its JVM must not take the fleet down in
 * turn). The old claim tokens stop working at that moment, so a worker that wakes up later cannot
 * finish, extend or release them. One instance at a time (ShedLock).
 */
public class LeaseReaper {
    /** The bean name, which {@link #lockAtLeastFor()} is read through. */
    public static final String BEAN = "leaseReaper";

    public static final String LOCK = "jobfleet-lease-reaper";
    private static final Logger log = LoggerFactory.getLogger(LeaseReaper.class);

    private final JobRepository jobs;
    private final WorkerMetrics metrics;
    private final String workerId;
    private final int batch;
    private final Duration interval;
    private final RescuePolicy policy;

    public LeaseReaper(
            JobRepository jobs,
            WorkerMetrics metrics,
            String workerId,
            int batch,
            Duration interval,
            RescuePolicy policy) {
        this.policy = policy;
        this.jobs = jobs;
        this.metrics = metrics;
        this.workerId = workerId;
        this.batch = batch;
        this.interval = interval;
    }

    /** Rescues up to a batch of expired runs. Void: ShedLock cannot lock a method returning a primitive. */
    @SchedulerLock(
            name = LOCK,
            lockAtMostFor = "#{@" + BEAN + ".lockAtMostFor()}",
            lockAtLeastFor = "#{@" + BEAN + ".lockAtLeastFor()}")
    public void run() {
        LockAssert.assertLocked();
        Map<UUID, JobState> rescued = jobs.rescueExpired(batch, policy, workerId + " (reaper)");
        if (rescued.isEmpty()) {
            return;
        }
        Map<JobState, Long> byState =
                rescued.values().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        byState.forEach(metrics::rescued);
        log.info("rescued {} runs with expired leases: {} -> {}", rescued.size(), byState, rescued.keySet());
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
