package dev.jobfleet.producer;

import dev.jobfleet.model.Topics;
import dev.jobfleet.store.Batches;
import dev.jobfleet.store.ConcurrencyLimits;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Schedules;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

/** The store and the topics: what the API and the relay share. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProducerProperties.class)
public class ProducerConfiguration {

    @Bean
    JobRepository jobRepository(DataSource dataSource, ProducerProperties properties) {
        // PATCH may merge metadata up to the size a submission may bring
        return new JobRepository(dataSource, properties.maxPayloadBytes());
    }

    @Bean
    ConcurrencyLimits concurrencyLimits(DataSource dataSource) {
        return new ConcurrencyLimits(dataSource);
    }

    @Bean
    Batches batches(DataSource dataSource, JobRepository repository) {
        return new Batches(dataSource, repository);
    }

    @Bean
    Schedules schedules(DataSource dataSource, JobRepository repository) {
        return new Schedules(dataSource, repository);
    }

    /** Created by Spring's KafkaAdmin at startup if missing; an existing topic is left as it is. */
    @Bean
    NewTopic jobsTopic(ProducerProperties properties) {
        return topic(Topics.JOBS, properties.topic());
    }

    /**
     * One partition, as the worker declares it: dead letters are few, and one partition keeps them
     * in the order they were refused.
     */
    @Bean
    NewTopic deadLetterTopic(ProducerProperties properties) {
        return TopicBuilder.name(Topics.DEAD_LETTER)
                .partitions(1)
                .replicas(properties.topic().replicas())
                .build();
    }

    /** Rows waiting to be published; grows while Kafka is unreachable. */
    @Bean
    MeterBinder outboxBacklogGauge(JobRepository repository) {
        return registry -> Gauge.builder("jobfleet.outbox.backlog", repository, JobRepository::outboxSize)
                .description("Outbox rows not yet published to Kafka")
                .register(registry);
    }

    private static NewTopic topic(String name, ProducerProperties.Topic settings) {
        return TopicBuilder.name(name)
                .partitions(settings.partitions())
                .replicas(settings.replicas())
                .build();
    }
}
