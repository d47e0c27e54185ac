package dev.jobfleet.worker.api;

import dev.jobfleet.model.JobCodec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * One run of a job, as its handler sees it.
 *
 * <p>{@link #claimToken()} is this run's fencing token: the worker writes the outcome only while
 * the job is still held under it. {@link #leaseLost()} turns true when the worker learns that the
 * lease is gone (another run may own the job now); a handler that checks it can stop early,
 * since nothing it returns will be written.
 *
 * <h2>Stopping</h2>
 *
 * The worker asks a run to stop when its time limit passes, when its lease is lost, and when the
 * worker shuts down: it interrupts the handler's thread and {@link #isCancelled()} turns true
 * (with the reason in {@link #stopReason()}). Blocking calls ({@code Thread.sleep}, I/O on
 * interruptible channels, {@code BlockingQueue.take}) then throw; a handler that computes in a
 * loop should call {@link #checkInterrupted()} now and then. A handler that ignores the request
 * keeps its job (it is never handed to another worker while its thread lives) but is reported as
 * stuck, and enough stuck handlers make the worker's liveness probe fail.
 *
 * <h2>Writing to the job while it runs</h2>
 *
 * {@link #mergeMetadata}, {@link #incrementProgress}, {@link #increment} and {@link #appendLog}
 * each run one statement guarded by this run's fencing token, so they may be called from any
 * number of threads at once without losing each other's writes (G5): a merge is {@code metadata ||
 * patch}, an increment is {@code x = x + n}, a log entry is an insert. When the run no longer
 * holds the job (rescued after its lease expired, or released on shutdown) they write nothing,
 * mark this context {@link #leaseLost()} and throw {@link LeaseLostException}: a write that
 * silently did nothing would be a lost update, and a handler that lost its job should stop. The
 * exception is unchecked so that it ends the handler unless caught.
 *
 * <h2>A lock for a critical section</h2>
 *
 * {@link #withLock} runs a piece of the handler while this run holds a named lock in the database
 * (what hand-rolled systems do with a Redis lock and a retry loop): across every worker, one run at
 * a time holds a name. The lock is fenced by the run: a run that lost its job cannot take it, and
 * loses it the moment its job is rescued. It lapses after its ttl (database clock) if the worker
 * dies holding it. Contention is retried with backoff up to a deadline; the lock is given back on
 * every path, and the work's result is returned only if the lock held to its end.
 */
public final class JobContext {
    /** The counter {@link #incrementProgress} adds to. */
    public static final String PROGRESS = "progress";

    static final int MAX_COUNTER_NAME = 255;
    static final int MAX_LOCK_NAME = 255;
    /** The first pause after a contended lock attempt, in ms; each next pause is up to twice as long. */
    static final long LOCK_FIRST_BACKOFF_MS = 5;
    /** The longest pause between two lock attempts, in ms. */
    static final long LOCK_MAX_BACKOFF_MS = 250;

    private final UUID jobId;
    private final String type;
    private final JsonNode payload;
    private final int attempt;
    private final int maxAttempts;
    private final UUID claimToken;
    private final String workerId;
    private final JsonNode metadata;
    private final BooleanSupplier leaseLost;
    private final RunWrites writes;
    private final Supplier<Optional<String>> stopReason;

    /**
     * @param leaseLost whether the worker knows or must assume the lease is gone; {@code writes}
     *     that find the job gone must make it true
     * @param writes this run's fenced writes to its job
     */
    public JobContext(
            UUID jobId,
            String type,
            JsonNode payload,
            int attempt,
            int maxAttempts,
            UUID claimToken,
            String workerId,
            JsonNode metadata,
            BooleanSupplier leaseLost,
            RunWrites writes) {
        this(
                jobId,
                type,
                payload,
                attempt,
                maxAttempts,
                claimToken,
                workerId,
                metadata,
                leaseLost,
                writes,
                () -> leaseLost.getAsBoolean() ? Optional.of("its lease was lost") : Optional.empty());
    }

    /**
     * @param stopReason why the worker asked this run to stop, empty while it has not
     */
    public JobContext(
            UUID jobId,
            String type,
            JsonNode payload,
            int attempt,
            int maxAttempts,
            UUID claimToken,
            String workerId,
            JsonNode metadata,
            BooleanSupplier leaseLost,
            RunWrites writes,
            Supplier<Optional<String>> stopReason) {
        this.jobId = Objects.requireNonNull(jobId, "jobId");
        this.type = Objects.requireNonNull(type, "type");
        this.payload = Objects.requireNonNull(payload, "payload");
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
        this.claimToken = Objects.requireNonNull(claimToken, "claimToken");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.leaseLost = Objects.requireNonNull(leaseLost, "leaseLost");
        this.writes = Objects.requireNonNull(writes, "writes");
        this.stopReason = Objects.requireNonNull(stopReason, "stopReason");
    }

    public UUID jobId() {
        return jobId;
    }

    public String type() {
        return type;
    }

    /** The handler's input as submitted; {@code {}} when none was given. */
    public JsonNode payload() {
        return payload;
    }

    /** 1 for the first run, counting every claim, including runs rescued from dead workers. */
    public int attempt() {
        return attempt;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** This run's fencing token. */
    public UUID claimToken() {
        return claimToken;
    }

    /** The worker running this job. */
    public String workerId() {
        return workerId;
    }

    /** The job's metadata as it was when this run claimed it; later merges are not reflected here. */
    public JsonNode metadata() {
        return metadata;
    }

    /** True once the worker knows (or must assume) that its lease on this job is gone. */
    public boolean leaseLost() {
        return leaseLost.getAsBoolean();
    }

    /**
     * True once the worker has asked this run to stop: its time limit passed, its lease was lost,
     * or the worker is shutting down. The handler's thread was interrupted at that moment.
     */
    public boolean isCancelled() {
        return stopReason.get().isPresent();
    }

    /** Why the worker asked this run to stop; empty while it has not. */
    public Optional<String> stopReason() {
        return stopReason.get();
    }

    /**
     * For handlers that compute in a loop: returns normally while the run may go on.
     *
     * @throws InterruptedException when the worker asked this run to stop, or the thread was
     *     interrupted; the interrupt flag is cleared, as by {@link Thread#interrupted()}
     */
    public void checkInterrupted() throws InterruptedException {
        boolean interrupted = Thread.interrupted();
        Optional<String> why = stopReason.get();
        if (why.isPresent() || interrupted) {
            throw new InterruptedException(
                    "job " + jobId + " asked to stop: " + why.orElse("its thread was interrupted"));
        }
    }

    /**
     * Merges the keys of {@code patch} into the job's metadata (top level, last writer wins per
     * key; other keys are kept).
     *
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void mergeMetadata(Map<String, ?> patch) {
        mergeMetadata((JsonNode) JobCodec.mapper().valueToTree(Objects.requireNonNull(patch, "patch")));
    }

    /**
     * Merges the keys of {@code patch}, a JSON object, into the job's metadata.
     *
     * @throws IllegalArgumentException when {@code patch} is not a JSON object
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void mergeMetadata(JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("a metadata patch must be a JSON object: " + patch);
        }
        if (!writes.mergeMetadata(patch)) {
            throw lost("mergeMetadata");
        }
    }

    /**
     * Adds {@code n} to the job's {@code progress} counter.
     *
     * @return the counter's new value
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public long incrementProgress(long n) {
        return increment(PROGRESS, n);
    }

    /**
     * Adds {@code n} (may be negative) to a named counter of the job, which starts at 0.
     *
     * @return the counter's new value, which counts every increment of every run of the job
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public long increment(String counter, long n) {
        if (counter == null || counter.isBlank() || counter.length() > MAX_COUNTER_NAME) {
            throw new IllegalArgumentException(
                    "a counter name is 1 to " + MAX_COUNTER_NAME + " characters: " + counter);
        }
        OptionalLong value = writes.increment(counter, n);
        if (value.isEmpty()) {
            throw lost("increment " + counter);
        }
        return value.getAsLong();
    }

    /**
     * Appends an entry to the job's log, with this run's token and attempt. Any value Jackson can
     * write: a record, a map, a string.
     *
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void appendLog(Object entry) {
        appendLog((JsonNode) JobCodec.mapper().valueToTree(Objects.requireNonNull(entry, "entry")));
    }

    /**
     * Appends a JSON entry to the job's log, with this run's token and attempt.
     *
     * @throws LeaseLostException when this run no longer holds the job; nothing was written
     */
    public void appendLog(JsonNode entry) {
        if (entry == null || entry.isNull() || entry.isMissingNode()) {
            throw new IllegalArgumentException("a log entry must not be null");
        }
        if (!writes.appendLog(entry)) {
            throw lost("appendLog");
        }
    }

    /**
     * Runs {@code work} while this run holds the lock {@code name}, waiting for it at most {@code
     * ttl}. See {@link #withLock(String, Duration, Duration, LockedWork)}.
     */
    public <T> T withLock(String name, Duration ttl, LockedWork<T> work) throws Exception {
        return withLock(name, ttl, ttl, work);
    }

    /**
     * Runs {@code work} while this run holds the lock {@code name}.
     *
     * <ol>
     *   <li>Takes the lock in one statement: only while this run holds its job, and only if no
     *       other run holds the lock (released, expired, or its holder's job no longer RUNNING under
     *       the holder's token all count as free). On contention it tries again after a pause that
     *       starts at {@value #LOCK_FIRST_BACKOFF_MS} ms and doubles up to {@value
     *       #LOCK_MAX_BACKOFF_MS} ms (with jitter), until {@code maxWait} has passed.
     *   <li>Runs {@code work} with the {@link HandlerLock}, whose fence can guard the writes it makes.
     *   <li>Gives the lock back, whatever the work did (returned, threw, was interrupted).
     * </ol>
     *
     * Not re-entrant: taking a name this run already holds (from the same or another thread) waits
     * for itself and ends in {@link LockUnavailableException}.
     *
     * @param ttl how long the lock holds without release (database clock); keep it above the
     *     work's longest duration, the lock is not extended while the work runs
     * @param maxWait how long to keep trying while another run holds it; zero tries once
     * @return what {@code work} returned
     * @throws LockUnavailableException another run held the lock all along; the work did not run
     * @throws LeaseLostException this run lost its job before it got the lock; the work did not run
     * @throws LockLostException the work ran, but the lock expired or the run lost its job before
     *     the work ended
     * @throws Exception what {@code work} threw (the lock was given back)
     */
    public <T> T withLock(String name, Duration ttl, Duration maxWait, LockedWork<T> work) throws Exception {
        if (name == null || name.isBlank() || name.length() > MAX_LOCK_NAME) {
            throw new IllegalArgumentException("a lock name is 1 to " + MAX_LOCK_NAME + " characters: " + name);
        }
        if (ttl == null || ttl.toMillis() < 1) {
            throw new IllegalArgumentException("a lock's ttl must be at least 1 ms: " + ttl);
        }
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
        }
        Objects.requireNonNull(work, "work");
        HandlerLock lock = acquire(name, ttl, maxWait);
        T result;
        try {
            result = work.run(lock);
        } catch (Throwable failure) {
            try {
                writes.unlock(lock);
            } catch (RuntimeException releaseFailure) {
                failure.addSuppressed(releaseFailure);
            }
            throw failure;
        }
        if (!writes.unlock(lock)) {
            throw new LockLostException(jobId, lock);
        }
        return result;
    }

    private HandlerLock acquire(String name, Duration ttl, Duration maxWait) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + maxWait.toNanos();
        long backoff = TimeUnit.MILLISECONDS.toNanos(LOCK_FIRST_BACKOFF_MS);
        for (int attempts = 1; ; attempts++) {
            Optional<HandlerLock> lock = writes.tryLock(name, ttl);
            if (lock.isPresent()) {
                return lock.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new LockUnavailableException(
                        jobId, name, Duration.ofNanos(System.nanoTime() - started), attempts);
            }
            TimeUnit.NANOSECONDS.sleep(
                    Math.min(left, ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1)));
            backoff = Math.min(backoff * 2, TimeUnit.MILLISECONDS.toNanos(LOCK_MAX_BACKOFF_MS));
        }
    }

    private LeaseLostException lost(String operation) {
        return new LeaseLostException(jobId, claimToken, operation);
    }

    @Override
    public String toString() {
        return "JobContext[" + type + " " + jobId + " attempt " + attempt + "/" + maxAttempts + "]";
    }
}
