package dev.jobfleet.worker;

import dev.jobfleet.worker.run.DuePoller;
import dev.jobfleet.worker.run.JobRunner;
import dev.jobfleet.worker.run.PeriodicTask;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * Starts the due-job poller, and shuts the worker down in order:
 *
 * <ol>
 *   <li>readiness goes to REFUSING_TRAFFIC;
 *   <li>the poller stops claiming and the Kafka listener containers are told to stop (a listener
 *       in the middle of a batch finishes it; its offsets are committed when it returns);
 *   <li>running handlers get up to {@code jobfleet.worker.shutdown-grace} to finish, their leases
 *       still extended by the heartbeat;
 *   <li>runs still going then are released to PENDING without spending their attempt, and their
 *       handlers interrupted; outcomes that are in are written.
 * </ol>
 *
 * Its phase is above the listener containers', so this runs before Spring stops them itself,
 * before the {@link dev.jobfleet.worker.run.LeaseHeartbeat} stops (its phase is lower), and well
 * before the data source closes.
 */
public class WorkerLifecycle implements SmartLifecycle {
    /** Stops before the Kafka listener containers (phase {@code Integer.MAX_VALUE - 100}). */
    public static final int PHASE = Integer.MAX_VALUE - 50;

    private static final Logger log = LoggerFactory.getLogger(WorkerLifecycle.class);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);
    private static final Duration LISTENER_STOP_WAIT = Duration.ofSeconds(10);

    private final JobRunner runner;
    private final KafkaListenerEndpointRegistry listeners;
    private final ApplicationEventPublisher events;
    private final Duration grace;
    private final PeriodicTask poller;
    private volatile boolean running;

    public WorkerLifecycle(
            JobRunner runner,
            DuePoller poller,
            KafkaListenerEndpointRegistry listeners,
            ApplicationEventPublisher events,
            WorkerProperties properties) {
        this.runner = runner;
        this.listeners = listeners;
        this.events = events;
        this.grace = properties.shutdownGrace();
        this.poller = new PeriodicTask("jobfleet-poller", properties.pollInterval(), poller::pollOnce);
    }

    @Override
    public void start() {
        poller.start();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            poller.stop(grace);
            CountDownLatch listenersStopped = new CountDownLatch(1);
            listeners.stop(listenersStopped::countDown);
            if (!runner.awaitIdle(left(deadline))) {
                log.info("handlers still running after the shutdown grace of {}", grace);
            }
            int released = runner.releaseUnfinished(EXIT_WAIT);
            if (!listenersStopped.await(LISTENER_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Kafka listeners did not stop within {}", LISTENER_STOP_WAIT);
            }
            runner.awaitIdle(EXIT_WAIT);
            log.info("worker stopped; {} unfinished jobs released", released);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while shutting down; unreleased runs are rescued when their leases expire");
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

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
