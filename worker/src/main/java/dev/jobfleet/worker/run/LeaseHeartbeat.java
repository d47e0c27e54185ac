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
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;

/**
 * Extends the leases of every run this worker holds, in one statement, every third of the lease.
 *
 * <p>A run whose lease was not extended is lost: the job was rescued and may run elsewhere. When
 * the database cannot be reached, a run whose lease may expire before the next beat is taken as
 * lost too: the worker cannot prove it still holds it. Either way the run's {@link
 * dev.jobfleet.worker.api.JobContext#leaseLost()} turns true; its outcome will not be written.
 *
 * <p>A lifecycle of its own: it starts before anything can claim (the Kafka listener containers,
 * the worker's poller) and stops after them, so leases are extended for as long as shutdown lets
 * handlers finish. Stopping it alone freezes this worker's leases as a paused process would.
 */
public final class LeaseHeartbeat implements SmartLifecycle {
    /** Below the Kafka listener containers ({@code Integer.MAX_VALUE - 100}) and the worker's lifecycle. */
    public static final int PHASE = Integer.MAX_VALUE - 200;

    private static final Logger log = LoggerFactory.getLogger(LeaseHeartbeat.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final JobRunner runner;
    private final JobRepository jobs;
    private final WorkerMetrics metrics;
    private final Duration lease;
    private final Duration interval;
    private final PeriodicTask task;
    private volatile boolean running;

    public LeaseHeartbeat(
            JobRunner runner, JobRepository jobs, WorkerMetrics metrics, Duration lease, Duration interval) {
        this.runner = runner;
        this.jobs = jobs;
        this.metrics = metrics;
        this.lease = lease;
        this.interval = interval;
        this.task = new PeriodicTask("jobfleet-heartbeat", interval, this::beat);
    }

    @Override
    public void start() {
        task.start();
        running = true;
    }

    /** Stops beating; runs still held then keep their leases until those expire. */
    @Override
    public void stop() {
        running = false;
        try {
            task.stop(STOP_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while stopping the heartbeat");
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Extends the leases of every run held now, in one statement. */
    public void beat() {
        List<Run> runs = runner.inFlight().snapshot();
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
            log.warn("could not extend the leases of {} runs", runs.size(), e);
            losePastDue(runs, sent);
            return;
        }
        for (Run run : runs) {
            if (extended.contains(run.jobId())) {
                run.confirmed(sent);
            } else if (!run.isSettled() && runner.inFlight().contains(run)) {
                lose(run, "its lease was not extended (rescued after it expired)");
            }
        }
    }

    /** Runs whose lease, counted from its last confirmation, ends before the next beat. */
    private void losePastDue(List<Run> runs, long now) {
        for (Run run : runs) {
            long confirmedFor = now - run.confirmedAtNanos();
            if (!run.isSettled() && confirmedFor + interval.toNanos() >= lease.toNanos()) {
                lose(run, "its lease could not be confirmed for " + Duration.ofNanos(confirmedFor));
            }
        }
    }

    private void lose(Run run, String why) {
        if (run.markLeaseLost()) {
            metrics.leaseLost();
            log.warn(
                    "job {} ({}) attempt {}: lease lost, {}",
                    run.jobId(),
                    run.type(),
                    run.context().attempt(),
                    why);
        }
    }
}
