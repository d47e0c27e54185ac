package dev.jobfleet.store;

import java.util.List;
import java.util.Objects;

/**
 * A Kafka record no worker can run, as kept in {@code dead_letter} until it is on the dead-letter
 * topic: where it came from, its bytes as they came, and why it was refused.
 *
 * @param reason a short machine-readable cause ({@code undecodable}, {@code unknown-type}, ...)
 * @param detail what a person needs to fix it
 */
public record DeadLetterRecord(
        String topic,
        int partition,
        long offset,
        byte[] key,
        byte[] value,
        List<Header> headers,
        String reason,
        String detail) {
    public DeadLetterRecord {
        Objects.requireNonNull(topic, "topic");
        headers = List.copyOf(headers);
        reason = Objects.requireNonNull(Texts.storable(reason), "reason");
        detail = Objects.requireNonNull(Texts.storable(detail), "detail");
    }

    /** A record header: its name and raw value (null allowed, as in Kafka). */
    public record Header(String name, byte[] value) {
        public Header {
            Objects.requireNonNull(name, "name");
        }
    }

    /** Where the record came from, for logs: {@code topic-partition@offset}. */
    public String origin() {
        return topic + "-" + partition + "@" + offset;
    }
}
