package dev.jobfleet.worker.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The runs this worker holds, from claim to settlement, by claim token (a job claimed again on
 * this worker after it was rescued is another run): the heartbeat extends their leases, shutdown
 * waits for them, backpressure counts them. Once {@link #close()}d it accepts no more runs.
 */
final class InFlightRuns {
    private final Map<UUID, Run> runs = new LinkedHashMap<>();
    private boolean closed;

    /** Adds the runs unless closed; returns whether they were added. */
    synchronized boolean addAll(List<Run> added) {
        if (closed) {
            return false;
        }
        added.forEach(run -> runs.put(run.token(), run));
        return true;
    }

    synchronized void remove(Run run) {
        runs.remove(run.token(), run);
        if (runs.isEmpty()) {
            notifyAll();
        }
    }

    synchronized List<Run> snapshot() {
        return new ArrayList<>(runs.values());
    }

    synchronized int size() {
        return runs.size();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Stops accepting runs. */
    synchronized void close() {
        closed = true;
    }

    /** Waits until no run is held or the timeout passes; true if none is held. */
    synchronized boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!runs.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
