package dev.jobfleet.store;

import dev.jobfleet.model.JobState;
import java.time.Instant;
import java.util.UUID;

/** One transition of a job, as appended to {@code job_history}; {@code from} is null for the submission. */
public record HistoryEntry(
        long id,
        UUID jobId,
        JobState from,
        JobState to,
        Instant at,
        String actor,
        UUID claimToken,
        Integer attempt,
        String detail) {}
