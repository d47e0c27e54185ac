package dev.jobfleet.producer.fleet;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The fleet view ({@code GET /fleet/status}, {@code GET /fleet}), under {@code jobfleet.producer.fleet}.
 *
 * @param groupId the workers' consumer group whose lag on {@code jobfleet.jobs} is shown; the
 *     workers' {@code jobfleet.worker.group-id}
 * @param kafkaTimeout the longest the view waits for Kafka; past it the lag is shown as unknown and
 *     the database parts are answered anyway
 * @param pageRefresh how often the HTML page at {@code /fleet} reloads itself
 */
@ConfigurationProperties("jobfleet.producer.fleet")
public record FleetProperties(
        @DefaultValue("jobfleet-workers") String groupId,
        @DefaultValue("2s") Duration kafkaTimeout,
        @DefaultValue("5s") Duration pageRefresh) {

    public FleetProperties {
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("jobfleet.producer.fleet.group-id must not be blank");
        }
        if (kafkaTimeout.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "jobfleet.producer.fleet.kafka-timeout must be at least 1ms: " + kafkaTimeout);
        }
        if (pageRefresh.toSeconds() < 1) {
            throw new IllegalArgumentException(
                    "jobfleet.producer.fleet.page-refresh must be at least 1s: " + pageRefresh);
        }
    }
}
