package dev.jobfleet.worker.run;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.worker.api.LeaseLostException;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run stage: every claimed job runs and completes on its own clock.
 *
 * <ul>
 *   <li>At most {@code concurrency} handlers run at once, each on its own virtual thread; a claimed
 *       run waits in a queue for a free slot, and a slot is free the moment its handler returns.
 *   <li>Each run has a time limit ({@link HandlerTimeouts}); past it the thread is interrupted and
 *       the attempt fails with a {@link HandlerTimeoutException}, retried with backoff.
 *   <li>A handler that does not return after being asked to stop (time limit, lost lease,
 *       shutdown) for {@code stuckAfter} is <em>stuck</em>: reported once with its stack, counted
 *       in a gauge, and it keeps its slot and its job (never handed back while the thread lives).
 *   <li>What a run ended with goes to the {@link Completer}; the run leaves the in-flight set, and
 *       its Kafka records are settled, only when that is durable.
 * </ul>
 */
public final class RunEngine implements Completer.Settlements {
    private static final Logger log = LoggerFactory.getLogger(RunEngine.class);

    private final HandlerRegistry handlers;
    private final JobRepository jobs;
    private final RunOutcomes outcomes;
    private final HandlerTimeouts timeouts;
    private final WorkerMetrics metrics;
    private final Clock clock;
    private final String workerId;
    private final Duration lease;
    private final int concurrency;
    private final int capacity;
    private final Duration stuckAfter;
    private final InFlightRuns inFlight = new InFlightRuns();
    private final ArrayDeque<Run> queued = new ArrayDeque<>();
    private final ThreadFactory handlerThreads =
            Thread.ofVirtual().name("jobfleet-run-", 0).factory();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("jobfleet-run-timer").daemon().factory());
    private Completer completer;
    private volatile int drainedBelow;
    private volatile Runnable onDrained;
    private volatile Runnable onSlotFreed;
    private int busy;
    private int stuck;

    /**
     * @param jobs the handlers' connection pool, for their fenced writes
     * @param capacity the most runs this worker holds at once (running, queued, or completing)
     * @param stuckAfter how long a handler may go on after being asked to stop before it is stuck
     */
    public RunEngine(
            HandlerRegistry handlers,
            JobRepository jobs,
            RunOutcomes outcomes,
            HandlerTimeouts timeouts,
            WorkerMetrics metrics,
            Clock clock,
            String workerId,
            Duration lease,
            int concurrency,
            int capacity,
            Duration stuckAfter) {
        this.handlers = handlers;
        this.jobs = jobs;
        this.outcomes = outcomes;
        this.timeouts = timeouts;
        this.metrics = metrics;
        this.clock = clock;
        this.workerId = workerId;
        this.lease = lease;
        this.concurrency = concurrency;
        this.capacity = capacity;
        this.stuckAfter = stuckAfter;
        metrics.engineGauges(this::busySlots, this::queuedRuns, this::inFlightRuns, this::stuckHandlers);
    }

    /** Wires the completer (it reports back to this engine) and starts the stuck-handler watch. */
    void start(Completer completer) {
        this.completer = completer;
        long every = Math.max(50, Math.min(1000, stuckAfter.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::watchStuck, every, every, TimeUnit.MILLISECONDS);
    }

    // ---- intake -------------------------------------------------------------------------------

    /**
     * Takes the runs of a claim. Each run's {@code onSettled} callbacks (by job id) run once its
     * completion is durable. While shutting down, the runs are handed back at once instead.
     */
    public void submit(Claimed claimed, Map<UUID, List<Runnable>> onSettled) {
        if (claimed.isEmpty()) {
            return;
        }
        List<Run> runs = new ArrayList<>(claimed.size());
        for (Claim claim : claimed.claims()) {
            runs.add(new Run(
                    claim,
                    workerId,
                    lease,
                    timeouts.of(claim.job()),
                    claimed.sentAtNanos(),
                    jobs,
                    this::lostByWrite,
                    onSettled.getOrDefault(claim.jobId(), List.of())));
        }
        if (!inFlight.addAll(runs)) {
            // claimed while shutting down: their handlers never start, so they may go back at once
            runs.forEach(run -> {
                completer.complete(run, null);
                run.ended();
            });
            return;
        }
        synchronized (this) {
            queued.addAll(runs);
        }
        dispatch();
    }

    /** Runs held now: queued, running, or waiting for their completion to be written. */
    public int inFlightRuns() {
        return inFlight.size();
    }

    /** How many more runs this worker takes before it should stop claiming. */
    public int freeCapacity() {
        return Math.max(0, capacity - inFlight.size());
    }

    /**
     * Handler slots that are free and not already promised to a queued run: what the due-job
     * poller may claim. It never claims for the queue, so a worker whose slots are all taken by
     * long handlers leaves due jobs to workers with room.
     */
    public synchronized int idleSlots() {
        return Math.max(0, Math.min(concurrency - busy - queued.size(), freeCapacity()));
    }

    public int capacity() {
        return capacity;
    }

    public synchronized int busySlots() {
        return busy;
    }

    public synchronized int queuedRuns() {
        return queued.size();
    }

    /** Handlers asked to stop that have not returned within {@code stuckAfter}. */
    public synchronized int stuckHandlers() {
        return stuck;
    }

    /**
     * Whether this worker holds a suspect (a job whose last run lost its worker) that is still on
     * probation: not yet ended and running for less than {@code probation}. While it does, the
     * poller takes no other suspect, so a job that crashes its JVM takes no other suspect with it.
     */
    public boolean holdsSuspectOnProbation(Duration probation) {
        long now = System.nanoTime();
        for (Run run : inFlight.snapshot()) {
            if (run.claim().job().lostRuns() > 0
                    && !run.hasEnded()
                    && (!run.hasStarted() || now - run.startedAtNanos() < probation.toNanos())) {
                return true;
            }
        }
        return false;
    }

    InFlightRuns inFlight() {
        return inFlight;
    }

    // ---- running ------------------------------------------------------------------------------

    /**
     * Calls {@code action} whenever a handler starts and fewer than {@code below} claimed runs are
     * left waiting for a slot: the poll thread, paused while the queue was full, resumes at once
     * instead of at the end of its poll.
     */
    public void onQueueDrained(int below, Runnable action) {
        this.drainedBelow = below;
        this.onDrained = action;
    }

    /**
     * Calls {@code action} whenever a handler has returned and its slot is free for another run
     * (after the queue had its turn): the due-job poller, which claims only for idle slots, is
     * woken at once while it has a backlog instead of waiting for its next interval. It runs on the
     * handler's thread and must only hand work off.
     */
    public void onSlotFreed(Runnable action) {
        this.onSlotFreed = action;
    }

    private void dispatch() {
        List<Run> starting = new ArrayList<>();
        int left;
        synchronized (this) {
            while (busy < concurrency && !queued.isEmpty()) {
                Run run = queued.poll();
                if (run.stopReason() != null) {
                    dropUnstarted(run);
                    continue;
                }
                busy++;
                starting.add(run);
            }
            left = queued.size();
        }
        for (Run run : starting) {
            Thread thread = handlerThreads.newThread(() -> execute(run));
            run.started(thread);
            thread.start();
        }
        Runnable drained = onDrained;
        if (drained != null && !starting.isEmpty() && left < drainedBelow) {
            drained.run();
        }
    }

    /** A queued run that was stopped before it started (lost lease, shutdown): hand it back. */
    private void dropUnstarted(Run run) {
        completer.complete(run, null);
        run.ended();
    }

    private void execute(Run run) {
        ScheduledFuture<?> limit = timer.schedule(
                () -> {
                    if (run.stop(Run.Stop.TIMEOUT)) {
                        metrics.timedOut(run.type());
                        log.info("{} ran past its time limit of {}; interrupting its handler", run, run.timeout());
                    }
                },
                run.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        long started = System.nanoTime();
        dev.jobfleet.model.Outcome returned = null;
        Throwable thrown = null;
        try {
            if (run.stopReason() == null) {
                returned = handlers.require(run.type()).handle(run.context());
            } else {
                thrown = new InterruptedException("stopped before it started");
            }
        } catch (Throwable t) {
            thrown = t;
            if (t instanceof Error) {
                log.warn("handler of {} threw an Error", run, t);
            }
        } finally {
            limit.cancel(false);
        }
        metrics.ran(run.type(), Duration.ofNanos(System.nanoTime() - started));
        RunOutcome outcome = decide(run, returned, thrown);
        Thread.interrupted(); // the flag belongs to this run, which is over
        boolean wasStuck;
        synchronized (this) {
            busy--;
            wasStuck = run.isStuck();
            if (wasStuck) {
                stuck--;
            }
        }
        // queued before the run counts as ended, so whoever waits for the handlers to end (shutdown)
        // finds their completions with the completer
        completer.complete(run, outcome);
        run.ended();
        if (wasStuck) {
            log.warn(
                    "{}: the stuck handler returned after {} ms; its slot is free again",
                    run,
                    Duration.ofNanos(System.nanoTime() - run.stoppedAtNanos()).toMillis());
        }
        dispatch();
        Runnable freed = onSlotFreed;
        if (freed != null) {
            freed.run();
        }
    }

    /**
     * What a run ended with: its handler's outcome, a timeout failure, or {@code null} to hand the
     * job back (stopped for shutdown or a lost lease and the handler gave up: it may run again
     * without spending the attempt; the hand-back is fenced, so it does nothing if the job is gone).
     */
    private RunOutcome decide(Run run, dev.jobfleet.model.Outcome returned, Throwable thrown) {
        Run.Stop stop = run.stopReason();
        if (thrown instanceof LeaseLostException) {
            lostByWrite(run);
            return null;
        }
        if (stop == Run.Stop.TIMEOUT) {
            return outcomes.timedOut(run.attempt(), run.timeout());
        }
        if (stop == Run.Stop.LEASE_LOST || (stop == Run.Stop.SHUTDOWN && thrown != null)) {
            return null;
        }
        return thrown != null ? outcomes.failed(run.attempt(), thrown) : outcomes.of(run.attempt(), returned);
    }

    /** Asks a run to stop (interrupting its handler); queued runs are dropped when reached. */
    void stop(Run run, Run.Stop why) {
        if (run.stop(why) && !run.hasStarted()) {
            boolean removed;
            synchronized (this) {
                removed = queued.remove(run);
            }
            if (removed) {
                dropUnstarted(run);
            }
        }
    }

    private void watchStuck() {
        long now = System.nanoTime();
        for (Run run : inFlight.snapshot()) {
            if (run.isRunning() && run.stopReason() != null && now - run.stoppedAtNanos() > stuckAfter.toNanos()) {
                boolean first;
                synchronized (this) {
                    first = run.isRunning() && run.markStuck();
                    if (first) {
                        stuck++;
                    }
                }
                if (first) {
                    Thread thread = run.thread();
                    String stack = Arrays.stream(thread.getStackTrace())
                            .map(frame -> "\tat " + frame)
                            .collect(Collectors.joining("\n"));
                    log.warn(
                            "stuck handler: {} was asked to stop ({}) {} ms ago and its thread {} has not returned; it "
                                    + "keeps its slot and its job until it does (stuck handlers: {})\n{}",
                            run,
                            run.stopReason(),
                            Duration.ofNanos(now - run.stoppedAtNanos()).toMillis(),
                            thread,
                            stuckHandlers(),
                            stack);
                }
            }
        }
    }

    // ---- shutdown -----------------------------------------------------------------------------

    /** Takes no more runs; queued runs that have not started are handed back. */
    void close() {
        inFlight.close();
        List<Run> unstarted;
        synchronized (this) {
            unstarted = new ArrayList<>(queued);
            queued.clear();
        }
        unstarted.forEach(run -> {
            run.stop(Run.Stop.SHUTDOWN);
            dropUnstarted(run);
        });
        if (!unstarted.isEmpty()) {
            log.info("{} claimed runs had not started; handing them back", unstarted.size());
        }
    }

    /** Waits until no run is held (all settled) or the timeout passes; true if none is. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        return inFlight.awaitEmpty(timeout);
    }

    /** Asks every running handler to stop for shutdown; returns how many were asked. */
    int stopAll() {
        int asked = 0;
        for (Run run : inFlight.snapshot()) {
            if (!run.hasEnded() && run.stop(Run.Stop.SHUTDOWN)) {
                asked++;
            }
        }
        return asked;
    }

    /** Waits up to {@code timeout} for every handler thread to end; returns the runs whose thread still lives. */
    List<Run> awaitHandlers(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Run run : inFlight.snapshot()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                run.endedFuture().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a run's end future failed", e);
            }
        }
        return inFlight.snapshot().stream().filter(run -> !run.hasEnded()).toList();
    }

    void shutdownTimer() {
        timer.shutdownNow();
    }

    // ---- settlements (from the completer) -----------------------------------------------------

    @Override
    public void written(Run run, RunOutcome outcome, JobState state) {
        settle(run);
        metrics.finished(run.type(), state);
        if (state.isTerminal()) {
            metrics.endToEnd(run.type(), Duration.between(run.claim().job().createdAt(), clock.instant()));
        }
        String error = outcome.error() == null ? "" : outcome.error().message();
        switch (state) {
            case SUCCEEDED -> log.debug("{} succeeded", run);
            case RETRY_SCHEDULED -> log.info("{} failed, retry in {}: {}", run, outcome.retryDelay(), error);
            case DEAD -> log.warn("{} is DEAD: {}", run, error);
            case CANCELLED -> log.info("{} cancelled by its handler: {}", run, outcome.detail());
            default -> throw new IllegalStateException("finish() moved " + run + " to " + state);
        }
    }

    @Override
    public void handedBack(Run run, boolean released) {
        settle(run);
        if (released) {
            log.info("{} handed back to PENDING ({})", run, run.stopReason());
        } else if (run.markLeaseLost()) {
            metrics.leaseLost();
            log.warn("{} was not handed back: its lease was already lost", run);
        }
    }

    @Override
    public void lost(Run run, RunOutcome outcome) {
        settle(run);
        if (run.markLeaseLost()) {
            metrics.leaseLost();
        }
        log.warn(
                "{}: lease lost, its outcome {} was not written; another run owns the job",
                run,
                outcome == null ? "(none)" : outcome.state());
    }

    @Override
    public void abandoned(Run run, RuntimeException error) {
        settle(run);
        log.error(
                "{}: its completion could not be written and is left to its lease: {}", run, error.getMessage(), error);
    }

    @Override
    public void flushed(int size, Duration took) {
        metrics.outcomesFlushed(size, took);
    }

    @Override
    public void writeFailed(int size, RuntimeException error) {
        metrics.outcomeWriteFailed();
        log.warn("could not write {} completions, retrying: {}", size, error.getMessage());
    }

    private void settle(Run run) {
        inFlight.remove(run);
        run.settle();
    }

    /** A handler's write to its job changed nothing: the run lost the job. */
    private void lostByWrite(Run run) {
        if (run.markLeaseLost()) {
            metrics.leaseLost();
            log.warn("{}: lease lost, a write of its handler was refused; another run owns the job", run);
        }
        stop(run, Run.Stop.LEASE_LOST);
    }
}
