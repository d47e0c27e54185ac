package dev.jobfleet.worker.run;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loop on its own thread with a fixed delay between runs. A run that throws is logged and the
 * loop goes on (a scheduled executor would otherwise stop it for good).
 */
public final class PeriodicTask {
    private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

    private final String name;
    private final Duration interval;
    private final Runnable body;
    private ScheduledExecutorService executor;

    public PeriodicTask(String name, Duration interval, Runnable body) {
        this.name = name;
        this.interval = interval;
        this.body = body;
    }

    public synchronized void start() {
        if (executor != null) {
            throw new IllegalStateException(name + " already started");
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(name).daemon().factory());
        executor.scheduleWithFixedDelay(this::runOnce, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops scheduling and waits up to {@code wait} for a run in progress; true if it ended. */
    public synchronized boolean stop(Duration wait) throws InterruptedException {
        if (executor == null) {
            return true;
        }
        executor.shutdown();
        boolean ended = executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            log.warn("{} still running {} after stop", name, wait);
        }
        return ended;
    }

    private void runOnce() {
        try {
            body.run();
        } catch (RuntimeException e) {
            log.warn("{} failed; next run in {}", name, interval, e);
        }
    }
}
