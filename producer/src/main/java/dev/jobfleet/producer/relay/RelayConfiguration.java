package dev.jobfleet.producer.relay;

import dev.jobfleet.producer.ProducerProperties;
import dev.jobfleet.store.JobRepository;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The outbox relay. The relay itself always exists (tests and operators may drain by hand); its
 * loop runs only with {@code jobfleet.producer.relay.enabled=true}, the default.
 */
@Configuration(proxyBeanMethods = false)
public class RelayConfiguration {

    @Bean
    OutboxPublisher outboxPublisher(KafkaTemplate<String, byte[]> kafka, ProducerProperties properties) {
        return new OutboxPublisher(kafka, properties.relay().sendTimeout());
    }

    @Bean
    OutboxRelay outboxRelay(
            JobRepository repository, OutboxPublisher publisher, ProducerProperties properties, MeterRegistry meters) {
        return new OutboxRelay(repository, publisher, properties.relay().batchSize(), meters);
    }

    @Bean
    @ConditionalOnProperty(
            prefix = "jobfleet.producer.relay",
            name = "enabled",
            havingValue = "true",
            matchIfMissing = true)
    RelayLoop relayLoop(OutboxRelay relay, JobRepository repository, ProducerProperties properties) {
        ProducerProperties.Relay settings = properties.relay();
        return new RelayLoop(relay, repository, settings.interval(), settings.maxBackoff(), settings.sendTimeout());
    }
}
