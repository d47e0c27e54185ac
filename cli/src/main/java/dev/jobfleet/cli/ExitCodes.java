package dev.jobfleet.cli;

/**
 * What {@code jobfleet} exits with, so that scripts can tell failures apart without parsing text.
 * Every code but {@link #OK} comes with a message on standard error (with {@code --json}: the
 * producer's problem document).
 */
public final class ExitCodes {
    /** The command did what it was asked. */
    public static final int OK = 0;

    /**
     * The command line is wrong (unknown command or option, a missing or malformed argument), or the
     * producer refused the input as invalid ({@code 400}, {@code 413}, {@code 415}, {@code 422}):
     * fix the command.
     */
    public static final int USAGE = 1;

    /** No job, concurrency limit or schedule by that id, key or name ({@code 404}). */
    public static final int NOT_FOUND = 2;

    /**
     * The request was understood but the state of the thing does not allow it: a running or finished
     * job cannot be cancelled, only a DEAD job can be retried, a worker holds it right now ({@code
     * 409}, {@code 412}, {@code 428}).
     */
    public static final int CONFLICT = 3;

    /** No token, a bad token ({@code 401}) or a token whose role may not do this ({@code 403}). */
    public static final int AUTH = 4;

    /**
     * The producer could not be reached, did not answer in time, answered with a server error
     * ({@code 5xx}) or with something that is not the jobfleet API.
     */
    public static final int UNAVAILABLE = 5;

    private ExitCodes() {}

    /** The exit code for an HTTP error status of the producer. */
    public static int forStatus(int status) {
        return switch (status) {
            case 401, 403 -> AUTH;
            case 404 -> NOT_FOUND;
            case 409, 412, 428 -> CONFLICT;
            case 400, 413, 415, 422 -> USAGE;
            default -> UNAVAILABLE;
        };
    }
}
