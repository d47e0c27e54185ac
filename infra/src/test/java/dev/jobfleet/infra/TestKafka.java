package dev.jobfleet.infra;

import dev.jobfleet.containers.Backends;
import dev.jobfleet.containers.Containers;
import java.nio.file.Path;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka broker of a fleet test: a Kafka container where a Docker engine answers ({@link
 * Backends}), a {@link KafkaBroker} child process from the Kafka jars otherwise. Tests that kill and
 * restart the broker ({@code KafkaDownAtSubmissionIT}) use a {@link KafkaBroker} always: it is the
 * process they signal.
 */
final class TestKafka implements AutoCloseable {
    private final String bootstrapServers;
    private final AutoCloseable stop;

    private TestKafka(String bootstrapServers, AutoCloseable stop) {
        this.bootstrapServers = bootstrapServers;
        this.stop = stop;
    }

    /** A started broker; a child process keeps its data under {@code directory}. */
    static TestKafka start(Path directory) {
        if (Backends.containers()) {
            KafkaContainer kafka = Containers.startedKafka();
            return new TestKafka(kafka.getBootstrapServers(), kafka::stop);
        }
        KafkaBroker broker = KafkaBroker.builder(directory).start();
        return new TestKafka(broker.bootstrapServers(), broker);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() throws Exception {
        stop.close();
    }
}
