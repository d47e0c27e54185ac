package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Retention deletes finished work and nothing else, also while operators and submitters act on the
 * same rows.
 *
 * <p>Re-drive: an operator re-drives a DEAD job at the instant retention picks it. jobfleet's
 * purge skips the row the re-drive holds, and the job lives on PENDING. The negative control, the
 * usual hand-rolled {@code DELETE FROM jobs WHERE id IN (SELECT ... LIMIT n)}, waits for the
 * re-drive, re-checks only the id, and deletes the job the operator was just told is PENDING
 * again. Then 12 threads (4 purging, 8 re-driving) race over 2,000 DEAD jobs: every job ends
 * deleted or re-driven, never both, never neither.
 *
 * <p>Order keys: a key's sequence row is deleted only once no job of the key is left to order. The
 * negative control (one statement) deletes it under a submission that was committing a job of the
 * key, and the next job of the key gets a smaller number than a job that waits before it.
 */
class RetentionIT {
    private static final Duration AGE = Duration.ofDays(1);
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static TestDatabase db;
    private static JobRepository repository;
    private static Retention retention;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(24);
        repository = new JobRepository(db.appDataSource());
        retention = new Retention(db.appDataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @BeforeEach
    void empty() {
        jdbc.sql(
                        "TRUNCATE jobs, job_history, job_log, outbox, demo_execution, order_key_sequence, job_batch, handler_lock CASCADE")
                .update();
    }

    @Test
    void deletesFinishedJobsOlderThanTheAgeWithWhatHangsOffThemAndNothingElse() {
        List<UUID> oldSucceeded = finished(JobState.SUCCEEDED, 30, Duration.ofDays(2));
        List<UUID> recentSucceeded = finished(JobState.SUCCEEDED, 5, Duration.ofHours(1));
        List<UUID> oldDead = finished(JobState.DEAD, 7, Duration.ofDays(2));
        List<UUID> oldCancelled = finished(JobState.CANCELLED, 4, Duration.ofDays(2));
        List<UUID> pending = Jobs.submit(repository, "retention.live", 6);
        // old, but still waiting: never a candidate, whatever its age
        jdbc.sql("UPDATE jobs SET created_at = now() - interval '30 days' WHERE id = ANY (?)")
                .param(pending.toArray(UUID[]::new))
                .update();
        jdbc.sql(
                        "INSERT INTO job_log (job_id, claim_token, attempt, entry) SELECT id, gen_random_uuid(), 1, '{}' FROM jobs")
                .update();
        jdbc.sql("""
                        INSERT INTO demo_execution (job_id, worker_id, claim_token, attempt, started_at, finished_at)
                        SELECT id, 'w', gen_random_uuid(), 1, now(), now() FROM jobs""").update();
        long otherHistory = count("SELECT count(*) FROM job_history WHERE NOT (job_id = ANY (?))", oldSucceeded);

        int firstBatch = retention.purgeJobs(JobState.SUCCEEDED, AGE, 20);
        int secondBatch = retention.purgeJobs(JobState.SUCCEEDED, AGE, 20);
        int thirdBatch = retention.purgeJobs(JobState.SUCCEEDED, AGE, 20);

        assertThat(List.of(firstBatch, secondBatch, thirdBatch)).containsExactly(20, 10, 0);
        assertThat(existing(oldSucceeded)).as("old SUCCEEDED jobs gone").isEmpty();
        for (String table : List.of("job_history", "job_log", "demo_execution")) {
            assertThat(count("SELECT count(*) FROM " + table + " WHERE job_id = ANY (?)", oldSucceeded))
                    .as("%s rows of the deleted jobs", table)
                    .isZero();
        }
        assertThat(existing(recentSucceeded))
                .as("finished within the age: kept")
                .hasSize(5);
        assertThat(existing(oldDead))
                .as("another state: kept until purged by its own age")
                .hasSize(7);
        assertThat(existing(oldCancelled)).hasSize(4);
        assertThat(existing(pending)).as("waiting jobs are never deleted").hasSize(6);
        assertThat(count("SELECT count(*) FROM job_history WHERE NOT (job_id = ANY (?))", oldSucceeded))
                .as("history of every other job untouched")
                .isEqualTo(otherHistory);

        assertThat(retention.purgeJobs(JobState.DEAD, AGE, 100)).isEqualTo(7);
        assertThat(retention.purgeJobs(JobState.CANCELLED, Duration.ofDays(3), 100))
                .as("younger than this age")
                .isZero();
        assertThat(retention.purgeJobs(JobState.CANCELLED, AGE, 100)).isEqualTo(4);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs").query(Long.class).single())
                .as("what is left: the recent SUCCEEDED and the waiting jobs")
                .isEqualTo(11);
    }

    @Test
    void refusesWhatItCannotDoAndChangesNothing() {
        List<UUID> old = finished(JobState.SUCCEEDED, 3, Duration.ofDays(2));

        assertThatThrownBy(() -> retention.purgeJobs(JobState.PENDING, AGE, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("only finished jobs are deleted, not PENDING");
        assertThatThrownBy(() -> retention.purgeJobs(JobState.SUCCEEDED, Duration.ofSeconds(-1), 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("age must not be negative");
        assertThatThrownBy(() -> retention.purgeJobs(JobState.SUCCEEDED, AGE, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit must be at least 1: 0");

        assertThat(existing(old)).hasSize(3);
    }

    @Test
    void aJobIsNeverDeletedUnderTheReDriveThatIsPuttingItBackToWork() throws Exception {
        // negative control first: the hand-rolled purge, in the same interleaving
        UUID naiveVictim = finished(JobState.DEAD, 1, Duration.ofDays(2)).getFirst();
        finished(JobState.DEAD, 9, Duration.ofDays(2));
        Interleaving naive = interleave(naiveVictim, """
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs WHERE state = 'DEAD' AND finished_at < now() - interval '1 day'
                    ORDER BY created_at LIMIT 100)""");
        assertThat(naive.purgeWaited)
                .as("control precondition: the purge waited for the re-drive")
                .isTrue();
        assertThat(naive.redriveReturnedTheJob)
                .as("control precondition: the re-drive changed the job")
                .isTrue();
        assertThat(naive.purged)
                .as("control precondition: the purge ran to its end")
                .isEqualTo(10);
        assertThat(existing(List.of(naiveVictim)))
                .as("control: the job the operator re-drove is gone")
                .isEmpty();

        empty();
        UUID victim = finished(JobState.DEAD, 1, Duration.ofDays(2)).getFirst();
        finished(JobState.DEAD, 9, Duration.ofDays(2));
        Interleaving jobfleet = interleave(victim, null);

        assertThat(jobfleet.redriveReturnedTheJob).isTrue();
        assertThat(jobfleet.purgeWaited)
                .as("the purge skips the row, it does not wait")
                .isFalse();
        assertThat(jobfleet.purged).as("everything else deleted").isEqualTo(9);
        assertThat(state(victim)).as("the re-driven job lives on").isEqualTo(JobState.PENDING);
        assertThat(count("SELECT count(*) FROM job_history WHERE job_id = ANY (?)", List.of(victim)))
                .as("with its history")
                .isEqualTo(4);
    }

    @Test
    void twelveThreadsPurgingAndReDrivingTheSameJobsAgreeOnEveryJob() {
        List<UUID> dead = finished(JobState.DEAD, 2_000, Duration.ofDays(2));
        Set<UUID> redriven = ConcurrentHashMap.newKeySet();
        AtomicInteger purgedTotal = new AtomicInteger();
        AtomicInteger redriveCalls = new AtomicInteger();
        AtomicInteger finishedThreads = new AtomicInteger();

        Race.run(12, t -> () -> {
            if (t < 4) {
                int n;
                do {
                    n = retention.purgeJobs(JobState.DEAD, AGE, 25);
                    purgedTotal.addAndGet(n);
                } while (n > 0);
            } else {
                List<UUID> mine = new ArrayList<>(dead);
                Collections.shuffle(mine);
                for (UUID id : mine.subList(0, 300)) {
                    redriveCalls.incrementAndGet();
                    if (repository.redrive(id, "operator " + t) == JobRepository.RedriveResult.REDRIVEN) {
                        redriven.add(id);
                    }
                }
            }
            finishedThreads.incrementAndGet();
            return null;
        });

        assertThat(finishedThreads).as("every thread ran to its end").hasValue(12);
        assertThat(redriveCalls).hasValue(8 * 300);
        assertThat(redriven).as("some re-drives won their race").isNotEmpty();
        assertThat(purgedTotal.get()).as("some purges won theirs").isPositive();
        Set<UUID> left = existing(dead);
        assertThat(left).as("every re-driven job is still there").containsAll(redriven);
        assertThat(left).as("and nothing else is").hasSameSizeAs(redriven);
        assertThat(purgedTotal.get())
                .as("each job deleted once: the purges' counts add up to the jobs gone")
                .isEqualTo(dead.size() - redriven.size());
        assertThat(count("SELECT count(*) FROM jobs WHERE id = ANY (?) AND state <> 'PENDING'", List.copyOf(redriven)))
                .as("re-driven jobs are PENDING")
                .isZero();
        assertThat(count("SELECT count(*) FROM job_history WHERE job_id = ANY (?)", dead))
                .as("history: 3 rows per job left, plus each re-drive's")
                .isEqualTo(4L * redriven.size());
    }

    @Test
    void finishedBatchesGoOnceTheirChildrenAreGone() {
        UUID gone = batch("SUCCEEDED", Duration.ofDays(2));
        UUID withChild = batch("SUCCEEDED", Duration.ofDays(2));
        UUID running = batch("RUNNING", null);
        UUID recent = batch("FAILED", Duration.ofHours(1));
        UUID child = finished(JobState.SUCCEEDED, 1, Duration.ofHours(1)).getFirst();
        jdbc.sql("UPDATE jobs SET batch_id = ? WHERE id = ?")
                .params(withChild, child)
                .update();

        assertThat(retention.purgeBatches(AGE, 100)).isEqualTo(1);

        assertThat(jdbc.sql("SELECT id FROM job_batch").query(UUID.class).set())
                .containsExactlyInAnyOrder(withChild, running, recent)
                .doesNotContain(gone);
    }

    @Test
    void anOrderKeysSequenceGoesOnlyOnceNoJobOfTheKeyIsLeftToOrder() {
        UUID finishedOnly = submitWithKey("k-finished");
        jdbc.sql("UPDATE jobs SET state = 'RUNNING', claim_token = gen_random_uuid(), lease_owner = 'w',"
                        + " lease_expires_at = now() + interval '1 minute' WHERE id = ?")
                .param(finishedOnly)
                .update();
        jdbc.sql("UPDATE jobs SET state = 'SUCCEEDED', claim_token = NULL, lease_owner = NULL, lease_expires_at = NULL,"
                        + " finished_at = now() WHERE id = ?")
                .param(finishedOnly)
                .update();
        submitWithKey("k-waiting");
        UUID dead = submitWithKey("k-dead");
        jdbc.sql("UPDATE jobs SET state = 'RUNNING', claim_token = gen_random_uuid(), lease_owner = 'w',"
                        + " lease_expires_at = now() + interval '1 minute' WHERE id = ?")
                .param(dead)
                .update();
        jdbc.sql("UPDATE jobs SET state = 'DEAD', claim_token = NULL, lease_owner = NULL, lease_expires_at = NULL,"
                        + " finished_at = now() WHERE id = ?")
                .param(dead)
                .update();

        assertThat(retention.purgeOrderKeys(100)).isEqualTo(1);

        assertThat(jdbc.sql("SELECT key FROM order_key_sequence")
                        .query(String.class)
                        .set())
                .containsExactlyInAnyOrder("k-waiting", "k-dead");
        UUID again = submitWithKey("k-finished");
        assertThat(orderSeq(again)).as("the key starts afresh").isEqualTo(1);
    }

    @Test
    void anOrderKeysSequenceIsNotDeletedUnderASubmissionOfTheKey() throws Exception {
        // negative control: one statement, whose NOT EXISTS was evaluated on a snapshot from before
        // the submission committed
        Interleaving naive = interleaveSubmission("k-naive", """
                DELETE FROM order_key_sequence s WHERE NOT EXISTS (
                    SELECT 1 FROM jobs j WHERE j.order_key = s.key AND j.state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED', 'DEAD'))""");
        assertThat(naive.purgeWaited)
                .as("control precondition: the delete waited for the submission")
                .isTrue();
        assertThat(naive.redriveReturnedTheJob)
                .as("control precondition: the submission wrote its job")
                .isTrue();
        assertThat(naive.purged)
                .as("control precondition: the delete ran to its end")
                .isPositive();
        UUID next = submitWithKey("k-naive");
        assertThat(orderSeq(next))
                .as("control: the next job of the key is numbered before the job that waits ahead of it")
                .isLessThan(orderSeq(naive.job));

        empty();
        Interleaving jobfleet = interleaveSubmission("k", null);
        assertThat(jobfleet.redriveReturnedTheJob).isTrue();
        assertThat(jobfleet.purged).as("the key's row was in use: kept").isZero();
        UUID after = submitWithKey("k");
        assertThat(orderSeq(after)).isGreaterThan(orderSeq(jobfleet.job));
    }

    /**
     * What happened when a purge ran while another transaction held {@code job}'s row.
     *
     * @param purgeWaited the purge was seen waiting for a lock
     * @param redriveReturnedTheJob the other transaction's statement changed the job
     * @param purged rows the purge deleted
     */
    private record Interleaving(UUID job, boolean purgeWaited, boolean redriveReturnedTheJob, int purged) {}

    /**
     * An operator's re-drive of {@code victim} holds its row (the statement ran, not yet committed)
     * while the purge starts; then the re-drive commits. {@code naivePurge} null: jobfleet's purge.
     */
    private Interleaving interleave(UUID victim, String naivePurge) throws Exception {
        try (Connection operator = db.dataSource().getConnection()) {
            operator.setAutoCommit(false);
            boolean changed;
            try (PreparedStatement redrive = operator.prepareStatement(JobSql.REDRIVE)) {
                redrive.setObject(1, victim);
                redrive.setString(2, "operator");
                redrive.setString(3, "jobfleet.jobs");
                try (ResultSet rs = redrive.executeQuery()) {
                    changed = rs.next();
                }
            }
            return race(
                    victim,
                    changed,
                    operator,
                    naivePurge == null
                            ? () -> retention.purgeJobs(JobState.DEAD, AGE, 100)
                            : () -> JdbcClient.create(db.appDataSource())
                                    .sql(naivePurge)
                                    .update());
        }
    }

    /**
     * A submission of {@code key} has bumped the key's sequence row and inserted its job, not yet
     * committed, while the purge of idle keys starts; then it commits. The key had one finished job
     * before, so it looked idle to any snapshot taken before the commit.
     */
    private Interleaving interleaveSubmission(String key, String naivePurge) throws Exception {
        UUID earlier = submitWithKey(key);
        jdbc.sql("UPDATE jobs SET state = 'CANCELLED', finished_at = now() WHERE id = ?")
                .param(earlier)
                .update();
        UUID job = JobIds.next();
        try (Connection submitter = db.dataSource().getConnection()) {
            submitter.setAutoCommit(false);
            boolean changed;
            try (PreparedStatement bump = submitter.prepareStatement(
                    "UPDATE order_key_sequence SET last_seq = last_seq + 1 WHERE key = ? RETURNING last_seq")) {
                bump.setString(1, key);
                try (ResultSet rs = bump.executeQuery()) {
                    changed = rs.next();
                    long seq = rs.getLong(1);
                    try (PreparedStatement insert = submitter.prepareStatement(
                            "INSERT INTO jobs (id, type, order_key, order_seq) VALUES (?, 'retention.k', ?, ?)")) {
                        insert.setObject(1, job);
                        insert.setString(2, key);
                        insert.setLong(3, seq);
                        changed &= insert.executeUpdate() == 1;
                    }
                }
            }
            return race(
                    job,
                    changed,
                    submitter,
                    naivePurge == null
                            ? () -> retention.purgeOrderKeys(100)
                            : () -> JdbcClient.create(db.appDataSource())
                                    .sql(naivePurge)
                                    .update());
        }
    }

    /**
     * Runs {@code purge} on its own thread while {@code holder} holds its transaction open; waits
     * until the purge either ended or is seen waiting for a lock, then commits {@code holder} and
     * collects the purge's count.
     */
    private Interleaving race(
            UUID job, boolean changed, Connection holder, java.util.concurrent.Callable<Integer> purge)
            throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> purged = thread.submit(purge);
            boolean[] waited = {false};
            await("the purge ended or waits for the held row")
                    .atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        waited[0] = jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                                + " AND datname = current_database()")
                                        .query(Long.class)
                                        .single()
                                > 0;
                        return purged.isDone() || waited[0];
                    });
            holder.commit();
            int n = purged.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            return new Interleaving(job, waited[0], changed, n);
        } finally {
            thread.shutdownNow();
        }
    }

    // ---- arranging and reading ----

    /** {@code n} jobs in a finished state, finished {@code ago} (created a day before), each with 3 history rows. */
    private static List<UUID> finished(JobState state, int n, Duration ago) {
        List<UUID> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(JobIds.next());
        }
        UUID[] array = ids.toArray(UUID[]::new);
        jdbc.sql("""
                        INSERT INTO jobs (id, type, state, attempts, max_attempts, created_at, finished_at, last_error)
                        SELECT id, 'retention.test', CAST(? AS job_state), 1, 1,
                               now() - make_interval(secs => ?) - interval '1 day', now() - make_interval(secs => ?), 'x'
                        FROM unnest(CAST(? AS uuid[])) AS id""")
                .params(state.name(), ago.toSeconds(), ago.toSeconds(), array)
                .update();
        jdbc.sql("""
                        INSERT INTO job_history (job_id, from_state, to_state, actor)
                        SELECT id, f, CAST(t AS job_state), 'test'
                        FROM unnest(CAST(? AS uuid[])) AS id,
                             (VALUES (NULL::job_state, 'PENDING'), ('PENDING', 'RUNNING'), ('RUNNING', ?)) AS s (f, t)""").params(array, state.name()).update();
        return ids;
    }

    private static UUID batch(String state, Duration finishedAgo) {
        UUID id = JobIds.next();
        jdbc.sql("""
                        INSERT INTO job_batch (id, total, remaining, policy, state, finished_at)
                        VALUES (?, 1, CASE WHEN ? = 'RUNNING' THEN 1 ELSE 0 END, 'COMPLETE_ALWAYS', ?,
                                CASE WHEN ? = 'RUNNING' THEN NULL ELSE now() - make_interval(secs => ?) END)""")
                .params(id, state, state, state, finishedAgo == null ? 0 : finishedAgo.toSeconds())
                .update();
        return id;
    }

    private static UUID submitWithKey(String key) {
        return repository
                .submit(
                        Jobs.event("retention.k"),
                        new JobOptions(null, null, key, null, JobCodec.mapper().createObjectNode(), null),
                        "test")
                .job()
                .id();
    }

    private static long orderSeq(UUID id) {
        return jdbc.sql("SELECT order_seq FROM jobs WHERE id = ?")
                .param(id)
                .query(Long.class)
                .single();
    }

    private static JobState state(UUID id) {
        return repository.find(id).orElseThrow().state();
    }

    private static Set<UUID> existing(List<UUID> ids) {
        return jdbc.sql("SELECT id FROM jobs WHERE id = ANY (?)")
                .param(ids.toArray(UUID[]::new))
                .query(UUID.class)
                .set();
    }

    private static long count(String sql, List<UUID> ids) {
        return jdbc.sql(sql).param(ids.toArray(UUID[]::new)).query(Long.class).single();
    }
}
