package dev.jobfleet.worker.run;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * Inserts the jobs of Kafka-first events the database does not know and claims the new ones
     * that can run now in the same statement ({@link JobRepository#insertAndClaim}); the events'
     * other jobs (existing ones, scheduled ones, ones with a concurrency key) are then claimed by id
     * in a second statement, only if there are any.
     *
     * @throws org.springframework.dao.DataIntegrityViolationException when the database refuses
     *     a value of the batch; nothing was written
     */
    public Claimed insertAndClaim(Map<UUID, JobEvent> events) {
        long sent = System.nanoTime();
        List<Claim> fresh = jobs.insertAndClaim(events.values(), handlers.types(), workerId, lease, workerId);
        metrics.claimed(LISTENER, fresh.size(), Duration.ofNanos(System.nanoTime() - sent));
        if (fresh.size() == events.size()) {
            return new Claimed(fresh, sent);
        }
        Set<UUID> rest = new LinkedHashSet<>(events.keySet());
        fresh.forEach(c -> rest.remove(c.jobId()));
        List<Claim> all = new ArrayList<>(fresh);
        all.addAll(byIds(rest).claims());
        // the earlier send bounds the leases of both statements' claims from below
        return new Claimed(all, sent);
    }

    /** Claims up to {@code limit} due pending jobs, highest priority first. */
    public Claimed due(int limit) {
        return timed(POLLER, () -> jobs.claimDue(handlers.types(), limit, workerId, lease));
    }

    /** Claims one due job whose last run lost its worker (see {@link JobRepository#claimSuspect}). */
    public Claimed suspect() {
        return timed(POLLER, () -> jobs.claimSuspect(handlers.types(), workerId, lease));
    }

    private Claimed timed(String source, Supplier<List<Claim>> claim) {
        long sent = System.nanoTime();
        List<Claim> claims = claim.get();
        metrics.claimed(source, claims.size(), Duration.ofNanos(System.nanoTime() - sent));
        return new Claimed(claims, sent);
    }
}
