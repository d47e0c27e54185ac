package dev.jobfleet.producer.relay;

import dev.jobfleet.store.OutboxRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Publishes a batch of outbox rows to Kafka and returns only once the broker acknowledged every
 * record (the template's producer is configured with {@code acks=all} and idempotence). Each
 * record goes to the row's topic with key = job id, so all events of a job share a partition.
 *
 * <p>Any record not acknowledged within the send timeout fails the whole batch with an {@link
 * OutboxPublishException}; the relay's transaction then rolls back and the rows wait in the outbox.
 * A batch that partly reached Kafka is sent again in full later: delivery is at least once, and the
 * worker's claim makes a duplicate event a no-op.
 */
public class OutboxPublisher {
    private final KafkaTemplate<String, byte[]> kafka;
    private final Duration sendTimeout;

    public OutboxPublisher(KafkaTemplate<String, byte[]> kafka, Duration sendTimeout) {
        this.kafka = kafka;
        this.sendTimeout = sendTimeout;
    }

    public void publish(List<OutboxRecord> batch) {
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        List<CompletableFuture<SendResult<String, byte[]>>> acks = new ArrayList<>(batch.size());
        for (OutboxRecord row : batch) {
            CompletableFuture<SendResult<String, byte[]>> ack = send(row);
            if (ack.isCompletedExceptionally()) {
                // refused at once: the next records would fail the same way
                await(ack, row, deadline);
            }
            acks.add(ack);
        }
        for (int i = 0; i < acks.size(); i++) {
            await(acks.get(i), batch.get(i), deadline);
        }
    }

    private CompletableFuture<SendResult<String, byte[]>> send(OutboxRecord row) {
        try {
            return kafka.send(row.topic(), row.jobId().toString(), row.event().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            // e.g. no metadata for the topic within max.block.ms: Kafka unreachable
            throw new OutboxPublishException(failure(row, "could not be sent") + ": " + rootCause(e), e);
        }
    }

    private static void await(CompletableFuture<SendResult<String, byte[]>> ack, OutboxRecord row, long deadline) {
        try {
            ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new OutboxPublishException(failure(row, "was refused") + ": " + rootCause(e), e.getCause());
        } catch (TimeoutException e) {
            throw new OutboxPublishException(failure(row, "was not acknowledged in time"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutboxPublishException(failure(row, "was interrupted"), e);
        }
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }

    private static String failure(OutboxRecord row, String what) {
        return "outbox row " + row.id() + " (job " + row.jobId() + ") to " + row.topic() + " " + what;
    }
}
