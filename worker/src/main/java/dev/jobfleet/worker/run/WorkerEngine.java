package dev.jobfleet.worker.run;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.kafka.JobConsumer;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the worker's stages and stops them in the order that keeps G1 across shutdown:
 *
 * <ol>
 *   <li>readiness goes to REFUSING_TRAFFIC;
 *   <li>intake stops: the poll thread takes no more batches (the consumer stays in its group and
 *       keeps committing), the due-job poller stops claiming; runs claimed but not started are
 *       handed back (their handlers never ran);
 *   <li>running handlers get up to {@code shutdown-grace} to finish, their leases still extended;
 *   <li>the rest are interrupted, and shutdown waits up to {@code shutdown-exit-wait} for their
 *       threads to end;
 *   <li>what the ended runs produced is written: outcomes, and a hand-back (to PENDING, attempt
 *       not spent) for each run that gave up because it was interrupted. Only runs whose handler
 *       thread has ended are handed back; a run whose thread still lives is left to its lease, which
 *       expires once the process is gone (the reaper then rescues it);
 *   <li>the partitions' watermarks are committed and the consumer closes; the heartbeat and the
 *       completer stop last.
 * </ol>
 *
 * Its phase is above the web server's, so readiness answers 503 while this runs.
 */
public final class WorkerEngine implements SmartLifecycle {
    public static final int PHASE = Integer.MAX_VALUE - 50;

    private static final Logger log = LoggerFactory.getLogger(WorkerEngine.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final RunEngine engine;
    private final Completer completer;
    private final LeaseHeartbeat heartbeat;
    private final PeriodicTask poller;
    private final List<PeriodicTask> chores;
    private final JobConsumer consumer;
    private final ApplicationEventPublisher events;
    private final Duration grace;
    private final Duration exitWait;
    private volatile boolean running;

    /**
     * @param engineJobs on the engine's own connections (completer and heartbeat), apart from the handlers'
     * @param chores periodic tasks that start with the engine and stop after intake (dead-letter relay)
     */
    public WorkerEngine(
            RunEngine engine,
            JobRepository engineJobs,
            DuePoller poller,
            JobConsumer consumer,
            List<PeriodicTask> chores,
            ApplicationEventPublisher events,
            String workerId,
            Duration lease,
            Duration heartbeatInterval,
            Duration pollInterval,
            Duration completerFlush,
            int completerBatch,
            Duration grace,
            Duration exitWait,
            dev.jobfleet.worker.metrics.WorkerMetrics metrics) {
        this.engine = engine;
        this.completer = new Completer(engineJobs, workerId, completerFlush, completerBatch, engine);
        this.heartbeat = new LeaseHeartbeat(engine, engineJobs, metrics, lease, heartbeatInterval);
        this.poller = new PeriodicTask("jobfleet-poller", pollInterval, poller::pollOnce);
        // a backlog of due jobs (retries, scheduled, rescued) is claimed as fast as slots free up,
        // not one slot-full per poll interval
        engine.onSlotFreed(() -> {
            if (poller.hasBacklog()) {
                this.poller.wake();
            }
        });
        this.chores = List.copyOf(chores);
        this.consumer = consumer;
        this.events = events;
        this.grace = grace;
        this.exitWait = exitWait;
    }

    @Override
    public void start() {
        engine.start(completer);
        completer.start();
        heartbeat.start();
        chores.forEach(PeriodicTask::start);
        poller.start();
        consumer.start();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        long started = System.nanoTime();
        try {
            if (!consumer.stopIntake(STOP_WAIT)) {
                log.warn("the poll thread did not stop taking batches within {}", STOP_WAIT);
            }
            poller.stop(STOP_WAIT);
            engine.close();
            if (!engine.awaitIdle(grace)) {
                int asked = engine.stopAll();
                log.info("shutdown grace of {} is over; interrupting {} handlers", grace, asked);
                List<Run> alive = engine.awaitHandlers(exitWait);
                if (!alive.isEmpty()) {
                    log.warn(
                            "{} handlers did not return within {} of their interrupt; their jobs are left to their "
                                    + "leases (never handed back while a handler runs): {}",
                            alive.size(),
                            exitWait,
                            alive);
                }
            }
            if (!completer.drain(exitWait)) {
                log.warn("{} completions were not written within {}", completer.outstanding(), exitWait);
            }
            consumer.close(STOP_WAIT);
            chores.forEach(chore -> stopQuietly(chore));
            heartbeat.stop();
            completer.stop(Duration.ofSeconds(1));
            engine.shutdownTimer();
            log.info(
                    "worker stopped in {} ms; {} runs left to their leases",
                    Duration.ofNanos(System.nanoTime() - started).toMillis(),
                    engine.inFlightRuns());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while shutting down; runs still held are rescued when their leases expire");
        }
    }

    private static void stopQuietly(PeriodicTask task) {
        try {
            task.stop(STOP_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    public RunEngine engine() {
        return engine;
    }

    public LeaseHeartbeat heartbeat() {
        return heartbeat;
    }

    /** The periodic tasks whose health the liveness probe reads. */
    public List<PeriodicTask> tasks() {
        List<PeriodicTask> all = new java.util.ArrayList<>(chores);
        all.add(poller);
        all.add(heartbeat.task());
        return all;
    }

    public JobConsumer consumer() {
        return consumer;
    }

    /** Waits until every run is settled; for tests and for shutdown. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return engine.awaitIdle(timeout);
    }
}
