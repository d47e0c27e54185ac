package dev.jobfleet.store;

/**
 * A merge into a running job's metadata would take it past its byte budget; nothing was written.
 * The handler that asked for it learns at once, rather than a row growing without bound.
 */
public class MetadataTooLargeException extends IllegalArgumentException {
    private final long size;
    private final long limit;

    public MetadataTooLargeException(long size, long limit) {
        super("the job's metadata would be " + size + " bytes after the merge (PostgreSQL's text form); the limit is "
                + limit + " bytes: nothing was merged");
        this.size = size;
        this.limit = limit;
    }

    public long size() {
        return size;
    }

    public long limit() {
        return limit;
    }
}
