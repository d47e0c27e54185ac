package dev.jobfleet.model;

/** Kafka topic names. Records on {@link #JOBS} are keyed by job id. */
public final class Topics {
    /** Job events: one record per job to run, key = job id, value = {@link JobEvent} as JSON. */
    public static final String JOBS = "jobfleet.jobs";

    /** Records that could not be decoded or name an unknown job type; the reason is in headers. */
    public static final String DEAD_LETTER = "jobfleet.jobs.dlt";

    /** Header on dead-lettered records: why the record was refused. */
    public static final String HEADER_DLT_REASON = "jobfleet-dlt-reason";

    /** Header on dead-lettered records: where it came from ({@code topic-partition@offset}). */
    public static final String HEADER_DLT_ORIGIN = "jobfleet-dlt-origin";

    private Topics() {}
}
