package dev.jobfleet.store;

import dev.jobfleet.model.JobState;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * What a submission through the API may add to a {@link dev.jobfleet.model.JobEvent}.
 *
 * @param uniqueKey at most one job with this key among jobs in {@code uniqueStates}
 * @param uniqueStates the states in which the unique key is held; at least PENDING, RUNNING and
 *     RETRY_SCHEDULED (the default), so that the only move into a unique state that can meet another
 *     holder is a re-drive of a DEAD job, which the unique index then refuses
 * @param orderKey jobs of one order key run one at a time, in submission order
 * @param batchId the fan-in batch this job belongs to
 * @param metadata initial metadata (a JSON object)
 * @param submittedBy the principal submitting the job ({@link JobRow#submittedBy()}); null for none
 */
public record JobOptions(
        String uniqueKey,
        Set<JobState> uniqueStates,
        String orderKey,
        UUID batchId,
        JsonNode metadata,
        String submittedBy) {
    public static final JobOptions NONE = new JobOptions(null, null, null, null, null, null);

    /** The usual unique window: while a job is waiting or running. */
    public static final Set<JobState> DEFAULT_UNIQUE_STATES =
            EnumSet.of(JobState.PENDING, JobState.RUNNING, JobState.RETRY_SCHEDULED);

    public JobOptions {
        if (uniqueKey != null && (uniqueStates == null || uniqueStates.isEmpty())) {
            uniqueStates = DEFAULT_UNIQUE_STATES;
        }
        if (uniqueKey == null) {
            uniqueStates = null;
        }
        if (uniqueStates != null && !uniqueStates.containsAll(DEFAULT_UNIQUE_STATES)) {
            throw new IllegalArgumentException("uniqueStates must include PENDING, RUNNING and RETRY_SCHEDULED, got "
                    + uniqueStates + ": a job moves between those three without being submitted again (claim,"
                    + " retry, rescue), so it must hold its key in all of them, or such a move could meet another"
                    + " job holding the key");
        }
        uniqueStates = uniqueStates == null ? null : Set.copyOf(uniqueStates);
        if (metadata != null && !metadata.isObject()) {
            throw new IllegalArgumentException("metadata must be a JSON object");
        }
    }

    /** Options without a submitter. */
    public JobOptions(String uniqueKey, Set<JobState> uniqueStates, String orderKey, UUID batchId, JsonNode metadata) {
        this(uniqueKey, uniqueStates, orderKey, batchId, metadata, null);
    }

    public JobOptions withBatch(UUID batch) {
        return new JobOptions(uniqueKey, uniqueStates, orderKey, batch, metadata, submittedBy);
    }

    public JobOptions withSubmitter(String principal) {
        return new JobOptions(uniqueKey, uniqueStates, orderKey, batchId, metadata, principal);
    }

    String uniqueStatesLiteral() {
        return uniqueStates == null
                ? null
                : uniqueStates.stream().map(JobState::name).sorted().collect(Collectors.joining(",", "{", "}"));
    }
}
