package dev.jobfleet.model;

/** A Kafka record that can never become a job: it goes to {@link Topics#DEAD_LETTER}, never retried. */
public final class UndecodableEventException extends RuntimeException {
    public UndecodableEventException(String reason) {
        super(reason);
    }

    public UndecodableEventException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
