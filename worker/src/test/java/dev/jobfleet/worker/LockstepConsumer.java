package dev.jobfleet.worker;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The naive worker shape, for negative controls: per polled batch, insert and claim, run every
 * handler (16 threads), wait for all of them, write all outcomes, commit the batch. One slow
 * handler holds its batch, and the partition behind it. Runs {@code demo.noop} and {@code
 * demo.sleep} itself (no audit).
 */
final class LockstepConsumer implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final JobRepository jobs;
    private final ExecutorService handlers = Executors.newFixedThreadPool(16);
    private final Thread thread;
    private final AtomicInteger batches = new AtomicInteger();
    private volatile boolean closing;

    LockstepConsumer(String bootstrap, String topic, DataSource dataSource) {
        this.jobs = new JobRepository(dataSource);
        this.consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "lockstep-" + topic,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        200),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        this.thread = Thread.ofPlatform().name("lockstep-" + topic).start(this::loop);
    }

    /** Batches taken so far. */
    int batches() {
        return batches.get();
    }

    private void loop() {
        try {
            while (!closing) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                batches.incrementAndGet();
                List<JobEvent> events = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> record : records) {
                    events.add(JobCodec.decode(record.value()));
                }
                jobs.insertMissing(events, "lockstep");
                List<Claim> claims = jobs.claim(
                        events.stream().map(JobEvent::id).toList(),
                        Set.of("demo.noop", "demo.sleep"),
                        "lockstep",
                        Duration.ofMinutes(5));
                List<Future<RunOutcome>> runs = new ArrayList<>();
                for (Claim claim : claims) {
                    runs.add(handlers.submit(() -> {
                        long ms = claim.job().payload().path("ms").asLong(0);
                        TimeUnit.MILLISECONDS.sleep(ms); // demo.sleep's work; 0 for demo.noop
                        return RunOutcome.succeeded(claim.jobId(), claim.token());
                    }));
                }
                List<RunOutcome> outcomes = new ArrayList<>();
                for (Future<RunOutcome> run : runs) {
                    outcomes.add(run.get()); // the lockstep: every handler of the batch, the slowest too
                }
                jobs.finish(outcomes, "lockstep");
                consumer.commitSync();
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("the lockstep consumer failed", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        consumer.wakeup();
        handlers.shutdownNow();
        thread.join(10_000);
    }
}
