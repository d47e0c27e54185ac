package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.Topics;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import dev.jobfleet.worker.run.HandlerRegistry;
import dev.jobfleet.worker.run.JobClaims;
import dev.jobfleet.worker.run.JobRunner;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Kafka wiring: the topics, the consumer settings the listener relies on, the dead-letter
 * producer and the error handler. Connection settings are Spring Boot's ({@code
 * spring.kafka.bootstrap-servers}).
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    @Bean
    NewTopic jobsTopic(WorkerProperties properties) {
        return TopicBuilder.name(Topics.JOBS)
                .partitions(properties.topicPartitions())
                .build();
    }

    @Bean
    NewTopic deadLetterTopic() {
        return TopicBuilder.name(Topics.DEAD_LETTER).partitions(1).build();
    }

    /**
     * What the listener needs whatever {@code spring.kafka.consumer.*} says: raw bytes (decoding
     * is the listener's, so a bad record is dead-lettered rather than failing the poll), no auto
     * commit, and a poll interval long enough for a batch's handlers.
     */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer jobfleetConsumerSettings(WorkerProperties properties) {
        return factory -> factory.updateConfigs(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                properties.maxPollRecords(),
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                (int) properties.maxPollInterval().toMillis()));
    }

    /**
     * A failed batch (database or broker unreachable) is retried in place, with backoff up to 30
     * seconds, for as long as it takes: every step of a batch is idempotent, and skipping it
     * would commit offsets of events that were never claimed.
     */
    @Bean
    CommonErrorHandler jobfleetErrorHandler() {
        ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
        backOff.setMaxInterval(30_000);
        return new DefaultErrorHandler(backOff);
    }

    /** The template of the dead-letter producer: acks from all replicas, idempotent. */
    @Bean
    @SuppressWarnings("unchecked")
    KafkaTemplate<String, byte[]> deadLetterTemplate(ProducerFactory<?, ?> producerFactory) {
        // the overrides set the serializers, so the copy the template makes is <String, byte[]>
        return new KafkaTemplate<>(
                (ProducerFactory<String, byte[]>) producerFactory,
                Map.of(
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                        StringSerializer.class,
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                        ByteArraySerializer.class,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true));
    }

    @Bean
    DeadLetterPublisher deadLetterPublisher(KafkaTemplate<String, byte[]> deadLetterTemplate, WorkerMetrics metrics) {
        return new DeadLetterPublisher(deadLetterTemplate, metrics, Duration.ofSeconds(30));
    }

    @Bean
    JobEventListener jobEventListener(
            HandlerRegistry handlers,
            JobRepository jobs,
            JobClaims claims,
            JobRunner runner,
            DeadLetterPublisher deadLetters,
            WorkerProperties properties) {
        return new JobEventListener(handlers, jobs, claims, runner, deadLetters, properties.id());
    }
}
