package dev.jobfleet.producer.fleet;

import dev.jobfleet.store.JobRepository;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/** The fleet view: its admin client reaches Kafka the way Spring Boot's {@link KafkaAdmin} does. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(FleetProperties.class)
public class FleetConfiguration {

    @Bean
    ConsumerLagReader consumerLagReader(KafkaAdmin kafkaAdmin, FleetProperties properties) {
        return new ConsumerLagReader(kafkaAdmin.getConfigurationProperties(), properties.kafkaTimeout());
    }

    @Bean
    FleetStatusReader fleetStatusReader(
            JobRepository jobs, ConsumerLagReader lag, FleetProperties properties, ObjectProvider<Clock> clock) {
        return new FleetStatusReader(jobs, lag, properties.groupId(), clock.getIfAvailable(Clock::systemUTC));
    }
}
