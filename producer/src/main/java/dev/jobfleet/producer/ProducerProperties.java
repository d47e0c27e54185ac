package dev.jobfleet.producer;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The producer's own settings, under {@code jobfleet.producer}. Everything else (datasource,
 * Kafka, server port) is configured by Spring Boot's standard properties.
 *
 * @param maxPayloadBytes largest accepted job payload (and metadata), measured on its serialized JSON
 * @param maxBatchSize most jobs in one {@code POST /jobs:batch} or {@code POST /batches} request
 * @param maxBatchBytes largest request body of {@code POST /jobs:batch} and {@code POST /batches}
 * @param maxListBytes a page of {@code GET /jobs} ends before the job that would take the stored
 *     size of what it shows (payloads, metadata, errors when asked for) past this; the first job is
 *     always shown
 * @param relay the outbox relay
 * @param topic how the producer creates the jobs and dead-letter topics
 * @param groupCommit how single {@code POST /jobs} submissions share statements
 */
@ConfigurationProperties("jobfleet.producer")
public record ProducerProperties(
        @DefaultValue("262144") int maxPayloadBytes,
        @DefaultValue("1000") int maxBatchSize,
        @DefaultValue("8388608") int maxBatchBytes,
        @DefaultValue("4194304") long maxListBytes,
        @DefaultValue Relay relay,
        @DefaultValue Topic topic,
        @DefaultValue GroupCommit groupCommit) {

    public ProducerProperties {
        if (maxPayloadBytes < 2) {
            throw new IllegalArgumentException(
                    "jobfleet.producer.max-payload-bytes must be at least 2: " + maxPayloadBytes);
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("jobfleet.producer.max-batch-size must be positive: " + maxBatchSize);
        }
        if (maxListBytes < 1) {
            throw new IllegalArgumentException("jobfleet.producer.max-list-bytes must be positive: " + maxListBytes);
        }
        if (maxBatchBytes < maxPayloadBytes) {
            throw new IllegalArgumentException("jobfleet.producer.max-batch-bytes " + maxBatchBytes
                    + " is below max-payload-bytes " + maxPayloadBytes);
        }
    }

    /**
     * @param enabled run the relay in this instance; several instances may relay at once
     * @param batchSize outbox rows taken and published per transaction
     * @param interval pause between polls of an empty (or not full) outbox
     * @param maxBackoff longest pause after repeated failures (Kafka or the database down)
     * @param sendTimeout how long a batch waits for Kafka to acknowledge every record
     */
    public record Relay(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("500") int batchSize,
            @DefaultValue("100ms") Duration interval,
            @DefaultValue("30s") Duration maxBackoff,
            @DefaultValue("10s") Duration sendTimeout) {

        public Relay {
            if (batchSize < 1) {
                throw new IllegalArgumentException("jobfleet.producer.relay.batch-size must be positive: " + batchSize);
            }
            requirePositive("interval", interval);
            requirePositive("max-backoff", maxBackoff);
            requirePositive("send-timeout", sendTimeout);
            if (maxBackoff.compareTo(interval) < 0) {
                throw new IllegalArgumentException(
                        "jobfleet.producer.relay.max-backoff " + maxBackoff + " is below the interval " + interval);
            }
        }

        private static void requirePositive(String name, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("jobfleet.producer.relay." + name + " must be positive: " + value);
            }
        }
    }

    /**
     * Group commit of single {@code POST /jobs} submissions without keys ({@link
     * dev.jobfleet.producer.api.SubmitGroupCommit}): what arrived while the previous statement ran goes
     * in with one statement and one commit; nothing waits for a group to fill.
     *
     * @param enabled group plain single submissions; false stores each with a statement of its own
     * @param committers statements in flight at once
     * @param maxSize most submissions in one statement
     */
    public record GroupCommit(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("2") int committers,
            @DefaultValue("200") int maxSize) {
        public GroupCommit {
            if (committers < 1 || maxSize < 1) {
                throw new IllegalArgumentException("jobfleet.producer.group-commit committers and max-size must be"
                        + " positive: " + committers + ", " + maxSize);
            }
        }
    }

    /**
     * @param partitions partitions of the jobs topic when the producer creates it (the dead-letter topic gets one)
     * @param replicas replication factor when the producer creates them; existing topics are left as they are
     */
    public record Topic(
            @DefaultValue("6") int partitions,
            @DefaultValue("1") short replicas) {
        public Topic {
            if (partitions < 1 || replicas < 1) {
                throw new IllegalArgumentException("jobfleet.producer.topic partitions and replicas must be positive: "
                        + partitions + ", " + replicas);
            }
        }
    }
}
