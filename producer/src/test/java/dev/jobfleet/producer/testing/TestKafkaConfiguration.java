package dev.jobfleet.producer.testing;

import dev.jobfleet.containers.Backends;
import dev.jobfleet.containers.Containers;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.test.context.DynamicPropertyRegistrar;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka broker of a producer test context. Where a Docker engine answers ({@link Backends}), a
 * Kafka container that Spring Boot starts and connects the app to ({@code @ServiceConnection});
 * otherwise the embedded KRaft broker, named in {@code spring.kafka.bootstrap-servers}. Tests ask
 * Boot's {@code KafkaConnectionDetails} where it is, either way.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestKafkaConfiguration {

    @Bean
    @ServiceConnection
    @Conditional(InContainers.class)
    KafkaContainer kafkaContainer() {
        return Containers.kafka();
    }

    @Bean(destroyMethod = "close")
    @Conditional(Locally.class)
    TestKafka embeddedKafka() {
        return TestKafka.start(1);
    }

    @Bean
    @Conditional(Locally.class)
    DynamicPropertyRegistrar embeddedKafkaProperties(TestKafka kafka) {
        return registry -> registry.add("spring.kafka.bootstrap-servers", kafka::bootstrapServers);
    }

    /** This JVM runs Kafka and PostgreSQL in containers. */
    static final class InContainers implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return Backends.containers();
        }
    }

    /** This JVM runs the local broker and PostgreSQL. */
    static final class Locally implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !Backends.containers();
        }
    }
}
