package dev.jobfleet.worker.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The runs this worker holds, for the heartbeat to extend and for shutdown to release. Once
 * {@link #close()}d it accepts no more runs, so nothing claimed after shutdown began can slip
 * past the release.
 */
final class InFlightRuns {
    private final Map<UUID, Run> runs = new HashMap<>();
    private boolean closed;

    /** Adds the runs unless closed; returns whether they were added. */
    synchronized boolean addAll(List<Run> added) {
        if (closed) {
            return false;
        }
        added.forEach(run -> runs.put(run.jobId(), run));
        return true;
    }

    synchronized void removeAll(List<Run> removed) {
        removed.forEach(run -> runs.remove(run.jobId(), run));
        if (runs.isEmpty()) {
            notifyAll();
        }
    }

    synchronized boolean contains(Run run) {
        return runs.get(run.jobId()) == run;
    }

    synchronized List<Run> snapshot() {
        return new ArrayList<>(runs.values());
    }

    synchronized int size() {
        return runs.size();
    }

    /** Stops accepting runs; returns those held now. */
    synchronized List<Run> close() {
        closed = true;
        return new ArrayList<>(runs.values());
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
