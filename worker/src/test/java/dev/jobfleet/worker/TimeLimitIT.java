package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.HistoryEntry;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * G9, time limits: 12 jobs whose first attempt would work for a minute run on a type limited to
 * 3 s, and 2 more on an unlimited type carry their own limit of 1.5 s. Each is interrupted at its
 * limit, its attempt is recorded as failed with a timeout error, and the retry succeeds; 100 quick
 * jobs submitted with them are not held. Negative control, on the same worker: the same handler on
 * a type with no limit of its own and no job limit (the worker default, 10 minutes here) is still
 * running after all of that.
 */
class TimeLimitIT {
    private static final String LIMITED = "test.limited";
    private static final String UNLIMITED = "test.unlimited";

    @Test
    void aHandlerPastItsTimeLimitIsInterruptedAndRetried() throws Exception {
        SlowFirstAttempt limited = new SlowFirstAttempt(LIMITED);
        SlowFirstAttempt unlimited = new SlowFirstAttempt(UNLIMITED);
        try (TestDatabase db = TestDatabase.create(4);
                TestBroker kafka = TestBroker.start();
                ConfigurableApplicationContext worker = WorkerApp.start(
                        "time-limit-worker",
                        db,
                        kafka,
                        Map.of(
                                "jobfleet.worker.concurrency",
                                "32",
                                "jobfleet.worker.handlers[" + LIMITED + "].timeout",
                                "3s",
                                "jobfleet.worker.backoff.base",
                                "100ms",
                                "jobfleet.worker.backoff.max",
                                "200ms",
                                "jobfleet.worker.poll-interval",
                                "200ms",
                                "jobfleet.worker.retry-promoter-interval",
                                "200ms"),
                        List.of(limited, unlimited))) {
            JobRepository jobs = new JobRepository(db.dataSource());
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
            List<UUID> limitedIds = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                limitedIds.add(add(records, LIMITED, null));
            }
            List<UUID> ownLimitIds = List.of(add(records, UNLIMITED, 1500), add(records, UNLIMITED, 1500));
            UUID noLimit = add(records, UNLIMITED, null);
            List<UUID> quick = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                quick.add(add(records, "demo.noop", null));
            }
            kafka.sendAll(records);
            long sent = System.nanoTime();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> quick.stream().allMatch(id -> state(jobs, id) == JobState.SUCCEEDED));
            long quickMillis = (System.nanoTime() - sent) / 1_000_000;

            List<UUID> timed = new ArrayList<>(limitedIds);
            timed.addAll(ownLimitIds);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> timed.stream().allMatch(id -> state(jobs, id) == JobState.SUCCEEDED));

            // the control: started, never interrupted, still running
            assertThat(unlimited.started).as("control: its handler started").containsKey(noLimit);
            assertThat(state(jobs, noLimit))
                    .as("control: without a limit it still runs")
                    .isEqualTo(JobState.RUNNING);
            assertThat(unlimited.interrupted).doesNotContainKey(noLimit);

            List<Long> limitMillis = new ArrayList<>();
            for (UUID id : timed) {
                JobRow job = jobs.find(id).orElseThrow();
                assertThat(job.attempts()).isEqualTo(2);
                assertThat(job.errors().size()).isEqualTo(1);
                assertThat(job.errors().get(0).get("class").asString())
                        .isEqualTo(dev.jobfleet.worker.run.HandlerTimeoutException.class.getName());
                String limit = limitedIds.contains(id) ? "PT3S" : "PT1.5S";
                assertThat(job.errors().get(0).get("message").asString()).contains("time limit of " + limit);
                List<HistoryEntry> history = jobs.history(id);
                HistoryEntry claimed = history.stream()
                        .filter(h -> h.to() == JobState.RUNNING)
                        .findFirst()
                        .orElseThrow();
                HistoryEntry failed = history.stream()
                        .filter(h -> h.to() == JobState.RETRY_SCHEDULED)
                        .findFirst()
                        .orElseThrow();
                limitMillis.add(Duration.between(claimed.at(), failed.at()).toMillis());
                assertThat(limitedIds.contains(id) ? limited.interrupted : unlimited.interrupted)
                        .as("the handler saw the interrupt")
                        .containsKey(id);
            }
            double timeouts = worker.getBean(MeterRegistry.class).get("jobfleet.jobs.timeouts").counters().stream()
                    .mapToDouble(c -> c.count())
                    .sum();
            System.out.printf(
                    "time limit: %d runs interrupted at their limit (3 s by type, 1.5 s by job), claim-to-failure"
                            + " %d..%d ms, each retried to SUCCEEDED; 100 quick jobs done %d ms after publishing;"
                            + " control without a limit still RUNNING%n",
                    timed.size(),
                    limitMillis.stream().mapToLong(Long::longValue).min().orElseThrow(),
                    limitMillis.stream().mapToLong(Long::longValue).max().orElseThrow(),
                    quickMillis);
            assertThat(timeouts).isEqualTo(timed.size());
            assertThat(limitMillis).allSatisfy(ms -> assertThat(ms).isBetween(1000L, 20_000L));
        }
    }

    private static UUID add(List<ProducerRecord<String, byte[]>> records, String type, Integer timeoutMs) {
        UUID id = JobIds.next();
        JobEvent event = new JobEvent(id, type, JobCodec.mapper().createObjectNode(), null, null, 3, null, null)
                .withTimeoutMs(timeoutMs);
        records.add(new ProducerRecord<>(dev.jobfleet.model.Topics.JOBS, id.toString(), JobCodec.encode(event)));
        return id;
    }

    private static JobState state(JobRepository jobs, UUID id) {
        return jobs.find(id).map(JobRow::state).orElse(null);
    }

    /** Works for a minute on its first attempt (interruptibly), completes at once on the next. */
    static final class SlowFirstAttempt implements JobHandler {
        final Map<UUID, Instant> started = new ConcurrentHashMap<>();
        final Map<UUID, Instant> interrupted = new ConcurrentHashMap<>();
        final Set<UUID> completed = ConcurrentHashMap.newKeySet();
        private final String type;

        SlowFirstAttempt(String type) {
            this.type = type;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            if (context.attempt() > 1) {
                completed.add(context.jobId());
                return Outcome.completed();
            }
            started.put(context.jobId(), Instant.now());
            try {
                TimeUnit.MINUTES.sleep(1); // the work that takes too long
            } catch (InterruptedException e) {
                interrupted.put(context.jobId(), Instant.now());
                assertThat(context.isCancelled()).isTrue();
                throw e;
            }
            return Outcome.completed();
        }
    }
}
