package dev.jobfleet.producer.testing;

import dev.jobfleet.producer.ProducerApplication;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * The producer app on a random port, with a fresh database on the real PostgreSQL and a real
 * KRaft broker ({@link TestKafkaConfiguration}: a container where Docker answers, embedded otherwise). The relay loop is off, so a test sees exactly the outbox rows a request
 * wrote; tests that need publishing drain the {@code OutboxRelay} bean themselves. Every class
 * with this annotation shares one context (and one database: count deltas, not totals).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        classes = ProducerApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "jobfleet.producer.relay.enabled=false",
            "jobfleet.producer.max-payload-bytes=" + ApiIntegrationTest.MAX_PAYLOAD_BYTES,
            "jobfleet.producer.max-batch-size=" + ApiIntegrationTest.MAX_BATCH_SIZE,
            "jobfleet.producer.max-batch-bytes=" + ApiIntegrationTest.MAX_BATCH_BYTES,
            "jobfleet.producer.max-list-bytes=" + ApiIntegrationTest.MAX_LIST_BYTES,
            "jobfleet.test.pool-size=16"
        })
@Import({TestDatabaseConfiguration.class, TestKafkaConfiguration.class})
public @interface ApiIntegrationTest {
    /** Small, so that oversized requests stay cheap to send. */
    int MAX_PAYLOAD_BYTES = 4096;

    /** Room for the 50-item bulk requests of the tests, and a cheap 413 above it. */
    int MAX_BATCH_SIZE = 60;

    int MAX_BATCH_BYTES = 64 * 1024;

    /** Two full payloads fit on a page of GET /jobs?include=payload, a third does not. */
    int MAX_LIST_BYTES = 10 * 1024;
}
