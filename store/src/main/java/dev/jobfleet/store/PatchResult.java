package dev.jobfleet.store;

/** What a guarded change by a person did. */
public sealed interface PatchResult {
    /** Changed; the job as it is now. */
    record Patched(JobRow job) implements PatchResult {}

    /** The job moved on since the version the caller read (HTTP 412); nothing changed. */
    record StaleVersion(JobRow current) implements PatchResult {}

    /** The version matches but a worker holds the job or it finished (HTTP 409); nothing changed. */
    record NotPatchable(JobRow current) implements PatchResult {}

    record NotFound() implements PatchResult {}

    /**
     * The version matches and the job could change, but its metadata would be {@code size} bytes
     * after the merge, over {@code limit} (HTTP 413); nothing changed.
     */
    record TooLarge(JobRow current, long size, long limit) implements PatchResult {}
}
