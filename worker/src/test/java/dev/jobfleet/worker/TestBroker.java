package dev.jobfleet.worker;

import static org.awaitility.Awaitility.await;

import dev.jobfleet.containers.Backends;
import dev.jobfleet.containers.Containers;
import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker (KRaft) for one test class, with a producer and an admin client: a Kafka
 * container where a Docker engine answers ({@link Backends}), the embedded in-process broker
 * otherwise.
 */
final class TestBroker implements AutoCloseable {
    private final String bootstrap;
    private final Runnable stop;
    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;

    private TestBroker(String bootstrap, Runnable stop) {
        this.bootstrap = bootstrap;
        this.stop = stop;
        this.producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new ByteArraySerializer());
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    /** A broker without topics: the worker creates them, as it does in production. */
    static TestBroker start() {
        if (Backends.containers()) {
            KafkaContainer kafka = Containers.startedKafka();
            return new TestBroker(kafka.getBootstrapServers(), kafka::stop);
        }
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
        broker.afterPropertiesSet();
        return new TestBroker(broker.getBrokersAsString(), broker::destroy);
    }

    String bootstrap() {
        return bootstrap;
    }

    RecordMetadata send(JobEvent event) {
        return send(new ProducerRecord<>(Topics.JOBS, event.id().toString(), JobCodec.encode(event)));
    }

    RecordMetadata send(ProducerRecord<String, byte[]> record) {
        try {
            return producer.send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not send " + record, e);
        }
    }

    /** Sends every record and waits for all acknowledgements; returns their metadata in order. */
    List<RecordMetadata> sendAll(List<ProducerRecord<String, byte[]>> records) {
        List<java.util.concurrent.Future<RecordMetadata>> sends = new ArrayList<>();
        records.forEach(r -> sends.add(producer.send(r)));
        List<RecordMetadata> sent = new ArrayList<>();
        for (java.util.concurrent.Future<RecordMetadata> f : sends) {
            try {
                sent.add(f.get(30, TimeUnit.SECONDS));
            } catch (Exception e) {
                throw new IllegalStateException("could not send a record", e);
            }
        }
        return sent;
    }

    /** Creates a topic (idempotent for the test's purposes: fails if it exists). */
    void createTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create topic " + name, e);
        }
    }

    /** The offset after the last record of a partition. */
    long endOffset(TopicPartition partition) {
        try {
            return admin.listOffsets(Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .partitionResult(partition)
                    .get(10, TimeUnit.SECONDS)
                    .offset();
        } catch (Exception e) {
            throw new IllegalStateException("could not read the end offset of " + partition, e);
        }
    }

    /** The group's committed offset of a partition: the next record it will read; -1 if none. */
    long committed(String group, TopicPartition partition) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            OffsetAndMetadata offset = offsets.get(partition);
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            throw new IllegalStateException("could not read the offsets of group " + group, e);
        }
    }

    /** Waits until the group has committed past {@code record}: the worker is done with it. */
    void awaitCommittedPast(String group, RecordMetadata record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> committed(group, partition) > record.offset());
    }

    /**
     * Waits until {@code group} is stable with {@code members} members and its partitions spread over
     * as many of them as there are partitions: a test that needs its jobs spread over workers must not
     * start while the first worker to join still holds every partition.
     */
    void awaitGroupSpread(String group, int members) {
        AtomicReference<String> last = new AtomicReference<>("no description yet");
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        ConsumerGroupDescription description;
                        try {
                            description = admin.describeConsumerGroups(List.of(group))
                                    .all()
                                    .get(10, TimeUnit.SECONDS)
                                    .get(group);
                        } catch (ExecutionException e) {
                            if (e.getCause() instanceof GroupIdNotFoundException) {
                                return false; // nobody has joined yet
                            }
                            throw e;
                        }
                        last.set(description.groupState() + " " + description.members());
                        int partitions = description.members().stream()
                                .mapToInt(m -> m.assignment().topicPartitions().size())
                                .sum();
                        long holders = description.members().stream()
                                .filter(m -> !m.assignment().topicPartitions().isEmpty())
                                .count();
                        return description.groupState() == GroupState.STABLE
                                && description.members().size() == members
                                && partitions > 0
                                && holders == Math.min(members, partitions);
                    });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(
                    "group " + group + " not spread over " + members + " members in 60 s; last seen: " + last.get(), e);
        }
    }

    /** Reads the dead-letter topic from the start until {@code expected} records are in. */
    List<ConsumerRecord<String, byte[]>> readDeadLetters(int expected) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(Topics.DEAD_LETTER, 0)));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
        }
        return records;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
        stop.run();
    }
}
