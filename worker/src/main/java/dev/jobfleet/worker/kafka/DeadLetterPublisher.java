package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.Topics;
import dev.jobfleet.worker.metrics.WorkerMetrics;
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
 * Sends refused records to {@link Topics#DEAD_LETTER}: same key, the original value bytes and
 * headers, plus {@link Topics#HEADER_DLT_REASON} and {@link Topics#HEADER_DLT_ORIGIN}. Waits for
 * the broker's acknowledgement of every one, so a batch's offsets are never committed past a
 * record that is neither processed nor dead-lettered.
 */
public final class DeadLetterPublisher {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final KafkaTemplate<String, byte[]> template;
    private final WorkerMetrics metrics;
    private final Duration timeout;

    public DeadLetterPublisher(KafkaTemplate<String, byte[]> template, WorkerMetrics metrics, Duration timeout) {
        this.template = template;
        this.metrics = metrics;
        this.timeout = timeout;
    }

    /** @throws KafkaException when a record was not acknowledged; the batch is then retried */
    public void publish(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        List<CompletableFuture<SendResult<String, byte[]>>> sends = new ArrayList<>();
        for (DeadLetter letter : letters) {
            RecordHeaders headers = new RecordHeaders(letter.record().headers().toArray());
            headers.add(Topics.HEADER_DLT_REASON, letter.header().getBytes(StandardCharsets.UTF_8));
            headers.add(Topics.HEADER_DLT_ORIGIN, letter.origin().getBytes(StandardCharsets.UTF_8));
            sends.add(template.send(new ProducerRecord<>(
                    Topics.DEAD_LETTER,
                    null,
                    letter.record().key(),
                    letter.record().value(),
                    headers)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < letters.size(); i++) {
            await(sends.get(i), letters.get(i), deadline);
            DeadLetter letter = letters.get(i);
            metrics.deadLettered(letter.reason());
            log.warn(
                    "dead-lettered {} (key {}): {}",
                    letter.origin(),
                    letter.record().key(),
                    letter.header());
        }
    }

    private static void await(CompletableFuture<?> send, DeadLetter letter, long deadline) {
        try {
            send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while dead-lettering " + letter.origin(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("could not dead-letter " + letter.origin(), e);
        }
    }
}
