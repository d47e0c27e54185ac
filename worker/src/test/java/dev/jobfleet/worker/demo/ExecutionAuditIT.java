package dev.jobfleet.worker.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Race;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.api.HandlerLock;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.RunWrites;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The demo audit is group-committed, and still proves what it proved with a statement per record:
 * when a handler's {@code record} returns, its start and its end are written and the recorded span
 * holds the work. 16 threads record at once; the negative control is the obvious way to take the
 * end off the handler's path (write it on another thread, don't wait), which hands the outcome on
 * before the end exists, so a next run of the job could start before the recorded end of this one.
 */
class ExecutionAuditIT {
    private static final int THREADS = 16;
    private static final int RECORDS_PER_THREAD = 40;

    private static TestDatabase db;
    private static JobRepository jobs;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 4);
        jobs = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /** What one call saw: the database clock inside the work, and the row as it was when the call returned. */
    private record Seen(Timestamp work, Timestamp started, Timestamp finished) {}

    @Test
    void everyRecordIsWrittenAroundItsWorkBeforeTheHandlerGoesOnInFewerStatementsThanRecords() throws Exception {
        // negative control: start written at once, end written on another thread without waiting
        ExecutorService naiveEnds = Executors.newSingleThreadExecutor();
        AtomicInteger naiveEndsWritten = new AtomicInteger();
        List<List<Seen>> naive = Race.run(THREADS, t -> () -> {
            List<Seen> seen = new java.util.ArrayList<>();
            for (int i = 0; i < RECORDS_PER_THREAD; i++) {
                JobContext context = context("naive-" + t);
                long execution = jobs.startExecution(
                        context.jobId(), context.workerId(), context.claimToken(), context.attempt());
                Timestamp work = clock();
                naiveEnds.submit(() -> {
                    jobs.endExecution(execution);
                    naiveEndsWritten.incrementAndGet();
                });
                seen.add(rowAtReturn(context, work));
            }
            return seen;
        });
        int naiveCalls = naive.stream().mapToInt(List::size).sum();
        assertThat(naiveCalls).as("control: every naive call ran").isEqualTo(THREADS * RECORDS_PER_THREAD);
        await().atMost(Duration.ofSeconds(30)).until(() -> naiveEndsWritten.get() == naiveCalls);
        naiveEnds.shutdown();
        long naiveEndMissing = naive.stream()
                .flatMap(List::stream)
                .filter(s -> s.finished() == null)
                .count();
        long naiveEndsNowNull = jdbc.sql(
                        "SELECT count(*) FROM demo_execution WHERE worker_id LIKE 'naive-%' AND finished_at IS NULL")
                .query(Long.class)
                .single();
        assertThat(naiveEndsNowNull)
                .as("control: every naive end was written in the end")
                .isZero();

        // jobfleet: the group-committed audit
        ExecutionAudit audit = new ExecutionAudit(jobs);
        List<List<Seen>> grouped = Race.run(THREADS, t -> () -> {
            List<Seen> seen = new java.util.ArrayList<>();
            for (int i = 0; i < RECORDS_PER_THREAD; i++) {
                JobContext context = context("grouped"); // one worker process, 16 handler threads
                Timestamp[] work = new Timestamp[1];
                Outcome outcome = audit.record(context, () -> {
                    work[0] = clock();
                    return Outcome.completed();
                });
                assertThat(outcome).isEqualTo(Outcome.completed());
                seen.add(rowAtReturn(context, work[0]));
            }
            return seen;
        });
        List<Seen> all = grouped.stream().flatMap(List::stream).toList();
        System.out.printf(
                "Demo audit, %d threads x %d records: naive async end missing at return in %d of %d calls;"
                        + " group-committed: %d starts + ends in %d statements, end missing at return in %d%n",
                THREADS,
                RECORDS_PER_THREAD,
                naiveEndMissing,
                naiveCalls,
                audit.records(),
                audit.statements(),
                all.stream().filter(s -> s.finished() == null).count());
        assertThat(naiveEndMissing)
                .as("control: the naive audit hands the outcome on before its end exists")
                .isPositive();

        assertThat(all).hasSize(THREADS * RECORDS_PER_THREAD);
        assertThat(audit.records()).isEqualTo(2L * THREADS * RECORDS_PER_THREAD);
        assertThat(audit.statements()).as("grouped").isLessThan(audit.records());
        for (Seen s : all) {
            assertThat(s.started()).as("start written before the work").isNotNull();
            assertThat(s.finished()).as("end written before record() returned").isNotNull();
            assertThat(s.started()).isBeforeOrEqualTo(s.work());
            assertThat(s.finished()).isAfterOrEqualTo(s.work());
        }

        // closed: refused, nothing written
        audit.close();
        long before = rows();
        assertThatThrownBy(() -> audit.record(context("late"), Outcome::completed))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(rows()).isEqualTo(before);
    }

    private static long rows() {
        return jdbc.sql("SELECT count(*) FROM demo_execution").query(Long.class).single();
    }

    private static Timestamp clock() {
        return jdbc.sql("SELECT clock_timestamp()").query(Timestamp.class).single();
    }

    private static Seen rowAtReturn(JobContext context, Timestamp work) {
        Map<String, Object> row = jdbc.sql(
                        "SELECT started_at, finished_at FROM demo_execution WHERE job_id = ? AND claim_token = ?")
                .params(context.jobId(), context.claimToken())
                .query()
                .singleRow();
        return new Seen(work, (Timestamp) row.get("started_at"), (Timestamp) row.get("finished_at"));
    }

    private static JobContext context(String worker) {
        return new JobContext(
                UUID.randomUUID(),
                DemoNoopHandler.TYPE,
                JobCodec.mapper().createObjectNode(),
                1,
                1,
                UUID.randomUUID(),
                worker,
                JobCodec.mapper().createObjectNode(),
                () -> false,
                NO_WRITES);
    }

    /** The audit writes nothing to its job; a handler here never calls these. */
    private static final RunWrites NO_WRITES = new RunWrites() {
        @Override
        public boolean mergeMetadata(JsonNode patch) {
            throw new UnsupportedOperationException("mergeMetadata");
        }

        @Override
        public OptionalLong increment(String counter, long n) {
            throw new UnsupportedOperationException("increment");
        }

        @Override
        public boolean appendLog(JsonNode entry) {
            throw new UnsupportedOperationException("appendLog");
        }

        @Override
        public Optional<HandlerLock> tryLock(String name, Duration ttl) {
            throw new UnsupportedOperationException("tryLock");
        }

        @Override
        public boolean unlock(HandlerLock lock) {
            throw new UnsupportedOperationException("unlock");
        }
    };
}
