package dev.jobfleet.producer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The producer: the HTTP API that submits, reads, lists and cancels jobs, and the relay that
 * publishes the transactional outbox to Kafka.
 */
@SpringBootApplication
public class ProducerApplication {
    public static void main(String[] args) {
        SpringApplication.run(ProducerApplication.class, args);
    }
}
