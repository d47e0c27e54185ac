package dev.jobfleet.containers;

import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The containers jobfleet runs on where a Docker engine answers: a KRaft Kafka broker ({@value
 * #KAFKA_IMAGE}, the image of infra/compose) and PostgreSQL ({@value #POSTGRES_IMAGE}, the version
 * the local tests run). Testcontainers' Ryuk removes them when the JVM exits.
 */
public final class Containers {
    public static final String KAFKA_IMAGE = "apache/kafka:4.2.1";
    public static final String POSTGRES_IMAGE = "postgres:15-alpine";

    private static PostgreSQLContainer postgres;

    private Containers() {}

    /** A new, not yet started broker: each test class gets its own, as with the embedded broker. */
    public static KafkaContainer kafka() {
        return new KafkaContainer(KAFKA_IMAGE).withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    }

    /** A started Kafka broker; its bootstrap servers are {@link KafkaContainer#getBootstrapServers()}. */
    public static KafkaContainer startedKafka() {
        KafkaContainer kafka = kafka();
        kafka.start();
        return kafka;
    }

    /**
     * The PostgreSQL server of this JVM, started on first use and shared, like the machine's server:
     * test fixtures create a fresh database in it per test class. Trust authentication (no password),
     * 300 connections, no fsync (tests prove concurrency, not crash durability).
     */
    public static synchronized PostgreSQLContainer postgres() {
        if (postgres == null) {
            PostgreSQLContainer container = newPostgres();
            container.withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off");
            container.start();
            postgres = container;
        }
        return postgres;
    }

    /**
     * A new, not yet started PostgreSQL server of its own (for {@code bin/fleet --containers}): the
     * superuser {@code postgres} without a password (trust authentication), the database {@code
     * postgres}.
     */
    public static PostgreSQLContainer newPostgres() {
        return new PostgreSQLContainer(POSTGRES_IMAGE)
                .withDatabaseName("postgres")
                .withUsername("postgres")
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust");
    }

    /** The JDBC URL of database {@code name} on the shared server. */
    public static String jdbcUrl(String name) {
        return jdbcUrl(postgres(), name);
    }

    /** The JDBC URL of database {@code name} on {@code server}. */
    public static String jdbcUrl(PostgreSQLContainer server, String name) {
        return "jdbc:postgresql://" + server.getHost() + ":" + server.getMappedPort(5432) + "/" + name;
    }
}
