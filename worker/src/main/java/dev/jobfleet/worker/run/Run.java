package dev.jobfleet.worker.run;

import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.api.JobContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One claimed job on this worker, from its claim until its outcome is durable (or it is handed
 * back, or found lost). Its life:
 *
 * <ol>
 *   <li><b>queued</b>: claimed, waiting for a handler slot (its lease is extended all the same);
 *   <li><b>running</b>: a handler thread runs it; the worker may ask it to {@link Stop stop}
 *       (time limit, lost lease, shutdown), which interrupts the thread;
 *   <li><b>ended</b>: the thread has returned; its completion (outcome or hand-back) is with the
 *       {@link Completer};
 *   <li><b>settled</b>: the completion is durable, or the run was found to no longer hold the job.
 * </ol>
 *
 * The run stays in the heartbeat's set until settled, so a run whose outcome waits for the
 * database keeps its lease; and a run is handed back only once its thread has ended, so the job
 * never runs in two places at once because of this worker (G1).
 */
final class Run {
    /** Why the worker asked a handler to stop. The first reason wins. */
    enum Stop {
        /** The run passed its time limit; the attempt fails with a timeout error. */
        TIMEOUT,
        /** The lease is gone, or cannot be confirmed before it would expire. */
        LEASE_LOST,
        /** The worker is shutting down and the grace period is over. */
        SHUTDOWN
    }

    private final Claim claim;
    private final Attempt attempt;
    private final JobContext context;
    private final Duration timeout;
    private final List<Runnable> onSettled;
    private final long presumedLostAfterNanos;
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    private final AtomicBoolean leaseLost = new AtomicBoolean();
    private final AtomicBoolean settled = new AtomicBoolean();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile long confirmedAtNanos;
    private volatile long startedAtNanos;
    private volatile long stoppedAtNanos;
    private volatile Thread thread;
    private volatile boolean stuck;

    /**
     * @param claimedAtNanos when the claim statement was sent: its lease counts from there
     * @param jobs for the handler's fenced writes to its job
     * @param lostByWrite called when such a write finds that this run no longer holds the job
     * @param onSettled called once when the run is settled (the Kafka records it came from)
     */
    Run(
            Claim claim,
            String workerId,
            Duration lease,
            Duration timeout,
            long claimedAtNanos,
            JobRepository jobs,
            Consumer<Run> lostByWrite,
            List<Runnable> onSettled) {
        this.claim = claim;
        this.timeout = timeout;
        this.onSettled = List.copyOf(onSettled);
        this.presumedLostAfterNanos = lease.toNanos() - lease.toNanos() / 6;
        this.attempt = Attempt.of(claim);
        this.confirmedAtNanos = claimedAtNanos;
        this.context = new JobContext(
                claim.jobId(),
                claim.job().type(),
                claim.job().payload(),
                claim.job().attempts(),
                claim.job().maxAttempts(),
                claim.token(),
                workerId,
                claim.job().metadata(),
                this::leaseLostOrPresumed,
                new FencedRunWrites(jobs, claim.jobId(), claim.token(), () -> lostByWrite.accept(this)),
                () -> Optional.ofNullable(stop.get()).map(this::describe));
    }

    Claim claim() {
        return claim;
    }

    Attempt attempt() {
        return attempt;
    }

    UUID jobId() {
        return claim.jobId();
    }

    UUID token() {
        return claim.token();
    }

    String type() {
        return claim.job().type();
    }

    JobContext context() {
        return context;
    }

    Duration timeout() {
        return timeout;
    }

    // ---- the lease ----------------------------------------------------------------------------

    /** Marks the lease known lost; true only for the first call, so each loss is counted once. */
    boolean markLeaseLost() {
        return leaseLost.compareAndSet(false, true);
    }

    /** The database said so: the heartbeat extended nothing, or a fenced write changed nothing. */
    boolean leaseKnownLost() {
        return leaseLost.get();
    }

    private boolean leaseLostOrPresumed() {
        return leaseLost.get() || System.nanoTime() - confirmedAtNanos > presumedLostAfterNanos;
    }

    /** When the database last confirmed the lease (claim or extension), by {@link System#nanoTime()}. */
    long confirmedAtNanos() {
        return confirmedAtNanos;
    }

    void confirmed(long nanos) {
        confirmedAtNanos = nanos;
    }

    // ---- the handler thread -------------------------------------------------------------------

    /** The handler thread starts. */
    void started(Thread t) {
        startedAtNanos = System.nanoTime();
        thread = t;
    }

    /** Started and not yet ended. */
    boolean isRunning() {
        return thread != null && !ended.isDone();
    }

    boolean hasStarted() {
        return thread != null;
    }

    /** The thread has returned from the handler (or the run never started and never will). */
    void ended() {
        ended.complete(null);
    }

    boolean hasEnded() {
        return ended.isDone();
    }

    CompletableFuture<Void> endedFuture() {
        return ended;
    }

    long startedAtNanos() {
        return startedAtNanos;
    }

    Thread thread() {
        return thread;
    }

    /**
     * Asks the handler to stop, for {@code why}, and interrupts its thread if it runs (unless the
     * caller is that thread: a handler whose own write found the job gone already knows, from the
     * exception). Only the first reason counts; returns whether this call was it.
     */
    boolean stop(Stop why) {
        if (!stop.compareAndSet(null, why)) {
            return false;
        }
        stoppedAtNanos = System.nanoTime();
        Thread t = thread;
        if (t != null && t != Thread.currentThread() && !ended.isDone()) {
            t.interrupt();
        }
        return true;
    }

    /** Why the worker asked the handler to stop; null if it did not. */
    Stop stopReason() {
        return stop.get();
    }

    long stoppedAtNanos() {
        return stoppedAtNanos;
    }

    /** Marks the run stuck (asked to stop, thread still alive); true only the first time. */
    boolean markStuck() {
        if (stuck) {
            return false;
        }
        stuck = true;
        return true;
    }

    boolean isStuck() {
        return stuck;
    }

    // ---- settlement ---------------------------------------------------------------------------

    /** Settles the run once: runs the callbacks of the records it came from; false if already settled. */
    boolean settle() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        onSettled.forEach(Runnable::run);
        return true;
    }

    boolean isSettled() {
        return settled.get();
    }

    private String describe(Stop why) {
        return switch (why) {
            case TIMEOUT -> "its time limit of " + timeout + " passed";
            case LEASE_LOST -> "its lease was lost";
            case SHUTDOWN -> "the worker is shutting down";
        };
    }

    @Override
    public String toString() {
        return "job " + jobId() + " (" + type() + ") attempt " + attempt.number() + "/"
                + claim.job().maxAttempts();
    }
}
