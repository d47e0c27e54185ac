package dev.jobfleet.worker.api;

import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;

/**
 * The writes a run makes to its own job, each one statement fenced by the run's claim token. The
 * worker supplies them to {@link JobContext}; each reports whether the run still held the job
 * (false or empty: nothing was written).
 */
public interface RunWrites {
    /** Merges the keys of {@code patch} (a JSON object) into the job's metadata. */
    boolean mergeMetadata(JsonNode patch);

    /** Adds {@code n} to the named counter; the new value, or empty. */
    OptionalLong increment(String counter, long n);

    /** Appends one entry to the job's log. */
    boolean appendLog(JsonNode entry);
}
