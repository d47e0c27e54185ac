package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.Topics;
import dev.jobfleet.store.DeadLetterRecord;
import dev.jobfleet.store.DeadLetterStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Moves dead letters from the database to {@link Topics#DEAD_LETTER}: same key, the original
 * value bytes and headers, plus {@link Topics#HEADER_DLT_REASON} and {@link
 * Topics#HEADER_DLT_ORIGIN}. A batch is deleted from the database only when the broker has
 * acknowledged every record of it; while the topic cannot be written the letters wait, and the
 * partitions they came from go on regardless. Every worker relays; {@code SKIP LOCKED} keeps them
 * apart.
 */
public final class DeadLetterRelay {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterRelay.class);

    private final DeadLetterStore store;
    private final KafkaTemplate<String, byte[]> template;
    private final int batch;
    private final Duration timeout;

    public DeadLetterRelay(DeadLetterStore store, KafkaTemplate<String, byte[]> template, int batch, Duration timeout) {
        this.store = store;
        this.template = template;
        this.batch = batch;
        this.timeout = timeout;
    }

    /** Publishes waiting letters, a batch at a time, until none wait or a publish fails. */
    public void relayOnce() {
        try {
            int published;
            do {
                published = store.relay(batch, this::publish);
            } while (published == batch);
        } catch (KafkaException | org.springframework.dao.DataAccessException e) {
            log.warn("dead letters wait in the database: {}", e.getMessage());
        }
    }

    private void publish(List<DeadLetterRecord> letters) {
        List<CompletableFuture<SendResult<String, byte[]>>> sends = new ArrayList<>();
        for (DeadLetterRecord letter : letters) {
            RecordHeaders headers = new RecordHeaders();
            letter.headers().forEach(h -> headers.add(h.name(), h.value()));
            headers.add(
                    Topics.HEADER_DLT_REASON,
                    (letter.reason() + ": " + letter.detail()).getBytes(StandardCharsets.UTF_8));
            headers.add(Topics.HEADER_DLT_ORIGIN, letter.origin().getBytes(StandardCharsets.UTF_8));
            String key = letter.key() == null ? null : new String(letter.key(), StandardCharsets.UTF_8);
            sends.add(template.send(new ProducerRecord<>(Topics.DEAD_LETTER, null, key, letter.value(), headers)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < letters.size(); i++) {
            DeadLetterRecord letter = letters.get(i);
            try {
                sends.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while dead-lettering " + letter.origin(), e);
            } catch (ExecutionException | TimeoutException e) {
                throw new KafkaException(
                        "could not publish dead letter " + letter.origin() + "; it stays in the database", e);
            }
        }
        log.info("published {} dead letters to {}", letters.size(), Topics.DEAD_LETTER);
    }
}
