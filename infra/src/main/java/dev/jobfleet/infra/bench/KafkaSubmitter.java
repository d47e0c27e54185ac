package dev.jobfleet.infra.bench;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Topics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.JsonNode;

/**
 * A Kafka-first producer: job events straight to {@link Topics#JOBS}, keyed by job id, {@code
 * acks=all} and idempotent, as a service publishing its own jobs would. The workers insert the jobs
 * ({@code ON CONFLICT DO NOTHING}) and claim them: this measures the worker path without the API.
 */
final class KafkaSubmitter {
    private final String bootstrapServers;

    KafkaSubmitter(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The benchmarks' job-event producer: {@code acks=all}, idempotent, String keys and raw values. */
    static KafkaProducer<String, byte[]> producer(String bootstrapServers, String clientId, int lingerMs) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    Submitted submit(int jobs, int rate, String type, JsonNode payload) {
        List<UUID> acknowledged = Collections.synchronizedList(new ArrayList<>(jobs));
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        Pacer pacer = new Pacer(jobs, rate);
        long start;
        try (KafkaProducer<String, byte[]> producer = producer(bootstrapServers, "jobfleet-load-generator", 5)) {
            // fetch the topic's metadata before the clock starts
            producer.partitionsFor(Topics.JOBS);
            start = System.nanoTime();
            pacer.start();
            while (pacer.await() >= 0) {
                UUID id = JobIds.next();
                JobEvent event = new JobEvent(id, type, payload, null, null, null, null, null);
                producer.send(new ProducerRecord<>(Topics.JOBS, id.toString(), JobCodec.encode(event)), (meta, e) -> {
                    if (e == null) {
                        acknowledged.add(id);
                    } else {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e.toString());
                    }
                });
            }
            producer.flush();
        }
        return new Submitted(List.copyOf(acknowledged), failed.get(), firstFailure.get(), start, System.nanoTime());
    }
}
