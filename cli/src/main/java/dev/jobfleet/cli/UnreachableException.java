package dev.jobfleet.cli;

/** The producer could not be reached, or did not answer in time, or answered something unreadable. */
public final class UnreachableException extends RuntimeException {
    UnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
