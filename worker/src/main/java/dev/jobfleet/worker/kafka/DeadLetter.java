package dev.jobfleet.worker.kafka;

import dev.jobfleet.store.DeadLetterRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

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

    /** As kept in the database until it is on the dead-letter topic: the record's bytes as they came. */
    DeadLetterRecord toRecord() {
        List<DeadLetterRecord.Header> headers = new ArrayList<>();
        for (Header h : record.headers()) {
            headers.add(new DeadLetterRecord.Header(h.key(), h.value()));
        }
        return new DeadLetterRecord(
                record.topic(),
                record.partition(),
                record.offset(),
                record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                record.value(),
                headers,
                reason,
                detail);
    }
}
