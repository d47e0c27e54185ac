package dev.jobfleet.worker.run;

import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The worker's two ways to claim: the jobs named by a Kafka batch, and due jobs for the poller.
 * Both are one statement ({@code FOR UPDATE SKIP LOCKED}) that names only the types this worker
 * has handlers for and sets a lease from the database clock.
 */
public final class JobClaims {
    public static final String LISTENER = "listener";
    public static final String POLLER = "poller";

    private final JobRepository jobs;
    private final HandlerRegistry handlers;
    private final WorkerMetrics metrics;
    private final String workerId;
    private final Duration lease;

    public JobClaims(
            JobRepository jobs, HandlerRegistry handlers, WorkerMetrics metrics, String workerId, Duration lease) {
        this.jobs = jobs;
        this.handlers = handlers;
        this.metrics = metrics;
        this.workerId = workerId;
        this.lease = lease;
    }

    /** Claims those of the named jobs that are pending and due; the rest are someone else's or not due. */
    public Claimed byIds(Collection<UUID> ids) {
        return timed(LISTENER, () -> jobs.claim(ids, handlers.types(), workerId, lease));
    }

    /** Claims up to {@code limit} due pending jobs, highest priority first. */
    public Claimed due(int limit) {
        return timed(POLLER, () -> jobs.claimDue(handlers.types(), limit, workerId, lease));
    }

    private Claimed timed(String source, Supplier<List<Claim>> claim) {
        long sent = System.nanoTime();
        List<Claim> claims = claim.get();
        metrics.claimed(source, claims.size(), Duration.ofNanos(System.nanoTime() - sent));
        return new Claimed(claims, sent);
    }
}
