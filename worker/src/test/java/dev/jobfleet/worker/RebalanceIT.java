package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rebalance under load: 3,000 Kafka-first jobs arrive over a few seconds on two workers; a third
 * joins mid-load and one of the first two leaves (shut down the normal way). Partitions move while
 * runs are in flight; a revoked partition's runs go on, its watermark is committed, and records
 * redelivered to the new owner find nothing to claim. No job is lost and none runs twice; the
 * group ends with every partition committed to its end.
 */
class RebalanceIT {
    private static final int JOBS = 3000;
    private static final int CHUNKS = 15;

    @Test
    void aWorkerJoinsAndOneLeavesMidLoadAndEveryJobRunsOnce() throws Exception {
        OutcomeWriteRetryIT.Counted handler = new OutcomeWriteRetryIT.Counted("test.counted");
        try (TestDatabase db = TestDatabase.create(4);
                TestBroker kafka = TestBroker.start()) {
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            Map<String, String> settings =
                    Map.of("jobfleet.worker.concurrency", "32", "jobfleet.worker.topic-partitions", "6");
            ConfigurableApplicationContext a = WorkerApp.start("rebalance-a", db, kafka, settings, List.of(handler));
            ConfigurableApplicationContext b = WorkerApp.start("rebalance-b", db, kafka, settings, List.of(handler));
            ConfigurableApplicationContext c = null;
            try {
                List<UUID> ids = new ArrayList<>();
                List<List<ProducerRecord<String, byte[]>>> chunks = new ArrayList<>();
                for (int chunk = 0; chunk < CHUNKS; chunk++) {
                    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
                    for (int i = 0; i < JOBS / CHUNKS; i++) {
                        UUID id = JobIds.next();
                        ids.add(id);
                        JobEvent event = new JobEvent(
                                id, "test.counted", JobCodec.mapper().createObjectNode(), null, null, 5, null, null);
                        records.add(new ProducerRecord<>(Topics.JOBS, id.toString(), JobCodec.encode(event)));
                    }
                    chunks.add(records);
                }
                CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                    for (List<ProducerRecord<String, byte[]>> records : chunks) {
                        kafka.sendAll(records);
                        await().pollDelay(Duration.ofMillis(300)).until(() -> true); // the load's pace
                    }
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> succeeded(jdbc) > JOBS / 10);
                c = WorkerApp.start("rebalance-c", db, kafka, settings, List.of(handler));
                long atJoin = succeeded(jdbc);
                a.close();
                long atLeave = succeeded(jdbc);
                load.get();
                await().atMost(Duration.ofSeconds(120)).until(() -> succeeded(jdbc) == JOBS);
                long twice = ids.stream().filter(id -> handler.runs(id) > 1).count();
                long never = ids.stream().filter(id -> handler.runs(id) == 0).count();
                long endTotal = 0;
                long committedTotal = 0;
                for (int p = 0; p < 6; p++) {
                    TopicPartition tp = new TopicPartition(Topics.JOBS, p);
                    long end = kafka.endOffset(tp);
                    endTotal += end;
                    await().atMost(Duration.ofSeconds(10)).until(() -> kafka.committed(WorkerApp.GROUP, tp) == end);
                    committedTotal += kafka.committed(WorkerApp.GROUP, tp);
                }
                System.out.printf(
                        "rebalance: %d jobs, worker c joined at %d done, worker a left at %d done; all %d SUCCEEDED,"
                                + " %d ran twice, %d never ran; committed %d of %d records%n",
                        JOBS, atJoin, atLeave, succeeded(jdbc), twice, never, committedTotal, endTotal);
                assertThat(atLeave).as("a left while jobs were still arriving").isLessThan(JOBS);
                assertThat(twice).isZero();
                assertThat(never).isZero();
                assertThat(committedTotal).isEqualTo(endTotal);
            } finally {
                if (a.isActive()) {
                    a.close();
                }
                b.close();
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    private static long succeeded(JdbcClient jdbc) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE state = 'SUCCEEDED'")
                .query(Long.class)
                .single();
    }
}
