package dev.jobfleet.infra.chaos;

import dev.jobfleet.model.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Samples the fleet from the harness's own connections: every {@value #INTERVAL_MS} ms how many jobs
 * of the limited key run (never more than the limit) and the backlog of {@code demo.sleep} jobs not
 * yet finished (those of the limited key apart); every second the workers' consumer lag on the jobs topic (records not yet committed:
 * Kafka-first jobs the database does not know yet). A sample that fails (the database or the broker
 * is down) is counted, and the loops go on.
 */
final class Sampler implements AutoCloseable {
    static final int INTERVAL_MS = 200;
    private static final String GROUP = "jobfleet-workers";

    /**
     * One database sample: when (epoch ms), running jobs of the limited key, unfinished jobs without
     * a concurrency key (the fleet's backlog), unfinished jobs of the limited key (which drain no
     * faster than its limit allows, whatever the fleet can do).
     */
    record Sample(long atMillis, int limitedRunning, int backlog, int limitedBacklog) {}

    /** One Kafka sample: when (epoch ms), records of the jobs topic the workers have not committed. */
    record Lag(long atMillis, long records) {}

    private final JdbcClient jdbc;
    private final Admin admin;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final List<Lag> lags = new CopyOnWriteArrayList<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong lagFailures = new AtomicLong();
    private volatile String lastFailure = "";
    private volatile boolean running = true;
    private final Thread database;
    private final Thread kafka;

    Sampler(DataSource admin, String bootstrapServers) {
        this.jdbc = JdbcClient.create(admin);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "chaos-sampler");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        this.admin = Admin.create(props);
        this.database = Thread.ofPlatform().name("chaos-sampler").daemon().start(this::sampleDatabase);
        this.kafka = Thread.ofPlatform().name("chaos-lag").daemon().start(this::sampleLag);
    }

    private void sampleDatabase() {
        while (running) {
            long t = System.currentTimeMillis();
            try {
                // one statement, one snapshot: both counts of the same instant
                Sample s = jdbc.sql("""
                                SELECT count(*) FILTER (WHERE state = 'RUNNING' AND concurrency_key = :key),
                                       count(*) FILTER (WHERE type = 'demo.sleep' AND concurrency_key IS NULL),
                                       count(*) FILTER (WHERE concurrency_key = :key)
                                FROM jobs WHERE state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED')""")
                        .param("key", LoadDriver.LIMITED_KEY)
                        .query((rs, n) -> new Sample(t, rs.getInt(1), rs.getInt(2), rs.getInt(3)))
                        .single();
                samples.add(s);
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                lastFailure = e.toString();
            }
            Chaos.hold(Duration.ofMillis(Math.max(0, INTERVAL_MS - (System.currentTimeMillis() - t))));
        }
    }

    private void sampleLag() {
        while (running) {
            long t = System.currentTimeMillis();
            try {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata()
                        .get(2, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int p = 0; p < 6; p++) {
                    latest.put(new TopicPartition(Topics.JOBS, p), OffsetSpec.latest());
                }
                long lag = 0;
                for (var e :
                        admin.listOffsets(latest).all().get(2, TimeUnit.SECONDS).entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    lag += e.getValue().offset() - (c == null ? 0 : c.offset());
                }
                lags.add(new Lag(t, lag));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return;
                }
                lagFailures.incrementAndGet();
            }
            Chaos.hold(Duration.ofMillis(Math.max(0, 1000 - (System.currentTimeMillis() - t))));
        }
    }

    List<Sample> between(long fromMillis, long toMillis) {
        return samples.stream()
                .filter(s -> s.atMillis() >= fromMillis && s.atMillis() < toMillis)
                .toList();
    }

    List<Lag> lagBetween(long fromMillis, long toMillis) {
        return lags.stream()
                .filter(s -> s.atMillis() >= fromMillis && s.atMillis() < toMillis)
                .toList();
    }

    long failures() {
        return failures.get();
    }

    long lagFailures() {
        return lagFailures.get();
    }

    String lastFailure() {
        return lastFailure;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        database.join(5_000);
        kafka.join(5_000);
        admin.close(Duration.ofSeconds(5));
    }
}
