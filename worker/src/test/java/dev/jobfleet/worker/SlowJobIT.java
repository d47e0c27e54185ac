package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * One slow job does not hold the others: on a single partition, a job that sleeps 30 s comes
 * first and 2,000 {@code demo.noop} jobs follow. jobfleet finishes all 2,000 while the slow one
 * runs; the committed offset stays at the slow job (the group's lag shows the 2,001 records
 * behind it) and reaches the end once it finishes.
 *
 * <p>Negative control, in the same test and at the same time: the lockstep shape ({@link
 * LockstepConsumer}: claim the batch, run it, wait for all, write all, commit) on a topic of its
 * own holds every one of its 2,000 behind its slow job.
 */
class SlowJobIT {
    private static final int QUICK = 2000;
    private static final long SLOW_MS = 30_000;
    private static final String NAIVE_TOPIC = "naive.jobs";

    @Test
    void aSlowJobHoldsNoOtherJob() throws Exception {
        try (TestDatabase db = TestDatabase.create(12);
                TestBroker kafka = TestBroker.start()) {
            JobRepository jobs = new JobRepository(db.dataSource());
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            kafka.createTopic(Topics.JOBS, 1);
            kafka.createTopic(NAIVE_TOPIC, 1);
            try (ConfigurableApplicationContext worker = WorkerApp.start(
                            "slow-job-worker", db, kafka, Map.of("jobfleet.worker.topic-partitions", "1"));
                    LockstepConsumer naive = new LockstepConsumer(kafka.bootstrap(), NAIVE_TOPIC, db.dataSource())) {
                Batch fleet = publish(kafka, Topics.JOBS);
                Batch control = publish(kafka, NAIVE_TOPIC);
                long published = System.nanoTime();

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> jobs.find(fleet.slow)
                                .map(j -> j.state() == JobState.RUNNING)
                                .orElse(false));
                TopicPartition partition = new TopicPartition(Topics.JOBS, 0);
                long end = kafka.endOffset(partition);
                // sample the committed offset until the quick jobs are done or the slow one ends
                List<Long> committedWhileSlow = new ArrayList<>();
                await().atMost(Duration.ofSeconds(SLOW_MS / 1000 + 30))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            boolean slowRunning =
                                    jobs.find(fleet.slow).orElseThrow().state() == JobState.RUNNING;
                            long committed = kafka.committed(WorkerApp.GROUP, partition);
                            if (slowRunning
                                    && jobs.find(fleet.slow).orElseThrow().state() == JobState.RUNNING) {
                                committedWhileSlow.add(committed);
                            }
                            return !slowRunning
                                    || (succeeded(jdbc, fleet.quick) == QUICK && committed == fleet.slowOffset);
                        });
                long quickDoneMillis = (System.nanoTime() - published) / 1_000_000;
                assertThat(jobs.find(fleet.slow).orElseThrow().state())
                        .as("the 2,000 finished, and their offsets were settled, while the slow job ran")
                        .isEqualTo(JobState.RUNNING);
                assertThat(succeeded(jdbc, fleet.quick)).isEqualTo(QUICK);
                long lagWhileSlow = end - committedWhileSlow.getLast();
                assertThat(committedWhileSlow)
                        .as("the commit never passes the slow job while it runs")
                        .allSatisfy(c -> assertThat(c).isLessThanOrEqualTo(fleet.slowOffset));

                // the control, measured at the same moment: its slow job runs, its batch-mates and later batches wait
                assertThat(naive.batches())
                        .as("control: the lockstep consumer took batches")
                        .isPositive();
                assertThat(jobs.find(control.slow).orElseThrow().state())
                        .as("control: its slow job runs")
                        .isEqualTo(JobState.RUNNING);
                long naiveDone = succeeded(jdbc, control.quick);
                long naiveHeld = QUICK - naiveDone;

                await().atMost(Duration.ofSeconds(60))
                        .until(() -> jobs.find(fleet.slow).orElseThrow().state() == JobState.SUCCEEDED);
                await().atMost(Duration.ofSeconds(10)).until(() -> kafka.committed(WorkerApp.GROUP, partition) == end);
                System.out.printf(
                        "slow job: jobfleet finished %d of %d quick jobs %d ms after publishing, while the %d s job"
                                + " ran; committed offset held at the slow job (%d), lag %d, then %d at the end;"
                                + " lockstep control finished %d and held %d behind its slow job%n",
                        QUICK,
                        QUICK,
                        quickDoneMillis,
                        SLOW_MS / 1000,
                        fleet.slowOffset,
                        lagWhileSlow,
                        end,
                        naiveDone,
                        naiveHeld);
                assertThat(lagWhileSlow).isEqualTo(QUICK + 1);
                assertThat(naiveHeld).as("control: lockstep holds all 2,000").isEqualTo(QUICK);
            }
        }
    }

    record Batch(UUID slow, long slowOffset, List<UUID> quick) {}

    /** The slow job first, then the quick ones, all on partition 0. */
    private static Batch publish(TestBroker kafka, String topic) {
        UUID slow = JobIds.next();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(topic, slow, "demo.sleep", "{\"ms\": " + SLOW_MS + "}"));
        List<UUID> quick = new ArrayList<>();
        for (int i = 0; i < QUICK; i++) {
            UUID id = JobIds.next();
            quick.add(id);
            records.add(record(topic, id, "demo.noop", "{}"));
        }
        List<RecordMetadata> sent = kafka.sendAll(records);
        return new Batch(slow, sent.getFirst().offset(), quick);
    }

    private static ProducerRecord<String, byte[]> record(String topic, UUID id, String type, String payload) {
        JobEvent event = new JobEvent(id, type, JobCodec.mapper().readTree(payload), null, null, 3, null, null);
        return new ProducerRecord<>(topic, 0, id.toString(), JobCodec.encode(event));
    }

    private static long succeeded(JdbcClient jdbc, List<UUID> ids) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'SUCCEEDED' AND id = ANY (CAST(? AS uuid[]))")
                .param(ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.joining(",", "{", "}")))
                .query(Long.class)
                .single();
    }
}
