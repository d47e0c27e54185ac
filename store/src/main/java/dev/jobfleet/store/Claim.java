package dev.jobfleet.store;

import java.util.UUID;

/** A run a worker holds: the job and the fencing token that every write of this run must name. */
public record Claim(JobRow job, UUID token) {
    public UUID jobId() {
        return job.id();
    }
}
