package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.Topics;
import dev.jobfleet.worker.kafka.EventSorter.Polled;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import dev.jobfleet.worker.run.RunEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * The poll thread: it owns the Kafka consumer and never waits for a handler.
 *
 * <p>Each turn of its loop it (1) pauses every assigned partition while the {@link RunEngine} has
 * no room for another batch, and resumes them when it has, so that a slow job never keeps
 * {@code max.poll.interval} from being met; (2) polls; (3) hands what it got to the {@link Intake}
 * (decode, dead letters, insert, claim, hand to the run stage), or, while the database is
 * unreachable, keeps the batch and tries it again with backoff, partitions paused; (4) commits
 * each partition's watermark ({@link PartitionOffsets}) when it moved.
 *
 * <p>A revoked partition's runs keep running: the claim in PostgreSQL is the truth, not partition
 * ownership. Its watermark is committed in the revocation callback, and a record after it that is
 * redelivered to the new owner finds nothing to claim while the run holds the job.
 */
public final class JobConsumer {
    private static final Logger log = LoggerFactory.getLogger(JobConsumer.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ConsumerFactory<String, byte[]> factory;
    private final String groupId;
    private final String clientId;
    private final Intake intake;
    private final RunEngine engine;
    private final WorkerMetrics metrics;
    private final int maxPollRecords;
    private final int prefetch;
    private final Duration commitInterval;
    private final Map<TopicPartition, PartitionOffsets> partitions = new ConcurrentHashMap<>();
    private final CountDownLatch intakeStopped = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private Thread thread;
    private volatile boolean stopIntake;
    private volatile boolean closing;
    private volatile boolean pausedByRequest;
    private volatile boolean paused;
    private volatile boolean pausedForRoom;
    private volatile Throwable failure;
    private Consumer<String, byte[]> consumer;
    private List<Polled> waiting;
    private long retryAtNanos;
    private long retryBackoffNanos;
    private long lastCommitNanos;

    JobConsumer(
            ConsumerFactory<String, byte[]> factory,
            String groupId,
            String clientId,
            Intake intake,
            RunEngine engine,
            WorkerMetrics metrics,
            int maxPollRecords,
            int prefetch,
            Duration commitInterval) {
        this.prefetch = prefetch;
        this.factory = factory;
        this.groupId = groupId;
        this.clientId = clientId;
        this.intake = intake;
        this.engine = engine;
        this.metrics = metrics;
        this.maxPollRecords = maxPollRecords;
        this.commitInterval = commitInterval;
        metrics.consumerGauges(this::unsettledRecords, () -> paused ? 1 : 0);
        engine.onQueueDrained(prefetch, this::wakeIfPausedForRoom);
    }

    /** The run stage has room again: a poll waiting while paused for it returns now. */
    private void wakeIfPausedForRoom() {
        Consumer<String, byte[]> c = consumer;
        if (c != null && pausedForRoom && !stopIntake) {
            pausedForRoom = false;
            c.wakeup();
        }
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = Thread.ofPlatform().name("jobfleet-intake").unstarted(this::run);
        thread.start();
    }

    /**
     * Pauses consumption (every partition) until {@link #resume()}: what is already running goes
     * on. For operators and tests; backpressure pauses on its own.
     */
    public void pause() {
        pausedByRequest = true;
    }

    public void resume() {
        pausedByRequest = false;
    }

    /** Whether every assigned partition is paused now. */
    public boolean isPaused() {
        return paused;
    }

    /** Records read and not yet settled, over all assigned partitions. */
    public int unsettledRecords() {
        return partitions.values().stream()
                .mapToInt(PartitionOffsets::unsettled)
                .sum();
    }

    /** The error that ended the poll thread, if it ended unexpectedly. */
    public Throwable failure() {
        return failure;
    }

    public boolean isAlive() {
        return thread != null && thread.isAlive();
    }

    /**
     * Shutdown step one: no more batches are taken and nothing more is claimed from Kafka events;
     * the consumer stays in its group and keeps committing watermarks as runs settle. Returns once
     * the poll thread is no longer in the middle of a batch, or after {@code wait}.
     */
    public boolean stopIntake(Duration wait) throws InterruptedException {
        stopIntake = true;
        return thread == null || intakeStopped.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Shutdown's last step: commits every watermark and closes the consumer. */
    public void close(Duration wait) throws InterruptedException {
        stopIntake = true;
        closing = true;
        if (thread == null) {
            return;
        }
        Consumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (!closed.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("the Kafka consumer did not close within {}", wait);
        }
    }

    private void run() {
        try {
            consumer = factory.createConsumer(groupId, clientId, null);
            consumer.subscribe(List.of(Topics.JOBS), new Rebalance());
            while (!closing) {
                try {
                    turn();
                } catch (WakeupException e) {
                    // close() wakes the poll
                } catch (KafkaException e) {
                    log.warn("Kafka consumer error, going on: {}", e.getMessage());
                    retryAfterError();
                } catch (Error e) {
                    failure = e;
                    log.error("the poll thread hit an Error; it goes on, and the worker reports itself unhealthy", e);
                    retryAfterError();
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("the poll thread stopped", e);
        } finally {
            intakeStopped.countDown();
            closeConsumer();
            closed.countDown();
        }
    }

    private void turn() {
        if (stopIntake && waiting != null) {
            // shutting down: a batch that could not be claimed stays unsettled, Kafka redelivers it
            waiting = null;
        }
        if (stopIntake) {
            intakeStopped.countDown();
        }
        applyPause();
        if (waiting != null && System.nanoTime() >= retryAtNanos) {
            take(waiting);
        }
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL_TIMEOUT);
        if (!records.isEmpty()) {
            long polledAt = System.currentTimeMillis();
            List<Polled> batch = new ArrayList<>(records.count());
            for (ConsumerRecord<String, byte[]> record : records) {
                metrics.polled(Duration.ofMillis(polledAt - record.timestamp()));
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                PartitionOffsets offsets = partitions.computeIfAbsent(tp, PartitionOffsets::new);
                batch.add(new Polled(record, offsets.received(record.offset())));
            }
            if (waiting != null) {
                // cannot happen while paused; if it does, keep order by queueing behind the waiting batch
                waiting.addAll(batch);
            } else {
                take(batch);
            }
        }
        commit(false);
    }

    private void take(List<Polled> batch) {
        long started = System.nanoTime();
        try {
            intake.accept(batch);
            metrics.intake(Duration.ofNanos(System.nanoTime() - started));
            waiting = null;
            retryBackoffNanos = 0;
        } catch (DataAccessException e) {
            waiting = batch;
            retryBackoffNanos =
                    retryBackoffNanos == 0 ? MIN_RETRY_NANOS : Math.min(MAX_RETRY_NANOS, retryBackoffNanos * 2);
            retryAtNanos = System.nanoTime() + retryBackoffNanos;
            log.warn(
                    "could not claim a batch of {} records, the database is unavailable ({}); partitions paused, "
                            + "retrying in {} ms",
                    batch.size(),
                    e.getMostSpecificCause().getMessage(),
                    TimeUnit.NANOSECONDS.toMillis(retryBackoffNanos));
            applyPause();
        }
    }

    /**
     * Pauses every assigned partition while {@code prefetch} claimed runs already wait for a
     * handler slot, or another full batch would not fit the engine's capacity, and resumes once
     * neither holds. Paused, the events wait in Kafka and their jobs stay claimable by any
     * worker's due-job poller, instead of waiting behind this worker's busy handlers.
     */
    private void applyPause() {
        boolean full = engine.queuedRuns() >= prefetch || engine.inFlightRuns() + maxPollRecords > engine.capacity();
        boolean shouldPause = stopIntake || pausedByRequest || waiting != null || full;
        pausedForRoom = full && !stopIntake && !pausedByRequest && waiting == null;
        if (shouldPause) {
            var assigned = consumer.assignment();
            if (!consumer.paused().containsAll(assigned)) {
                consumer.pause(assigned);
            }
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
        paused = shouldPause;
    }

    private void commit(boolean now) {
        long t = System.nanoTime();
        if (!now && t - lastCommitNanos < commitInterval.toNanos()) {
            return;
        }
        lastCommitNanos = t;
        Map<TopicPartition, OffsetAndMetadata> offsets = watermarks(partitions.values());
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                log.info("commit of {} watermarks failed, sending them again: {}", offsets.size(), error.getMessage());
                offsets.keySet().forEach(tp -> {
                    PartitionOffsets p = partitions.get(tp);
                    if (p != null) {
                        p.commitFailed();
                    }
                });
            }
        });
        offsets.forEach((tp, o) -> partitions.get(tp).committed(o.offset()));
        metrics.committed(offsets.size());
    }

    private static Map<TopicPartition, OffsetAndMetadata> watermarks(Collection<PartitionOffsets> of) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionOffsets p : of) {
            long offset = p.toCommit();
            if (offset >= 0) {
                offsets.put(p.partition(), new OffsetAndMetadata(offset));
            }
        }
        return offsets;
    }

    private void commitSync(Collection<PartitionOffsets> of) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionOffsets p : of) {
            long offset = p.watermark();
            if (offset >= 0) {
                offsets.put(p.partition(), new OffsetAndMetadata(offset));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, COMMIT_TIMEOUT);
            of.forEach(p -> p.committed(p.watermark()));
            log.info("committed watermarks {}", offsetsText(offsets));
        } catch (KafkaException e) {
            log.warn("could not commit the watermarks of {}: {}", offsets.keySet(), e.getMessage());
        }
    }

    private static String offsetsText(Map<TopicPartition, OffsetAndMetadata> offsets) {
        return new java.util.TreeMap<>(offsets.entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(
                                e -> e.getKey().toString(), e -> e.getValue().offset())))
                .toString();
    }

    private void retryAfterError() {
        try {
            TimeUnit.MILLISECONDS.sleep(500); // backoff after a consumer error, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    private void closeConsumer() {
        if (consumer == null) {
            return;
        }
        try {
            consumer.poll(Duration.ZERO); // takes a wakeup that close() may have left pending
        } catch (WakeupException expected) {
            // it was pending; the commit below can run now
        } catch (KafkaException e) {
            log.debug("last poll before close failed: {}", e.getMessage());
        }
        try {
            commitSync(List.copyOf(partitions.values()));
        } catch (RuntimeException e) {
            log.warn("could not commit on close: {}", e.getMessage());
        }
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(COMMIT_TIMEOUT));
        } catch (RuntimeException e) {
            log.warn("the Kafka consumer did not close cleanly: {}", e.getMessage());
        }
    }

    /** Commits what was settled of partitions taken away, and pauses new ones while paused. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            List<PartitionOffsets> leaving = new ArrayList<>();
            for (TopicPartition tp : revoked) {
                PartitionOffsets p = partitions.remove(tp);
                if (p != null) {
                    leaving.add(p);
                }
            }
            commitSync(leaving);
            if (waiting != null) {
                waiting.removeIf(polled -> revoked.contains(new TopicPartition(
                        polled.record().topic(), polled.record().partition())));
                if (waiting.isEmpty()) {
                    waiting = null;
                }
            }
            log.info("partitions revoked: {} (their runs go on; watermarks committed)", revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            lost.forEach(partitions::remove);
            log.warn("partitions lost: {} (their runs go on; nothing committed)", lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (paused && !assigned.isEmpty()) {
                consumer.pause(assigned);
            }
            log.info("partitions assigned: {}", assigned);
        }
    }
}
