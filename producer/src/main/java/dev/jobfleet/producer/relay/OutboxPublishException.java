package dev.jobfleet.producer.relay;

/**
 * Kafka did not acknowledge every record of an outbox batch in time. Thrown inside the relay's
 * transaction, so the batch's rows stay in the outbox for the next try.
 */
public class OutboxPublishException extends RuntimeException {
    public OutboxPublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
