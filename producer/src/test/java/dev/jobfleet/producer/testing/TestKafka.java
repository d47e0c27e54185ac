package dev.jobfleet.producer.testing;

import dev.jobfleet.containers.Backends;
import dev.jobfleet.containers.Containers;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker (KRaft) for one test class or Spring context: a Kafka container where a Docker
 * engine answers ({@link Backends}), the embedded in-process broker otherwise; with {@code topics}
 * created with {@code partitions} partitions.
 */
public final class TestKafka implements AutoCloseable {
    private final String bootstrapServers;
    private final Runnable stop;

    private TestKafka(String bootstrapServers, Runnable stop) {
        this.bootstrapServers = bootstrapServers;
        this.stop = stop;
    }

    public static TestKafka start(int partitions, String... topics) {
        if (Backends.containers()) {
            KafkaContainer kafka = Containers.startedKafka();
            TestKafka started = new TestKafka(kafka.getBootstrapServers(), kafka::stop);
            started.createTopics(partitions, topics);
            return started;
        }
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, partitions, topics);
        broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
        broker.afterPropertiesSet();
        return new TestKafka(broker.getBrokersAsString(), broker::destroy);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    private void createTopics(int partitions, String... topics) {
        if (topics.length == 0) {
            return;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(Arrays.stream(topics)
                            .map(topic -> new NewTopic(topic, partitions, (short) 1))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create " + Arrays.toString(topics), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        stop.run();
    }
}
