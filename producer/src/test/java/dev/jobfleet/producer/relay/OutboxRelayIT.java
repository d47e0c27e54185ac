package dev.jobfleet.producer.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Topics;
import dev.jobfleet.producer.testing.TcpForwarder;
import dev.jobfleet.producer.testing.TestKafka;
import dev.jobfleet.producer.testing.TopicReader;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The outbox relay against the real PostgreSQL and a real (embedded KRaft) broker: several relays
 * share the outbox without publishing a row twice, and while Kafka is unreachable every row stays
 * until it can be published.
 */
class OutboxRelayIT {
    private static TestDatabase database;
    private static TestKafka broker;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    private final List<DefaultKafkaProducerFactory<String, byte[]>> producers = new ArrayList<>();

    @BeforeAll
    static void start() {
        database = TestDatabase.create(6);
        repository = new JobRepository(database.dataSource());
        jdbc = JdbcClient.create(database.dataSource());
        broker = TestKafka.start(6, Topics.JOBS);
    }

    @AfterAll
    static void stop() {
        broker.close();
        database.close();
    }

    @BeforeEach
    void outboxStartsEmpty() {
        assertThat(repository.outboxSize()).isZero();
    }

    @AfterEach
    void closeProducers() {
        producers.forEach(DefaultKafkaProducerFactory::destroy);
    }

