package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.LogEntry;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * G5 through the handler API, on the real workers of the {@link Fleet}: one handler run writes to
 * its own job from {@value #THREADS} virtual threads at once, each making {@value #UPDATES}
 * metadata merges, progress and named-counter increments and log appends through {@link
 * JobContext}. Nothing is lost, and every increment returns a value no other increment returned.
 * The negative control is the same handler shape with the same threads doing what hand-rolled
 * handlers do (read the document, change it in Java, write it back), and it loses updates. Store's
 * {@code G5AtomicUpdatesIT} runs the fenced statements themselves at 50 x 200, with its own
 * read-modify-write control.
 */
@ExtendWith(Fleet.Extension.class)
class FleetG5HandlerContextIT {
    private static final int THREADS = 50;
    private static final int UPDATES = 20;
    private static final int TOTAL = THREADS * UPDATES;
    private static final Set<Long> returnedProgress = ConcurrentHashMap.newKeySet();

    private static Fleet fleet;

    @BeforeAll
    static void setUp(Fleet shared) {
        fleet = shared;
    }

    /** The handlers of this test, registered on every worker of the fleet. */
    static List<JobHandler> handlers(DataSource dataSource) {
        return List.of(new ContextWriter(), new NaiveWriter(dataSource));
    }

    @Test
    void fiftyThreadsOfOneHandlerRunLoseNoneOfTheirWrites() {
        long naiveStarted = System.nanoTime();
        JobRow naive = run(NaiveWriter.TYPE);
        long naiveMillis = (System.nanoTime() - naiveStarted) / 1_000_000;
        long naiveMergesLost = lostMerges(naive.metadata());
        long naiveIncrementsLost = TOTAL - counter(naive, JobContext.PROGRESS);

        long started = System.nanoTime();
        JobRow job = run(ContextWriter.TYPE);
        long millis = (System.nanoTime() - started) / 1_000_000;
        long mergesLost = lostMerges(job.metadata());
        long incrementsLost = TOTAL - counter(job, JobContext.PROGRESS);
        List<LogEntry> logs = fleet.jobs.logs(job.id());
        long logsLost = TOTAL - logs.size();

        System.out.printf(
                "G5 via a worker: %d virtual threads x %d writes each in one handler run; naive read-modify-write"
                        + " lost %d of %d merges and %d of %d increments (%d ms); JobContext lost %d merges,"
                        + " %d increments, %d log entries and returned %d distinct progress values (%d ms)%n",
                THREADS,
                UPDATES,
                naiveMergesLost,
                TOTAL,
                naiveIncrementsLost,
                TOTAL,
                naiveMillis,
                mergesLost,
                incrementsLost,
                logsLost,
                returnedProgress.size(),
                millis);
        assertThat(naive.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(naiveMergesLost).as("the naive merge must lose keys").isPositive();
        assertThat(naiveIncrementsLost)
                .as("the naive counter must lose increments")
                .isPositive();
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(mergesLost).isZero();
        assertThat(incrementsLost).isZero();
        assertThat(counter(job, "by-thread")).isEqualTo(TOTAL);
        assertThat(logsLost).isZero();
        assertThat(returnedProgress)
                .as("each increment returned its own new value")
                .isEqualTo(LongStream.rangeClosed(1, TOTAL).boxed().collect(Collectors.toSet()));
        UUID token = fleet.jobs.history(job.id()).stream()
                .filter(h -> h.to() == JobState.RUNNING)
                .findFirst()
                .orElseThrow()
                .claimToken();
        assertThat(logs).allSatisfy(entry -> {
            assertThat(entry.claimToken()).isEqualTo(token);
            assertThat(entry.attempt()).isEqualTo(1);
        });
        assertThat(logs.stream()
                        .map(e -> e.entry().get("thread").asInt() + ":"
                                + e.entry().get("i").asInt())
                        .distinct())
                .hasSize(TOTAL);
    }

    /** Publishes a job of {@code type} to Kafka, as a Kafka-first producer would, and waits for its end. */
    private static JobRow run(String type) {
        UUID id = JobIds.next();
        fleet.kafka.send(WorkerFlowIT.event(id, type, "{}", 1));
        return await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> fleet.jobs.find(id).orElse(null),
                        j -> j != null && j.state().isTerminal());
    }

    /** Thread t merges {@code {"t<t>": i}} for i = 1..UPDATES: a key below UPDATES counts lost merges. */
    private static long lostMerges(JsonNode metadata) {
        long lost = 0;
        for (int t = 0; t < THREADS; t++) {
            lost += UPDATES - metadata.path("t" + t).asLong(0);
        }
        return lost;
    }

    private static long counter(JobRow job, String name) {
        return job.counters().path(name).asLong(0);
    }

    /** Runs {@code body(thread)} on THREADS virtual threads at once and waits for all; rethrows a failure. */
    private static void onThreads(ThreadBody body) throws Exception {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                running.add(threads.submit(() -> {
                    body.run(thread);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        }
    }

    private interface ThreadBody {
        void run(int thread) throws Exception;
    }

    /** jobfleet's way: every write through the run's context, one fenced statement each. */
    private static final class ContextWriter implements JobHandler {
        static final String TYPE = "g5.context";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            onThreads(t -> {
                for (int i = 1; i <= UPDATES; i++) {
                    context.mergeMetadata(Map.of("t" + t, i));
                    returnedProgress.add(context.incrementProgress(1));
                    context.increment("by-thread", 1);
                    context.appendLog(Map.of("thread", t, "i", i));
                }
            });
            return Outcome.completed();
        }
    }

    /** The negative control: read the document, change it in Java, write it back. */
    private static final class NaiveWriter implements JobHandler {
        static final String TYPE = "g5.naive";
        private final JdbcClient jdbc;

        NaiveWriter(DataSource dataSource) {
            this.jdbc = JdbcClient.create(dataSource);
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Outcome handle(JobContext context) throws Exception {
            UUID id = context.jobId();
            onThreads(t -> {
                for (int i = 1; i <= UPDATES; i++) {
                    ObjectNode metadata = (ObjectNode) JobCodec.mapper()
                            .readTree(jdbc.sql("SELECT CAST(metadata AS text) FROM jobs WHERE id = ?")
                                    .param(id)
                                    .query(String.class)
                                    .single());
                    metadata.put("t" + t, i);
                    jdbc.sql("UPDATE jobs SET metadata = CAST(? AS jsonb) WHERE id = ?")
                            .params(JobCodec.mapper().writeValueAsString(metadata), id)
                            .update();
                    long progress = jdbc.sql("SELECT coalesce(CAST(counters ->> 'progress' AS bigint), 0)"
                                    + " FROM jobs WHERE id = ?")
                            .param(id)
                            .query(Long.class)
                            .single();
                    jdbc.sql("UPDATE jobs SET counters = jsonb_build_object('progress', ?) WHERE id = ?")
                            .params(progress + 1, id)
                            .update();
                }
            });
            return Outcome.completed();
        }
    }
}
