package dev.jobfleet.producer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The producer: the HTTP API that submits, reads, lists, changes, cancels and retries jobs (with
 * bulk submission, fan-in batches, concurrency limits and schedules), and the relay that publishes
 * the transactional outbox to Kafka.
 */
@SpringBootApplication
public class ProducerApplication {
    public static void main(String[] args) {
        SpringApplication.run(ProducerApplication.class, args);
    }
}
