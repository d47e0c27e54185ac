package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Queue depth from counts the jobs' statements keep (V9) equals a count over {@code jobs}, while
 * 4 threads submit, claim, finish (succeed, retry, die), cancel, promote and purge jobs and 8
 * threads fold the count deltas at the same time, as every worker's gauge refresh does. The
 * negative control folds the way a hand-rolled counter would (read the deltas, add them, then
 * delete up to the largest id read): folders running at once add the same deltas twice, and a
 * delta that committed late under a smaller id is deleted unread; the counts drift.
 */
class JobCountsIT {
    private static final int WRITERS = 4;
    private static final int FOLDERS = 8;
    private static final Duration ROUND = Duration.ofSeconds(4);
    private static final Set<String> TYPES = Set.of("count.a", "count.b", "count.c");

    private static TestDatabase db;
    private static JobRepository repository;
    private static Retention retention;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(WRITERS + FOLDERS + 4);
        repository = new JobRepository(db.appDataSource());
        retention = new Retention(db.appDataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void theCountsEqualACountOfTheJobsWhateverRunsBesideThem() {
        Round naive = round(JobCountsIT::naiveFold);
        assertThat(naive.folds)
                .as("control precondition: the naive folders ran")
                .isGreaterThan(FOLDERS);
        assertThat(naive.writes)
                .as("control precondition: the writers changed jobs")
                .isGreaterThan(100);
        assertThat(naive.counted)
                .as("control: naive folds drift from the jobs table")
                .isNotEqualTo(naive.truth);

        reseed();
        Round jobfleet = round(repository::foldJobCounts);
        System.out.printf(
                "job counts: %d writes and %d folds in %s; naive folds drifted (%s vs %s), jobfleet's agree: %s%n",
                jobfleet.writes, jobfleet.folds, ROUND, naive.counted, naive.truth, jobfleet.counted);
        assertThat(jobfleet.folds).isGreaterThan(FOLDERS);
        assertThat(jobfleet.writes).isGreaterThan(100);
        assertThat(jobfleet.counted).isEqualTo(jobfleet.truth);
        repository.foldJobCounts();
        assertThat(jdbc.sql("SELECT count(*) FROM job_count_delta")
                        .query(Long.class)
                        .single())
                .as("a fold with nothing beside it takes every delta")
                .isZero();
        assertThat(depth()).isEqualTo(truth());
    }

    @Test
    void truncatingTheJobsEmptiesTheCounts() {
        Jobs.submit(repository, "count.truncate", 3);
        assertThat(depth()).containsEntry("PENDING count.truncate", 3L);

        jdbc.sql("TRUNCATE jobs CASCADE").update();

        assertThat(repository.queueDepth()).isEmpty();
    }

    private record Round(long writes, long folds, Map<String, Long> counted, Map<String, Long> truth) {}

    private static Round round(Runnable fold) {
        AtomicLong writes = new AtomicLong();
        AtomicLong folds = new AtomicLong();
        Instant end = Instant.now().plus(ROUND);
        Race.run(WRITERS + FOLDERS, t -> () -> {
            while (Instant.now().isBefore(end)) {
                if (t < WRITERS) {
                    writes.addAndGet(write("w" + t));
                } else {
                    fold.run();
                    folds.incrementAndGet();
                }
            }
            return null;
        });
        return new Round(writes.get(), folds.get(), depth(), truth());
    }

    /** One turn of a writer: submit, claim, finish, cancel, promote, purge; returns the rows changed. */
    private static long write(String owner) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<JobEvent> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(Jobs.event(List.copyOf(TYPES).get(random.nextInt(TYPES.size())), 3));
        }
        long changed = repository
                .submitPlain(events, Collections.nCopies(events.size(), JobOptions.NONE), owner)
                .size();
        List<Claim> claims = repository.claimDue(TYPES, 15, owner, Duration.ofMinutes(5));
        List<RunOutcome> outcomes = new ArrayList<>();
        for (Claim claim : claims) {
            int roll = random.nextInt(10);
            outcomes.add(
                    roll < 7
                            ? RunOutcome.succeeded(claim.jobId(), claim.token())
                            : roll < 9
                                    ? RunOutcome.retry(
                                            claim.jobId(), claim.token(), Duration.ZERO, AttemptError.of(1, "retry"))
                                    : RunOutcome.dead(claim.jobId(), claim.token(), AttemptError.of(1, "dead")));
        }
        if (!outcomes.isEmpty()) {
            changed += repository.finishRuns(outcomes, owner).size();
        }
        changed += claims.size();
        if (random.nextInt(3) == 0) {
            changed += repository.cancel(events.getFirst().id(), owner, "test") == JobRepository.CancelResult.CANCELLED
                    ? 1
                    : 0;
        }
        changed += repository.promoteDueRetries(20, owner);
        changed += retention.purgeJobs(JobState.SUCCEEDED, Duration.ZERO, 10);
        return changed;
    }

    /**
     * The hand-rolled fold: read the deltas, add their sums to the counts, delete up to the largest
     * id read. Two at once add the same deltas; a delta committed after the read with a smaller id
     * than one that was read is deleted without ever being added.
     */
    private static void naiveFold() {
        JdbcClient app = JdbcClient.create(db.appDataSource());
        Long max = app.sql("SELECT max(id) FROM job_count_delta")
                .query(Long.class)
                .optional()
                .orElse(null);
        if (max == null) {
            return;
        }
        List<Object[]> sums = app.sql(
                        "SELECT state::text, type, sum(n) FROM job_count_delta WHERE id <= ? GROUP BY 1, 2")
                .param(max)
                .query((rs, n) -> new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3)})
                .list();
        for (Object[] sum : sums) {
            app.sql("""
                            INSERT INTO job_count (state, type, n) VALUES (CAST(? AS job_state), ?, ?)
                            ON CONFLICT (state, type) DO UPDATE SET n = job_count.n + EXCLUDED.n""").params(sum[0], sum[1], sum[2]).update();
        }
        app.sql("DELETE FROM job_count_delta WHERE id <= ?").param(max).update();
    }

    /** The counts back to the truth, with nothing running. */
    private static void reseed() {
        jdbc.sql("DELETE FROM job_count_delta").update();
        jdbc.sql("DELETE FROM job_count").update();
        jdbc.sql("INSERT INTO job_count (state, type, n) SELECT state, type, count(*) FROM jobs GROUP BY 1, 2")
                .update();
        assertThat(depth()).isEqualTo(truth());
    }

    private static Map<String, Long> depth() {
        Map<String, Long> counts = new TreeMap<>();
        for (QueueDepth row : repository.queueDepth()) {
            counts.put(row.state() + " " + row.type(), row.count());
        }
        return counts;
    }

    private static Map<String, Long> truth() {
        Map<String, Long> counts = new TreeMap<>();
        jdbc.sql("SELECT state::text || ' ' || type, count(*) FROM jobs GROUP BY 1")
                .query((rs, n) -> counts.put(rs.getString(1), rs.getLong(2)))
                .list();
        return counts;
    }
}