    @Test
    void twoRelaysShareTheOutboxAndPublishEveryRowExactlyOnce() throws Exception {
        Set<UUID> ids = submit(2_000, "relay.share");
        int recordsBefore =
                TopicReader.readAll(broker.bootstrapServers(), Topics.JOBS).size();
        MeterRegistry metersA = new SimpleMeterRegistry();
        MeterRegistry metersB = new SimpleMeterRegistry();
        OutboxRelay relayA = relay(broker.bootstrapServers(), metersA, 50, Map.of());
        OutboxRelay relayB = relay(broker.bootstrapServers(), metersB, 50, Map.of());

        ExecutorService threads = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        long started = System.nanoTime();
        Future<Integer> a = threads.submit(() -> drainUntilEmpty(relayA, go));
        Future<Integer> b = threads.submit(() -> drainUntilEmpty(relayB, go));
        go.countDown();
        int byA = a.get(60, TimeUnit.SECONDS);
        int byB = b.get(60, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        threads.shutdown();

        List<ConsumerRecord<String, byte[]>> all = TopicReader.readAll(broker.bootstrapServers(), Topics.JOBS);
        List<String> keys = all.subList(recordsBefore, all.size()).stream()
                .map(ConsumerRecord::key)
                .toList();
        Set<String> distinct = new LinkedHashSet<>(keys);
        System.out.printf(
                "relay concurrency: %d outbox rows, relay A published %d, relay B published %d in %d ms;"
                        + " topic got %d records, %d distinct keys, %d published twice%n",
                ids.size(), byA, byB, millis, keys.size(), distinct.size(), keys.size() - distinct.size());
        assertThat(repository.outboxSize()).isZero();
        assertThat(byA + byB).isEqualTo(2_000);
        assertThat(byA).as("relay A did part of the work").isPositive();
        assertThat(byB).as("relay B did part of the work").isPositive();
        assertThat(keys).hasSize(2_000);
        assertThat(distinct).hasSize(2_000);
        assertThat(distinct).isEqualTo(ids.stream().map(UUID::toString).collect(Collectors.toSet()));
        assertThat(metersA.get("jobfleet.outbox.published").counter().count()).isEqualTo(byA);
        assertThat(metersB.get("jobfleet.outbox.published").counter().count()).isEqualTo(byB);
    }

    @Test
    void whileKafkaIsDownEveryRowStaysInTheOutboxAndGoesOnceKafkaIsReachable() {
        Set<UUID> ids = submit(100, "relay.down");
        List<Long> waiting = outboxIds();
        MeterRegistry meters = new SimpleMeterRegistry();
        OutboxRelay down = relay("127.0.0.1:" + freePort(), meters, 500, unreachableKafka());

        assertThatThrownBy(down::drain).isInstanceOf(OutboxPublishException.class);

        assertThat(outboxIds()).as("every row is still there").isEqualTo(waiting);
        assertThat(meters.get("jobfleet.outbox.failures").counter().count()).isOne();
        assertThat(meters.get("jobfleet.outbox.published").counter().count()).isZero();

        int published = relay(broker.bootstrapServers(), new SimpleMeterRegistry(), 500, Map.of())
                .drain();

        assertThat(published).isEqualTo(100);
        assertThat(repository.outboxSize()).isZero();
        assertThat(publishedKeys(ids)).containsExactlyInAnyOrderElementsOf(keys(ids));
    }

    @Test
    void theRelayLoopBacksOffWithOneWarningWhileKafkaIsDownAndPublishesWhenItComesBack() throws Exception {
        Set<UUID> ids = submit(20, "relay.loop");
        List<Long> waiting = outboxIds();
        int port = freePort();
        MeterRegistry meters = new SimpleMeterRegistry();
        RelayLoop loop = new RelayLoop(
                relay("127.0.0.1:" + port, meters, 500, unreachableKafka()),
                repository,
                Duration.ofMillis(50),
                Duration.ofMillis(400),
                Duration.ofSeconds(2));
        ListAppender<ILoggingEvent> log = captureLog();
        TcpForwarder kafkaPath = null;
        try {
            loop.start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            meters.get("jobfleet.outbox.failures").counter().count() >= 3);
            assertThat(outboxIds()).isEqualTo(waiting);

            kafkaPath = new TcpForwarder(port, broker.bootstrapServers());

            await().atMost(Duration.ofSeconds(30)).until(() -> repository.outboxSize() == 0);
            loop.stop();
            List<String> keys = publishedKeys(ids);
            double failures = meters.get("jobfleet.outbox.failures").counter().count();
            List<ILoggingEvent> warnings =
                    log.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            System.out.printf(
                    "relay loop: %.0f failed attempts while Kafka was unreachable, %d WARN line(s), then %d rows"
                            + " published once it was back%n",
                    failures, warnings.size(), keys.size());
            assertThat(keys).containsExactlyInAnyOrderElementsOf(keys(ids));
            assertThat(warnings).hasSize(1);
            assertThat(warnings.getFirst().getFormattedMessage()).contains("outbox backlog: 20 rows");
            assertThat(log.list)
                    .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("recovered after"));
        } finally {
            loop.stop();
            detach(log);
            if (kafkaPath != null) {
                kafkaPath.close();
            }
        }
    }

    private static int drainUntilEmpty(OutboxRelay relay, CountDownLatch go) throws InterruptedException {
        go.await();
        int published = 0;
        while (repository.outboxSize() > 0) {
            published += relay.drain();
        }
        return published;
    }

    private OutboxRelay relay(String bootstrap, MeterRegistry meters, int batchSize, Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.putAll(overrides);
        DefaultKafkaProducerFactory<String, byte[]> factory = new DefaultKafkaProducerFactory<>(config);
        producers.add(factory);
        OutboxPublisher publisher = new OutboxPublisher(new KafkaTemplate<>(factory), Duration.ofSeconds(10));
        return new OutboxRelay(repository, publisher, batchSize, meters);
    }

    /** A producer that gives up quickly on a broker that does not answer. */
    private static Map<String, Object> unreachableKafka() {
        return Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 1_500,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    }

    private static Set<UUID> submit(int count, String type) {
        Set<UUID> ids = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            JobEvent event = new JobEvent(
                    JobIds.next(),
                    type,
                    JsonNodeFactory.instance.objectNode().put("n", i),
                    null,
                    null,
                    null,
                    null,
                    null);
            ids.add(repository.submit(event, "test").job().id());
        }
        assertThat(repository.outboxSize()).isEqualTo(count);
        return ids;
    }

    private static List<Long> outboxIds() {
        return jdbc.sql("SELECT id FROM outbox ORDER BY id").query(Long.class).list();
    }

    private static List<String> publishedKeys(Set<UUID> ids) {
        Set<String> wanted = keys(ids);
        return TopicReader.readAll(broker.bootstrapServers(), Topics.JOBS).stream()
                .map(ConsumerRecord::key)
                .filter(wanted::contains)
                .toList();
    }

    private static Set<String> keys(Set<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.toSet());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    private static ListAppender<ILoggingEvent> captureLog() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(RelayLoop.class)).addAppender(appender);
        return appender;
    }

    private static void detach(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(RelayLoop.class)).detachAppender(appender);
    }
}
