package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The child-process broker is a real broker: records acknowledged by all replicas survive a kill -9,
 * clients cannot reach it while it is down, and a restart on the same directory serves them again.
 */
class KafkaBrokerIT {
    private static final int RECORDS = 1_000;
    private static final int PARTITIONS = 3;
    private static final String TOPIC = "broker-it";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final Path directory = Path.of("target", "it", "kafka-" + UUID.randomUUID());
    private KafkaBroker broker;

    @AfterEach
    void tearDown() throws Exception {
        if (broker != null) {
            broker.close();
        }
        Directories.deleteRecursively(directory);
    }

    @Test
    void acknowledgedRecordsSurviveKill9AndRestart() throws Exception {
        long t0 = System.nanoTime();
        broker = KafkaBroker.builder(directory).build();
        broker.start();
        Duration started = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf(
                "broker on %s started (format + launch + ready) in %d ms%n",
                broker.bootstrapServers(), started.toMillis());

        try (Admin admin = Admin.create(adminProps())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1)))
                    .all()
                    .get();
        }
        Map<String, String> sent = produceAll();
        assertThat(consumeAll()).isEqualTo(sent);

        long pid = broker.pid();
        broker.kill();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(broker.isRunning()).isFalse();
        assertClientsCannotReachTheBroker();

        long t1 = System.nanoTime();
        broker.restart();
        Duration restarted = Duration.ofNanos(System.nanoTime() - t1);
        System.out.printf("broker restarted after kill -9 on the same data in %d ms%n", restarted.toMillis());

        assertThat(consumeAll()).isEqualTo(sent);
    }

    private Map<String, String> produceAll() throws InterruptedException, ExecutionException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Map<String, String> sent = new TreeMap<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                String key = "key-" + i;
                String value = "value-" + i + "-" + UUID.randomUUID();
                sent.put(key, value);
                acks.add(producer.send(new ProducerRecord<>(TOPIC, key, value)));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        }
        return sent;
    }

    /** Every record of the topic from the beginning, by key; waits until all {@value #RECORDS} are in. */
    private Map<String, String> consumeAll() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, String> received = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(TOPIC, p))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(DEADLINE).pollInSameThread().pollDelay(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    received.put(r.key(), r.value());
                }
                return received.size() >= RECORDS;
            });
        }
        return received;
    }

    private void assertClientsCannotReachTheBroker() {
        try (Admin admin = Admin.create(adminProps())) {
            assertThatThrownBy(() -> admin.describeCluster(new DescribeClusterOptions().timeoutMs(1500))
                            .nodes()
                            .get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1500");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "1500");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            // a fresh client has no metadata and nobody to ask for it
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPIC, "down", "down"))
                            .get())
                    .satisfiesAnyOf(
                            e -> assertThat(e).isInstanceOf(TimeoutException.class),
                            e -> assertThat(e).hasCauseInstanceOf(TimeoutException.class));
        }
    }

    private Properties adminProps() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return props;
    }
}
