package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.Topics;
import dev.jobfleet.store.DeadLetterStore;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.metrics.ConsumerMetrics;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import dev.jobfleet.worker.run.HandlerRegistry;
import dev.jobfleet.worker.run.JobClaims;
import dev.jobfleet.worker.run.RunEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Kafka wiring: the topics, the consumer settings the poll thread relies on, the poll thread
 * itself ({@link JobConsumer}) and the dead-letter relay's producer. Connection settings are Spring Boot's ({@code
 * spring.kafka.bootstrap-servers}).
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    /** The consumer's client metrics refreshed every 5 s instead of Micrometer's 60 s (see {@link ConsumerMetrics}). */
    @Bean
    static BeanPostProcessor consumerMetricsRefresh(ObjectProvider<MeterRegistry> registry) {
        return ConsumerMetrics.replaceBootsListener(registry);
    }

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
     * What the poll thread needs whatever {@code spring.kafka.consumer.*} says: raw bytes (decoding
     * is the intake's, so a bad record is dead-lettered rather than failing the poll), no auto
     * commit (watermarks are committed by hand), and the batch size.
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
                        true,
                        // the relay's thread waits for these; a broker that does not answer must not hold it long
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        10_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        30_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                        10_000));
    }

    @Bean
    DeadLetterRelay deadLetterRelay(DeadLetterStore store, KafkaTemplate<String, byte[]> deadLetterTemplate) {
        return new DeadLetterRelay(store, deadLetterTemplate, 500, Duration.ofSeconds(30));
    }

    @Bean
    @SuppressWarnings("unchecked")
    JobConsumer jobConsumer(
            ConsumerFactory<?, ?> consumerFactory,
            HandlerRegistry handlers,
            @Qualifier("engineJobRepository") JobRepository engineJobs,
            DeadLetterStore deadLetters,
            JobClaims claims,
            RunEngine engine,
            WorkerMetrics metrics,
            WorkerProperties properties) {
        Intake intake = new Intake(handlers, engineJobs, deadLetters, claims, engine, metrics, properties.id());
        // the customizer below sets the deserializers, so the factory makes <String, byte[]> consumers
        return new JobConsumer(
                (ConsumerFactory<String, byte[]>) consumerFactory,
                properties.groupId(),
                "jobfleet-" + properties.id(),
                intake,
                engine,
                metrics,
                properties.maxPollRecords(),
                properties.prefetch(),
                properties.commitInterval());
    }
}
