package dev.jobfleet.producer.relay;

import dev.jobfleet.model.Backoff;
import dev.jobfleet.store.JobRepository;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;

/**
 * Runs the {@link OutboxRelay} on one dedicated thread: drain, wait {@code interval}, drain again.
 * When a drain fails (Kafka or the database down) it waits longer and longer, up to {@code
 * maxBackoff}, and logs one WARN per outage with the size of the backlog, then one INFO when
 * relaying works again. The rows wait in the outbox meanwhile; nothing is lost.
 */
public class RelayLoop implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RelayLoop.class);

    private final OutboxRelay relay;
    private final JobRepository repository;
    private final Duration interval;
    private final Backoff backoff;
    private final Duration shutdownGrace;
    private volatile boolean running;
    private ScheduledExecutorService executor;
    /** Failed drains in a row; touched only by the relay thread. */
    private int failuresInARow;

    public RelayLoop(
            OutboxRelay relay, JobRepository repository, Duration interval, Duration maxBackoff, Duration sendTimeout) {
        this.relay = relay;
        this.repository = repository;
        this.interval = interval;
        this.backoff = new Backoff(interval, maxBackoff, 0.2);
        this.shutdownGrace = sendTimeout.plusSeconds(5);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("outbox-relay").daemon().factory());
        running = true;
        executor.execute(this::runOnce);
        log.info("Outbox relay started (interval {}, max backoff {})", interval, backoff.max());
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Outbox relay did not finish its batch within {}; interrupting it", shutdownGrace);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        log.info("Outbox relay stopped");
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void runOnce() {
        Duration next = interval;
        try {
            int published = relay.drain(() -> running);
            if (failuresInARow > 0) {
                log.info(
                        "Outbox relay recovered after {} failed attempts; published {} waiting rows",
                        failuresInARow,
                        published);
            }
            failuresInARow = 0;
        } catch (RuntimeException e) {
            failuresInARow++;
            next = backoff.delay(failuresInARow, ThreadLocalRandom.current());
            if (failuresInARow == 1) {
                log.warn(
                        "Outbox relay cannot publish; outbox backlog: {}; retrying with backoff up to {}: {}",
                        backlog(),
                        backoff.max(),
                        e.getMessage());
            } else {
                log.debug("Outbox relay attempt {} failed; next in {}", failuresInARow, next, e);
            }
        } catch (Error e) {
            log.error("Outbox relay stopped by an error; no more rows will be published by this instance", e);
            throw e;
        }
        scheduleNext(next);
    }

    private void scheduleNext(Duration delay) {
        if (!running) {
            return;
        }
        try {
            executor.schedule(this::runOnce, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stop() shut the executor down between the check and here: nothing more to run
            log.debug("Outbox relay stopping; next run not scheduled", e);
        }
    }

    private String backlog() {
        try {
            return repository.outboxSize() + " rows";
        } catch (DataAccessException e) {
            return "unknown, database unavailable: " + e.getMostSpecificCause();
        }
    }
}
