package dev.jobfleet.infra.chaos;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A steady load of {@code demo.sleep} jobs at a set rate, through both doors: {@code POST /jobs}
 * (every tenth job under the concurrency key {@value #LIMITED_KEY}) and Kafka-first events published
 * straight to the jobs topic, each published {@link #duplicates(int) more than once}. A job counts
 * as <em>accepted</em> when the producer answered 201 with its id, or when the broker acknowledged
 * its event (the first copy); only accepted jobs are audited. Requests that fail are counted, not
 * retried: a client would retry with an idempotency key, which is another test.
 */
final class LoadDriver implements AutoCloseable {
    static final String LIMITED_KEY = "chaos-limited";
    static final int LIMIT = 2;
    static final int SLEEP_MS = 100;
    /** Jobs of the limited key run longer, so that its limit is reached, and held, in every scenario. */
    static final int LIMITED_SLEEP_MS = 300;

    static final int MAX_ATTEMPTS = 25;
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    private static final int IN_FLIGHT = 64;

    private final URI jobs;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final KafkaProducer<String, byte[]> kafka;
    private final ExecutorService senders = Executors.newFixedThreadPool(
            IN_FLIGHT, Thread.ofPlatform().name("chaos-load-", 0).daemon().factory());
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Thread pacer;

    private volatile double rate;
    private volatile int copies = 2;
    private volatile boolean running = true;

    /** Accepted jobs and when (epoch ms). */
    private final Map<UUID, Long> accepted = new ConcurrentHashMap<>();

    private final Set<UUID> limited = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong kafkaCopies = new AtomicLong();
    private final AtomicLong kafkaFailed = new AtomicLong();
    private volatile String lastFailure = "";

    LoadDriver(URI producer, String token, String bootstrapServers, double rate) {
        this.jobs = producer.resolve("/jobs");
        this.token = token;
        this.rate = rate;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "chaos-load");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        this.kafka = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.pacer = Thread.ofPlatform().name("chaos-pacer").daemon().start(this::pace);
    }

    /** Jobs per second from now on. */
    void rate(double jobsPerSecond) {
        this.rate = jobsPerSecond;
    }

    /** How often each Kafka-first event is published (2: once more than needed). */
    void duplicates(int copies) {
        this.copies = copies;
    }

    private void pace() {
        long next = System.nanoTime();
        while (running) {
            next += (long) (1e9 / rate);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                // the pacing interval itself, not a wait for a condition
                LockSupport.parkNanos(wait);
            } else if (-wait > 1_000_000_000L) {
                next = System.nanoTime(); // fell a second behind (GC, CPU): do not burst to catch up
            }
            if (!running) {
                return;
            }
            if (!inFlight.tryAcquire()) {
                skipped.incrementAndGet();
                continue;
            }
            long n = sequence.getAndIncrement();
            senders.execute(() -> {
                try {
                    submit(n);
                } finally {
                    inFlight.release();
                }
            });
        }
    }

    private void submit(long n) {
        if (n % 5 == 1) {
            kafkaFirst();
        } else {
            http(n % 10 == 0);
        }
    }

    private void http(boolean limitedKey) {
        String json = "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":" + (limitedKey ? LIMITED_SLEEP_MS : SLEEP_MS)
                + "},\"maxAttempts\":" + MAX_ATTEMPTS
                + (limitedKey ? ",\"concurrencyKey\":\"" + LIMITED_KEY + "\"" : "") + "}";
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(jobs)
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.ofString(json))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher id = ID.matcher(r.body());
            if (r.statusCode() == 201 && id.find()) {
                UUID job = UUID.fromString(id.group(1));
                accepted.put(job, System.currentTimeMillis());
                if (limitedKey) {
                    limited.add(job);
                }
            } else {
                refused.incrementAndGet();
                lastFailure = r.statusCode() + " " + r.body();
            }
        } catch (java.io.IOException e) {
            failed.incrementAndGet();
            lastFailure = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void kafkaFirst() {
        UUID id = JobIds.next();
        JobEvent event = new JobEvent(
                id,
                "demo.sleep",
                JsonNodeFactory.instance.objectNode().put("ms", SLEEP_MS),
                null,
                null,
                MAX_ATTEMPTS,
                null,
                null,
                null);
        byte[] bytes = JobCodec.encode(event);
        int n = copies;
        for (int i = 0; i < n; i++) {
            boolean first = i == 0;
            try {
                kafka.send(new ProducerRecord<>(Topics.JOBS, id.toString(), bytes), (meta, error) -> {
                    if (error != null) {
                        kafkaFailed.incrementAndGet();
                        lastFailure = error.toString();
                    } else {
                        kafkaCopies.incrementAndGet();
                        if (first) {
                            accepted.putIfAbsent(id, System.currentTimeMillis());
                        }
                    }
                });
            } catch (org.apache.kafka.common.KafkaException e) {
                // send() itself refuses when the metadata cannot be had within max.block.ms (broker down)
                kafkaFailed.incrementAndGet();
                lastFailure = e.toString();
            }
        }
    }

    /** Stop submitting, wait for the requests in flight and the broker's last acknowledgements. */
    @Override
    public void close() {
        running = false;
        try {
            pacer.join(5_000);
            senders.shutdown();
            if (!senders.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("requests still in flight 30 s after the load stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kafka.flush();
        kafka.close(Duration.ofSeconds(10));
    }

    Map<UUID, Long> accepted() {
        return Map.copyOf(accepted);
    }

    Set<UUID> limited() {
        return Set.copyOf(limited);
    }

    long sent() {
        return sequence.get();
    }

    long refused() {
        return refused.get();
    }

    long failed() {
        return failed.get();
    }

    long skipped() {
        return skipped.get();
    }

    long kafkaCopies() {
        return kafkaCopies.get();
    }

    long kafkaFailed() {
        return kafkaFailed.get();
    }

    String lastFailure() {
        return lastFailure;
    }

    /** Poison for the jobs topic: undecodable bytes and decodable but hostile events. */
    static List<byte[]> poison() {
        String huge = "x".repeat(200_000);
        return List.of(
                new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2},
                "not json at all".getBytes(),
                "{\"id\":\"not-a-uuid\",\"type\":\"demo.sleep\"}".getBytes(),
                ("{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"x'; DROP TABLE jobs; --\"}").getBytes(),
                ("{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"demo.sleep\",\"maxAttempts\":-5}").getBytes(),
                ("{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"demo.sleep\",\"priority\":99}").getBytes(),
                ("{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"demo.sleep\",\"payload\":\"" + huge + "\"}")
                        .getBytes(),
                "[]".getBytes(),
                "null".getBytes(),
                new byte[0]);
    }
}
