package dev.jobfleet.worker.run;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what runs ended with, in groups: one thread, one connection of its own, one statement
 * per group for the outcomes (guarded by each run's fencing token) and one for the runs handed
 * back. A group is written when {@code maxBatch} completions are in or {@code flushInterval} has
 * passed since the first, whichever comes first; handlers never wait for it (their slot is free
 * the moment they return).
 *
 * <p>A write that fails because the database is unreachable (a dropped connection, a restart, a
 * terminated backend) is retried with backoff, for as long as the run is not known to have lost
 * its lease: the run stays in the heartbeat's set meanwhile, so its lease is extended whenever the
 * database answers. A write the database refuses for good (a bug) is isolated by writing the
 * group's completions one by one; the one that still fails is logged and left to its lease.
 */
final class Completer {
    private static final Logger log = LoggerFactory.getLogger(Completer.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** A run's completion: its outcome to write, or {@code null} to hand the job back. */
    record Completion(Run run, RunOutcome outcome) {
        boolean handBack() {
            return outcome == null;
        }
    }

    /** Where the completer reports each completion's fate. */
    interface Settlements {
        /** The outcome is durable; the job is now in {@code state}. */
        void written(Run run, RunOutcome outcome, JobState state);

        /** The job was handed back to PENDING ({@code released}), or was no longer held. */
        void handedBack(Run run, boolean released);

        /** Nothing was written: the run no longer held the job (its lease was lost). */
        void lost(Run run, RunOutcome outcome);

        /** The database refused the completion for good; the job's lease will expire. */
        void abandoned(Run run, RuntimeException error);

        /** A group was written: how many completions and how long the statements took. */
        void flushed(int size, Duration took);

        /** A write failed and will be retried. */
        void writeFailed(int size, RuntimeException error);
    }

    private final JobRepository jobs;
    private final String actor;
    private final Duration flushInterval;
    private final int maxBatch;
    private final Settlements settlements;
    private final LinkedBlockingQueue<Completion> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Object drained = new Object();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long abandonAtNanos = Long.MAX_VALUE;

    Completer(JobRepository jobs, String actor, Duration flushInterval, int maxBatch, Settlements settlements) {
        this.jobs = jobs;
        this.actor = actor;
        this.flushInterval = flushInterval;
        this.maxBatch = maxBatch;
        this.settlements = settlements;
        this.thread = Thread.ofPlatform().name("jobfleet-completer").daemon().unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    /** Queues a run's completion; never blocks. */
    void complete(Run run, RunOutcome outcome) {
        outstanding.incrementAndGet();
        queue.add(new Completion(run, outcome));
    }

    /** Completions not yet durable (queued, being written, or waiting to be retried). */
    int outstanding() {
        return outstanding.get();
    }

    /** Waits until every completion queued so far is settled; true if they all are. */
    boolean drain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (drained) {
            while (outstanding.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                drained.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /**
     * Stops once everything queued is written, or after {@code wait}: what is still unwritten then
     * is left to its lease (the reaper rescues it).
     */
    void stop(Duration wait) throws InterruptedException {
        abandonAtNanos = System.nanoTime() + wait.toNanos();
        stopping = true;
        thread.join(Math.max(1, wait.toMillis() + 1000));
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    private void loop() {
        List<Completion> retry = new ArrayList<>();
        long backoff = 0;
        while (true) {
            List<Completion> group = new ArrayList<>(retry);
            retry.clear();
            try {
                if (group.isEmpty()) {
                    if (stopping && queue.isEmpty()) {
                        return;
                    }
                    Completion first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    group.add(first);
                }
                gather(group);
            } catch (InterruptedException e) {
                abandon(group, "the completer was interrupted");
                abandon(new ArrayList<>(queue), "the completer was interrupted");
                return;
            }
            if (System.nanoTime() > abandonAtNanos) {
                group.addAll(queue);
                queue.clear();
                abandon(group, "shutdown ended before the database took them");
                return;
            }
            List<Completion> failed = write(group);
            if (failed.isEmpty()) {
                backoff = 0;
                continue;
            }
            retry.addAll(failed);
            backoff = backoff == 0 ? MIN_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoff * 2);
            try {
                TimeUnit.NANOSECONDS.sleep(backoff); // backoff before the retry, not a wait for a condition
            } catch (InterruptedException e) {
                abandon(retry, "the completer was interrupted");
                return;
            }
        }
    }

    /** Adds to {@code group} what arrives within the flush interval, up to the batch size. */
    private void gather(List<Completion> group) throws InterruptedException {
        long deadline = System.nanoTime() + flushInterval.toNanos();
        while (group.size() < maxBatch) {
            queue.drainTo(group, maxBatch - group.size());
            long left = deadline - System.nanoTime();
            if (group.size() >= maxBatch || left <= 0) {
                return;
            }
            Completion next = queue.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            group.add(next);
        }
    }

    /** Writes a group; returns the completions to retry (the database was unreachable). */
    private List<Completion> write(List<Completion> group) {
        List<Completion> live = new ArrayList<>();
        for (Completion c : group) {
            if (c.run().leaseKnownLost()) {
                done(() -> settlements.lost(c.run(), c.outcome()));
            } else {
                live.add(c);
            }
        }
        if (live.isEmpty()) {
            return List.of();
        }
        try {
            writeAll(live);
            return List.of();
        } catch (RuntimeException e) {
            if (!isPermanent(e)) {
                settlements.writeFailed(live.size(), e);
                return live;
            }
            if (live.size() == 1) {
                done(() -> settlements.abandoned(live.getFirst().run(), e));
                return List.of();
            }
            log.warn("the database refused a group of {} completions; writing them one by one", live.size(), e);
            List<Completion> retry = new ArrayList<>();
            for (Completion c : live) {
                retry.addAll(write(List.of(c)));
            }
            return retry;
        }
    }

    private void writeAll(List<Completion> group) {
        long started = System.nanoTime();
        List<RunOutcome> outcomes = new ArrayList<>();
        Map<UUID, UUID> handBacks = new LinkedHashMap<>();
        for (Completion c : group) {
            if (c.handBack()) {
                handBacks.put(c.run().token(), c.run().jobId());
            } else {
                outcomes.add(c.outcome());
            }
        }
        Map<UUID, JobState> written = outcomes.isEmpty() ? Map.of() : jobs.finishRuns(outcomes, actor);
        Set<UUID> released = handBacks.isEmpty() ? Set.of() : jobs.releaseRuns(handBacks, actor);
        settlements.flushed(group.size(), Duration.ofNanos(System.nanoTime() - started));
        for (Completion c : group) {
            Run run = c.run();
            if (c.handBack()) {
                done(() -> settlements.handedBack(run, released.contains(run.token())));
            } else {
                JobState state = written.get(run.token());
                done(() -> {
                    if (state == null) {
                        settlements.lost(run, c.outcome());
                    } else {
                        settlements.written(run, c.outcome(), state);
                    }
                });
            }
        }
    }

    private void abandon(List<Completion> completions, String why) {
        for (Completion c : completions) {
            done(() -> settlements.abandoned(c.run(), new IllegalStateException(why)));
        }
    }

    private void done(Runnable settle) {
        try {
            settle.run();
        } finally {
            if (outstanding.decrementAndGet() == 0) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    /**
     * A refusal that retrying cannot fix: a data exception (SQLState class 22), an integrity
     * violation (23) or a statement error (42), or a bad argument. Everything else (connections
     * gone, server restarting, backends terminated, timeouts) is worth retrying.
     */
    static boolean isPermanent(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                return state.startsWith("22") || state.startsWith("23") || state.startsWith("42");
            }
        }
        return false;
    }
}
