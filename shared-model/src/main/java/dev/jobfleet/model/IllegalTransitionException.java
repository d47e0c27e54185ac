package dev.jobfleet.model;

/** A transition that is not an edge of {@link JobState}'s table. Always a bug or a lost race. */
public final class IllegalTransitionException extends IllegalStateException {
    private final JobState from;
    private final JobState to;

    public IllegalTransitionException(JobState from, JobState to) {
        super("illegal job transition " + from + " -> " + to + "; allowed from " + from + ": " + from.next());
        this.from = from;
        this.to = to;
    }

    public JobState from() {
        return from;
    }

    public JobState to() {
        return to;
    }
}
