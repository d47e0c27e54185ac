package dev.jobfleet.producer.fleet;

import dev.jobfleet.model.Topics;
import dev.jobfleet.store.JobRepository;
import java.time.Clock;

/**
 * Reads the {@link FleetStatus}: the lag from Kafka (bounded by its timeout, never failing), the
 * rest from the database in three read-only statements.
 */
public class FleetStatusReader {
    private final JobRepository jobs;
    private final ConsumerLagReader lag;
    private final String groupId;
    private final Clock clock;

    public FleetStatusReader(JobRepository jobs, ConsumerLagReader lag, String groupId, Clock clock) {
        this.jobs = jobs;
        this.lag = lag;
        this.groupId = groupId;
        this.clock = clock;
    }

    public FleetStatus read() {
        ConsumerLag consumerLag = lag.read(groupId, Topics.JOBS);
        QueueView queue = QueueView.of(jobs.queueDepth());
        double oldestAge = jobs.oldestDuePendingAgeSeconds();
        long outbox = jobs.outboxSize();
        return FleetStatus.of(clock.instant(), consumerLag, queue, oldestAge, outbox);
    }
}
