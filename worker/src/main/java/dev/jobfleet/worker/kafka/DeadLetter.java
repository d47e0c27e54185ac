package dev.jobfleet.worker.kafka;

import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record refused for good, with why.
 *
 * @param reason a short code, the {@code reason} tag of {@code jobfleet.dead_letters}
 * @param detail what exactly was wrong, for the reason header
 */
public record DeadLetter(ConsumerRecord<String, byte[]> record, String reason, String detail) {
    /** Not JSON, not a job event, or an event that breaks the contract. */
    public static final String UNDECODABLE = "undecodable";
    /** A valid event of a type no handler on this worker runs. */
    public static final String UNKNOWN_TYPE = "unknown-type";
    /** A valid event the database refused to store (a value out of the database's range). */
    public static final String REJECTED = "rejected";

    public DeadLetter {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code topic-partition@offset} of the record. */
    public String origin() {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    /** The reason header: code and detail. */
    public String header() {
        return reason + ": " + detail;
    }
}
