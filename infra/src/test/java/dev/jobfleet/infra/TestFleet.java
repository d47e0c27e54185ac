package dev.jobfleet.infra;

import dev.jobfleet.producer.ProducerApplication;
import dev.jobfleet.producer.security.ApiTokens;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.WorkerApplication;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The producer and two workers ({@code worker-1}, {@code worker-2}) started side by side in this JVM
 * by {@link FleetApps}, on a database and a broker the test owns, with settings that make a fault
 * test finish in seconds rather than minutes: a 3 s lease (heartbeat every second), the reaper every
 * 500 ms, the due-job poller and retry promoter every 250 ms, retries after 50-200 ms. Everything
 * else is each app's own {@code application.yml}. Ports are picked free; the apps log to {@code
 * <directory>/logs/fleet.log}. The apps connect as {@code jobfleet_app} and validate the schema as
 * {@code jobfleet_owner}, as in production; the producer accepts one operator token, {@link
 * #token()}, made for the fleet as {@code bin/fleet} makes its own.
 */
final class TestFleet implements AutoCloseable {
    static final List<String> WORKERS = List.of("worker-1", "worker-2");
    /** The consumer group of the workers (their {@code application.yml}). */
    static final String GROUP = "jobfleet-workers";

    private final FleetApps apps = new FleetApps();
    private final String token = ApiTokens.generate();
    private final FleetApps.Running producer;
    private final List<FleetApps.Running> workers = new ArrayList<>();

    private TestFleet(Builder b) {
        FleetApps.Backends backends = new FleetApps.Backends(
                b.jdbcUrl,
                LocalFleet.APP_ROLE,
                "",
                LocalFleet.OWNER_ROLE,
                "",
                b.bootstrapServers,
                b.directory.resolve("logs/fleet.log"));
        try {
            Map<String, String> producerSettings = new LinkedHashMap<>(common());
            producerSettings.put("jobfleet.security.tokens.fleet.role", "operator");
            producerSettings.put("jobfleet.security.tokens.fleet.hash", ApiTokens.hash(token));
            producerSettings.putAll(b.producerProperties);
            producer = apps.start("producer", ProducerApplication.class, 0, 0, backends, producerSettings);
            for (String id : WORKERS) {
                Map<String, String> settings = new LinkedHashMap<>(common());
                settings.put("jobfleet.worker.id", id);
                settings.put("jobfleet.worker.lease", "3s");
                settings.put("jobfleet.worker.poll-interval", "250ms");
                settings.put("jobfleet.worker.reaper-interval", "500ms");
                settings.put("jobfleet.worker.retry-promoter-interval", "250ms");
                settings.put("jobfleet.worker.backoff.base", "50ms");
                settings.put("jobfleet.worker.backoff.max", "200ms");
                settings.put("jobfleet.worker.queue-metrics-interval", "1s");
                settings.put("jobfleet.worker.shutdown-grace", "5s");
                settings.put("springdoc.api-docs.enabled", "false");
                settings.put("springdoc.swagger-ui.enabled", "false");
                settings.putAll(b.workerProperties);
                workers.add(apps.start(id, WorkerApplication.class, 0, 0, backends, settings));
            }
        } catch (RuntimeException e) {
            apps.close();
            throw e;
        }
    }

    /** What both kinds of app get: small pools (three apps share one server), a non-UTC session. */
    private static Map<String, String> common() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.datasource.hikari.maximum-pool-size", "6");
        settings.put(
                "spring.datasource.hikari.data-source-properties.options",
                "-c TimeZone=" + TestDatabase.SESSION_TIME_ZONE);
        return settings;
    }

    static Builder builder(Path directory) {
        return new Builder(directory);
    }

    URI producer() {
        return URI.create("http://localhost:" + producer.port());
    }

    URI jobs() {
        return producer().resolve("/jobs");
    }

    /** The producer's operator token. */
    String token() {
        return token;
    }

    List<FleetApps.Running> workers() {
        return List.copyOf(workers);
    }

    /**
     * Jobs a worker claimed, by the path that claimed them ({@code listener}: a Kafka batch; {@code
     * poller}: the due-job poller), from its {@code jobfleet.jobs.claimed} counter.
     */
    long claimed(FleetApps.Running worker, String source) {
        Counter counter = worker.context()
                .getBean(MeterRegistry.class)
                .find("jobfleet.jobs.claimed")
                .tag("source", source)
                .counter();
        return counter == null ? 0 : Math.round(counter.count());
    }

    /** "worker-1: 260 via Kafka, 3 by the poller; worker-2: ...". */
    String claimsBySource() {
        StringBuilder s = new StringBuilder();
        for (FleetApps.Running w : workers) {
            if (!s.isEmpty()) {
                s.append("; ");
            }
            s.append(w.name())
                    .append(": ")
                    .append(claimed(w, "listener"))
                    .append(" via Kafka, ")
                    .append(claimed(w, "poller"))
                    .append(" by the poller");
        }
        return s.toString();
    }

    long claimedBy(String source) {
        return workers.stream().mapToLong(w -> claimed(w, source)).sum();
    }

    @Override
    public void close() {
        apps.close();
    }

    static final class Builder {
        private final Path directory;
        private String jdbcUrl;
        private String bootstrapServers;
        private final Map<String, String> workerProperties = new LinkedHashMap<>();
        private final Map<String, String> producerProperties = new LinkedHashMap<>();

        private Builder(Path directory) {
            this.directory = directory.toAbsolutePath();
        }

        /** A database migrated by its superuser (V6 made the roles), which the apps join as their roles. */
        Builder database(TestDatabase db) {
            return database(db.url());
        }

        Builder database(LocalPostgres postgres) {
            return database(postgres.jdbcUrl());
        }

        Builder database(String url) {
            this.jdbcUrl = url;
            return this;
        }

        Builder broker(KafkaBroker broker) {
            return broker(broker.bootstrapServers());
        }

        Builder broker(TestKafka broker) {
            return broker(broker.bootstrapServers());
        }

        Builder broker(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** A worker setting over the test defaults, for both workers. */
        Builder workerProperty(String key, String value) {
            workerProperties.put(key, value);
            return this;
        }

        Builder producerProperty(String key, String value) {
            producerProperties.put(key, value);
            return this;
        }

        TestFleet start() {
            Objects.requireNonNull(jdbcUrl, "database");
            Objects.requireNonNull(bootstrapServers, "broker");
            return new TestFleet(this);
        }
    }
}
