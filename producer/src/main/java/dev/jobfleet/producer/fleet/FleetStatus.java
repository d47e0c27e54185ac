package dev.jobfleet.producer.fleet;

import dev.jobfleet.model.JobState;
import java.time.Instant;

/**
 * The fleet at one glance: how far the workers are behind on Kafka, what waits in the database,
 * and what has not reached Kafka yet.
 *
 * @param at when this was read (the producer's clock; the figures themselves come from the
 *     database and the brokers)
 * @param consumerLag the workers' group on {@code jobfleet.jobs}; {@code known = false} when Kafka
 *     did not answer in time
 * @param queue jobs per state and type
 * @param oldestDuePendingAgeSeconds how long the oldest due {@code PENDING} job has waited (database
 *     time); 0 when none waits
 * @param outboxBacklog submitted jobs not yet published to Kafka
 * @param deadJobs jobs in {@code DEAD}: attempts exhausted or discarded, waiting for an operator
 */
public record FleetStatus(
        Instant at,
        ConsumerLag consumerLag,
        QueueView queue,
        double oldestDuePendingAgeSeconds,
        long outboxBacklog,
        long deadJobs) {

    static FleetStatus of(
            Instant at, ConsumerLag lag, QueueView queue, double oldestDuePendingAgeSeconds, long outboxBacklog) {
        return new FleetStatus(at, lag, queue, oldestDuePendingAgeSeconds, outboxBacklog, queue.count(JobState.DEAD));
    }
}
