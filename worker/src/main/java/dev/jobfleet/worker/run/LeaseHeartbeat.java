package dev.jobfleet.worker.run;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * Extends the leases of every run this worker holds (queued, running, stuck, or waiting for its
 * outcome to be written), in one statement, every third of the lease, on a thread and a database
 * connection of its own: however busy the handlers are, they cannot starve it.
 *
 * <p>A run whose lease was not extended is lost: the job was rescued and may run elsewhere; its
 * handler is interrupted at once (within one beat of the loss). When the database cannot be
 * reached, a running handler whose lease may expire before the next beat is interrupted too: the
 * worker cannot prove it still holds the job. A run whose handler has already returned is left to
 * the completer, whose fenced write finds out for itself.
 */
public final class LeaseHeartbeat {
    private static final Logger log = LoggerFactory.getLogger(LeaseHeartbeat.class);

    private final RunEngine engine;
    private final JobRepository jobs;
    private final WorkerMetrics metrics;
    private final Duration lease;
    private final Duration interval;
    private final PeriodicTask task;

    /** @param jobs on the engine's own connections, not the handlers' pool */
    public LeaseHeartbeat(
            RunEngine engine, JobRepository jobs, WorkerMetrics metrics, Duration lease, Duration interval) {
        this.engine = engine;
        this.jobs = jobs;
        this.metrics = metrics;
        this.lease = lease;
        this.interval = interval;
        this.task = new PeriodicTask("jobfleet-heartbeat", interval, this::beat);
    }

    public void start() {
        task.start();
    }

    /** Stops beating; runs still held then keep their leases until those expire. */
    public void stop() throws InterruptedException {
        task.stop(Duration.ofSeconds(5));
    }

    /** The periodic task, for health: whether its last run ended in an Error. */
    public PeriodicTask task() {
        return task;
    }

    /** Extends the leases of every run held now, in one statement. */
    public void beat() {
        List<Run> runs = engine.inFlight().snapshot();
        if (runs.isEmpty()) {
            return;
        }
        Map<UUID, UUID> tokens = new LinkedHashMap<>();
        runs.forEach(run -> tokens.put(run.jobId(), run.token()));
        long sent = System.nanoTime();
        Set<UUID> extended;
        try {
            extended = jobs.extendLeases(tokens, lease);
        } catch (DataAccessException e) {
            log.warn(
                    "could not extend the leases of {} runs: {}",
                    runs.size(),
                    e.getMostSpecificCause().getMessage());
            stopPastDue(runs, sent);
            return;
        }
        metrics.heartbeat(runs.size(), Duration.ofNanos(System.nanoTime() - sent));
        for (Run run : runs) {
            if (extended.contains(run.jobId()) && !run.leaseKnownLost()) {
                run.confirmed(sent);
            } else if (!run.hasEnded() && !run.isSettled()) {
                // alive or queued after the statement: nothing of this run was written, so the loss is real
                if (run.markLeaseLost()) {
                    metrics.leaseLost();
                    log.warn("{}: lease lost (rescued after it expired); interrupting its handler", run);
                }
                engine.stop(run, Run.Stop.LEASE_LOST);
            }
        }
    }

    /** Runs whose lease, counted from its last confirmation, ends before the next beat: stop them. */
    private void stopPastDue(List<Run> runs, long now) {
        for (Run run : runs) {
            long confirmedFor = now - run.confirmedAtNanos();
            if (!run.hasEnded() && confirmedFor + interval.toNanos() >= lease.toNanos()) {
                if (run.stopReason() == null) {
                    log.warn(
                            "{}: its lease could not be confirmed for {} and may expire; interrupting its handler",
                            run,
                            Duration.ofNanos(confirmedFor));
                }
                engine.stop(run, Run.Stop.LEASE_LOST);
            }
        }
    }
}
