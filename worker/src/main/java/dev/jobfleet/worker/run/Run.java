package dev.jobfleet.worker.run;

import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.worker.api.JobContext;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One claimed job on this worker, from its claim until its outcome is written or it is released.
 *
 * <p>The handler sees its lease as lost ({@link JobContext#leaseLost()}) once the heartbeat found
 * it gone, or once the database has not confirmed it for five sixths of the lease: by then the
 * heartbeat is stuck or failing, and the lease may expire before the worker learns of it.
 *
 * <p>{@link #settlement()} completes once: with the handler's outcome, or with {@code null} when
 * shutdown released the run first. Whoever completes it first decides; the loser's result is
 * ignored, so a handler that returns after its run was released writes nothing.
 */
final class Run {
    private final Claim claim;
    private final Attempt attempt;
    private final JobContext context;
    private final AtomicBoolean leaseLost = new AtomicBoolean();
    private final CompletableFuture<RunOutcome> settlement = new CompletableFuture<>();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private final long presumedLostAfterNanos;
    private volatile long confirmedAtNanos;
    private volatile Thread thread;

    /**
     * @param jobs for the handler's fenced writes to its job
     * @param lostByWrite called when such a write finds that this run no longer holds the job
     */
    Run(
            Claim claim,
            String workerId,
            Duration lease,
            long claimedAtNanos,
            JobRepository jobs,
            Consumer<Run> lostByWrite) {
        this.claim = claim;
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
                new FencedRunWrites(jobs, claim.jobId(), claim.token(), () -> lostByWrite.accept(this)));
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

    /** Marks the lease lost; true only for the first call, so each loss is counted once. */
    boolean markLeaseLost() {
        return leaseLost.compareAndSet(false, true);
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

    /** The handler's outcome; false if the run was already released. */
    boolean settle(RunOutcome outcome) {
        return settlement.complete(outcome);
    }

    /** Claims the run for release; false if the handler's outcome came first. */
    boolean settleAsReleased() {
        return settlement.complete(null);
    }

    boolean isSettled() {
        return settlement.isDone();
    }

    /** Released by this worker (shutdown) before the handler returned. */
    boolean wasReleased() {
        return settlement.isDone() && settlement.join() == null;
    }

    CompletableFuture<RunOutcome> settlement() {
        return settlement;
    }

    /** Completes when the thread that runs the handler is done with it. */
    CompletableFuture<Void> exited() {
        return exited;
    }

    void runningOn(Thread thread) {
        this.thread = thread;
    }

    /** Interrupts the handler's thread, if it has one yet. */
    void interrupt() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
