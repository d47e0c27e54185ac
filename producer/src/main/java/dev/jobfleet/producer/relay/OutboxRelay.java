package dev.jobfleet.producer.relay;

import dev.jobfleet.store.JobRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * Moves outbox rows to Kafka. Each batch is taken with {@code FOR UPDATE SKIP LOCKED} and deleted
 * in the transaction that publishes it ({@link JobRepository#relayOutbox}), so several relays
 * share the outbox without publishing a row twice or waiting on each other, and a failed publish
 * leaves its rows for the next try.
 */
public class OutboxRelay {
    private final JobRepository repository;
    private final OutboxPublisher publisher;
    private final int batchSize;
    private final Counter published;
    private final Counter failures;

    public OutboxRelay(JobRepository repository, OutboxPublisher publisher, int batchSize, MeterRegistry meters) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        this.repository = repository;
        this.publisher = publisher;
        this.batchSize = batchSize;
        this.published = Counter.builder("jobfleet.outbox.published")
                .description("Outbox rows published to Kafka and acknowledged")
                .register(meters);
        this.failures = Counter.builder("jobfleet.outbox.failures")
                .description("Outbox batches that failed to publish and were rolled back")
                .register(meters);
    }

    /** Relay batches while they come back full; returns how many rows were published. */
    public int drain() {
        return drain(() -> true);
    }

    /**
     * Relay batches while they come back full and {@code keepGoing} holds.
     *
     * @throws RuntimeException when a batch fails (Kafka or the database unavailable); batches
     *     published before it stay published, the failed one stays in the outbox
     */
    public int drain(BooleanSupplier keepGoing) {
        int total = 0;
        int relayed;
        do {
            try {
                relayed = repository.relayOutbox(batchSize, publisher::publish);
            } catch (RuntimeException e) {
                failures.increment();
                throw e;
            }
            published.increment(relayed);
            total += relayed;
        } while (relayed == batchSize && keepGoing.getAsBoolean());
        return total;
    }
}
