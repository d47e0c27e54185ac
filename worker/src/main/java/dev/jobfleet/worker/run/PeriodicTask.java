package dev.jobfleet.worker.run;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loop on its own platform thread with a fixed delay between runs. Whatever a run throws is
 * logged and the loop goes on: a scheduled executor would otherwise stop it for good, silently,
 * while the rest of the worker carried on. An {@link Error} (a StackOverflowError, an
 * OutOfMemoryError where the JVM was not told to exit on it) is logged at ERROR and marks the
 * task failing until a later run completes, which the worker's liveness probe reports.
 */
public final class PeriodicTask {
    private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

    private final String name;
    private final Duration interval;
    private final Runnable body;
    private ScheduledExecutorService executor;
    private volatile Error lastError;
    private final AtomicBoolean wakePending = new AtomicBoolean();

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

    /**
     * Runs the task once more as soon as its thread is free, besides its schedule. Wakes that come
     * while one is pending are one wake; a wake after {@link #stop} does nothing.
     */
    public void wake() {
        ScheduledExecutorService current;
        synchronized (this) {
            current = executor;
        }
        if (current == null || current.isShutdown() || !wakePending.compareAndSet(false, true)) {
            return;
        }
        try {
            current.execute(() -> {
                wakePending.set(false);
                runOnce();
            });
        } catch (RejectedExecutionException stopping) {
            // stop() shut the executor down between the check and here: the task is over, as asked
            wakePending.set(false);
            log.debug("{} woken while stopping", name);
        }
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

    public String name() {
        return name;
    }

    /** The Error of the last run, if it ended in one; null once a run completes again. */
    public Error lastError() {
        return lastError;
    }

    void runOnce() {
        try {
            body.run();
            lastError = null;
        } catch (RuntimeException e) {
            log.warn("{} failed; next run in {}", name, interval, e);
        } catch (Error e) {
            lastError = e;
            log.error(
                    "{} failed with an Error; it goes on, and the worker reports itself unhealthy until it "
                            + "completes a run",
                    name,
                    e);
        }
    }
}
