package dev.jobfleet.store;

/** The result of a submission: the job, and whether this call created it (or found it by idempotency key). */
public record Submission(JobRow job, boolean created) {}
