package dev.jobfleet.worker.run;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs claimed jobs: each on its own virtual thread, at most {@code concurrency} handlers at once
 * (a semaphore), and writes the outcomes of a batch with one {@link JobRepository#finish} call
 * once every run of the batch has one. The future of {@link #start} completes after that write,
 * which is what the Kafka listener waits for before its offsets are committed.
 *
 * <p>Outcomes are written under each run's fencing token; a run missing from the result was no
 * longer this worker's (its lease expired and the job was rescued) and is logged as a lost lease.
 */
public final class JobRunner {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final HandlerRegistry handlers;
    private final JobRepository jobs;
    private final RunOutcomes outcomes;
    private final WorkerMetrics metrics;
    private final Clock clock;
    private final String workerId;
    private final Duration lease;
    private final int concurrency;
    private final Semaphore slots;
    private final AtomicInteger unfinishedHandlers = new AtomicInteger();
    private final InFlightRuns inFlight = new InFlightRuns();
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("jobfleet-run-", 0).factory());

    public JobRunner(
            HandlerRegistry handlers,
            JobRepository jobs,
            RunOutcomes outcomes,
            WorkerMetrics metrics,
            Clock clock,
            String workerId,
            Duration lease,
            int concurrency) {
        this.handlers = handlers;
        this.jobs = jobs;
        this.outcomes = outcomes;
        this.metrics = metrics;
        this.clock = clock;
        this.workerId = workerId;
        this.lease = lease;
        this.concurrency = concurrency;
        this.slots = new Semaphore(concurrency, true);
    }

    /**
     * Starts every claimed run. The future completes with the state each written job ended in,
     * once the batch's outcomes are durable, or exceptionally if they could not be written.
     */
    public CompletableFuture<Map<UUID, JobState>> start(Claimed claimed) {
        if (claimed.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        List<Run> runs = claimed.claims().stream()
                .map(claim -> new Run(claim, workerId, lease, claimed.sentAtNanos(), jobs, this::lostByWrite))
                .toList();
        if (!inFlight.addAll(runs)) {
            runs.forEach(Run::settleAsReleased);
            release(runs, "claimed while shutting down");
            return CompletableFuture.completedFuture(Map.of());
        }
        unfinishedHandlers.addAndGet(runs.size());
        runs.forEach(run -> threads.execute(() -> execute(run)));
        CompletableFuture<?>[] settlements = runs.stream().map(Run::settlement).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(settlements).thenApplyAsync(ignored -> finish(runs), threads);
    }

    /** Handler slots not taken by a running or waiting handler; negative when a batch queues. */
    public int freeSlots() {
        return concurrency - unfinishedHandlers.get();
    }

    /** Waits until no run is held (all outcomes written or released); true if none is. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return inFlight.awaitEmpty(timeout);
    }

    /**
     * Shutdown: stops taking runs, gives every run whose handler has not returned back to PENDING
     * (without spending its attempt), interrupts those handlers and waits up to {@code exitWait}
     * for them to return. Runs whose handler already returned are left to their batch's write.
     *
     * @return how many jobs were released
     */
    public int releaseUnfinished(Duration exitWait) throws InterruptedException {
        List<Run> unfinished =
                inFlight.close().stream().filter(Run::settleAsReleased).toList();
        if (unfinished.isEmpty()) {
            return 0;
        }
        int released;
        try {
            released = release(unfinished, "released on shutdown");
        } finally {
            // released or not (database down: the reaper takes them once their leases expire),
            // their outcomes will not be written, so their handlers should stop
            unfinished.forEach(Run::interrupt);
        }
        CompletableFuture<?>[] exits = unfinished.stream().map(Run::exited).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(exitWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            long running = unfinished.stream().filter(r -> !r.exited().isDone()).count();
            log.warn(
                    "{} released handlers did not return within {} of their interrupt; they keep running, but their "
                            + "jobs are no longer theirs",
                    running,
                    exitWait);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a handler's exit future failed", e);
        }
        return released;
    }

    InFlightRuns inFlight() {
        return inFlight;
    }

    private void execute(Run run) {
        run.runningOn(Thread.currentThread());
        boolean permit = false;
        try {
            slots.acquire();
            permit = true;
            if (!run.isSettled()) {
                run.settle(invoke(run));
            }
        } catch (InterruptedException e) {
            // only shutdown interrupts, after releasing the run; settle() is then a no-op
            Thread.currentThread().interrupt();
            run.settle(outcomes.failed(run.attempt(), e));
        } finally {
            if (permit) {
                slots.release();
            }
            unfinishedHandlers.decrementAndGet();
            run.exited().complete(null);
        }
    }

    /**
     * Runs the handler; anything it throws is a failed attempt, kept in the job's errors. Errors
     * too: a handler's StackOverflowError must not leave its batch waiting forever.
     */
    private RunOutcome invoke(Run run) {
        long started = System.nanoTime();
        try {
            return outcomes.of(run.attempt(), handlers.require(run.type()).handle(run.context()));
        } catch (Throwable t) {
            if (t instanceof Error) {
                log.warn("handler of job {} ({}) attempt {} threw an Error", run.jobId(), run.type(), attempt(run), t);
            }
            return outcomes.failed(run.attempt(), t);
        } finally {
            metrics.ran(run.type(), Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private Map<UUID, JobState> finish(List<Run> runs) {
        Map<Run, RunOutcome> toWrite = new LinkedHashMap<>();
        runs.forEach(run -> {
            RunOutcome outcome = run.settlement().join();
            if (outcome != null) {
                toWrite.put(run, outcome);
            }
        });
        Map<UUID, JobState> written;
        try {
            written = jobs.finish(toWrite.values(), workerId);
        } catch (RuntimeException e) {
            log.warn(
                    "could not write the outcomes of {} runs; their leases expire and the reaper rescues them",
                    toWrite.size(),
                    e);
            throw e;
        } finally {
            inFlight.removeAll(runs);
        }
        toWrite.forEach((run, outcome) -> report(run, outcome, written.get(run.jobId())));
        return written;
    }

    /** A handler's write to its job changed nothing: the run lost the job, unless shutdown released it. */
    private void lostByWrite(Run run) {
        if (run.markLeaseLost() && !run.wasReleased()) {
            metrics.leaseLost();
            log.warn(
                    "job {} ({}) attempt {}: lease lost, a write of its handler was refused; another run owns the job",
                    run.jobId(),
                    run.type(),
                    attempt(run));
        }
    }

    private void report(Run run, RunOutcome outcome, JobState state) {
        if (state == null) {
            if (run.markLeaseLost()) {
                metrics.leaseLost();
                log.warn(
                        "job {} ({}) attempt {}: lease lost, its outcome {} was not written; another run owns the job",
                        run.jobId(),
                        run.type(),
                        attempt(run),
                        outcome.state());
            }
            return;
        }
        metrics.finished(run.type(), state);
        if (state.isTerminal()) {
            metrics.endToEnd(run.type(), Duration.between(run.claim().job().createdAt(), clock.instant()));
        }
        String error = outcome.error() == null ? "" : outcome.error().message();
        switch (state) {
            case SUCCEEDED -> log.debug("job {} ({}) succeeded at attempt {}", run.jobId(), run.type(), attempt(run));
            case RETRY_SCHEDULED ->
                log.info(
                        "job {} ({}) attempt {} failed, retry in {}: {}",
                        run.jobId(),
                        run.type(),
                        attempt(run),
                        outcome.retryDelay(),
                        error);
            case DEAD ->
                log.warn("job {} ({}) is DEAD after attempt {}: {}", run.jobId(), run.type(), attempt(run), error);
            case CANCELLED ->
                log.info("job {} ({}) cancelled by its handler: {}", run.jobId(), run.type(), outcome.detail());
            default -> throw new IllegalStateException("finish() moved job " + run.jobId() + " to " + state);
        }
    }

    private int release(List<Run> runs, String why) {
        Map<UUID, UUID> tokens = new LinkedHashMap<>();
        runs.forEach(run -> tokens.put(run.jobId(), run.token()));
        Set<UUID> released;
        try {
            released = jobs.release(tokens, workerId);
        } finally {
            inFlight.removeAll(runs);
        }
        log.info("{} jobs back to PENDING ({}): {}", released.size(), why, released);
        runs.stream()
                .filter(run -> !released.contains(run.jobId()))
                .forEach(run -> log.warn(
                        "job {} ({}) attempt {} was not released: its lease was already lost",
                        run.jobId(),
                        run.type(),
                        attempt(run)));
        return released.size();
    }

    private static String attempt(Run run) {
        return run.context().attempt() + "/" + run.context().maxAttempts();
    }
}
