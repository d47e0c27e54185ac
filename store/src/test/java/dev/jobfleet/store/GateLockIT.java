package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * How a claim locks a concurrency key's gate row while a limit call changes the key (G4), on a
 * real PostgreSQL. A claim statement's snapshot can predate the limit call's first step (closing
 * the gate, an update of the row); when the claim then locks the gate, the limit call may hold
 * it FOR UPDATE. Ten such claims at once, each held between its snapshot and its lock by a
 * {@code pg_sleep}:
 *
 * <ul>
 *   <li>jobfleet's lock ({@link JobSql#GATE_LOCK}, FOR SHARE SKIP LOCKED) skips the held gate at
 *       once, and once the limit call committed reads the gate's newest generation (so the
 *       claim sees that its snapshot is out of date);
 *   <li>the lock before this test (FOR KEY SHARE SKIP LOCKED) waits for the limit call despite
 *       SKIP LOCKED: PostgreSQL takes a key-share lock on the version the snapshot saw (the
 *       close changed no key) and then locks the update chain, waiting for its holders. The
 *       claim took that wait while holding job rows the limit call waited for: the deadlock CI
 *       met in {@code G4LimitChangeIT}.
 * </ul>
 */
class GateLockIT {
    private static final int CLAIMS = 10;
    private static final String NAIVE_LOCK = "FOR KEY SHARE SKIP LOCKED";
    /** Between a claim's snapshot and its lock: long enough for the limit call to close and lock the gate. */
    private static final Duration PAUSE = Duration.ofSeconds(2);

    private static TestDatabase db;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(CLAIMS + 4);
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void aClaimWithAnOldSnapshotSkipsAGateTheLimitCallHoldsAndThenReadsItsNewestGeneration() throws Exception {
        Race naive = race(NAIVE_LOCK);
        Race jobfleet = race(JobSql.GATE_LOCK);

        System.out.printf(
                "gate lock, %d claims whose snapshot predates the limit call: naive (%s): %d waited for the"
                        + " limit call's lock (%d skipped); jobfleet (%s): %d skipped the held gate without"
                        + " waiting, then %d of %d read generation %d (the newest; their snapshot saw %d)%n",
                CLAIMS,
                NAIVE_LOCK,
                naive.waitedForTheLimitCall,
                naive.skippedWhileHeld,
                JobSql.GATE_LOCK,
                jobfleet.skippedWhileHeld,
                count(jobfleet.afterCommit, jobfleet.committedGeneration),
                CLAIMS,
                jobfleet.committedGeneration,
                jobfleet.snapshotGeneration);

        // the control: its claims were paused until the gate was held, then waited on it
        naive.assertPausedUntilTheGateWasHeld();
        assertThat(naive.waitedForTheLimitCall)
                .as("FOR KEY SHARE SKIP LOCKED waits for the limit call's FOR UPDATE")
                .isEqualTo(CLAIMS);
        assertThat(naive.skippedWhileHeld).isZero();

        jobfleet.assertPausedUntilTheGateWasHeld();
        assertThat(jobfleet.waitedForTheLimitCall).isZero();
        assertThat(jobfleet.skippedWhileHeld)
                .as("jobfleet's claims skip the held gate")
                .isEqualTo(CLAIMS);
        assertThat(jobfleet.afterCommit)
                .as("and read the newest generation once it is free")
                .hasSize(CLAIMS)
                .containsOnly(Optional.of(jobfleet.committedGeneration));
        assertThat(JobSql.CLAIM_DUE).contains(JobSql.GATE_LOCK);
    }

    /** What one lock clause did. */
    private record Race(
            int pausedWhenHeld,
            long waitedForTheLimitCall,
            long skippedWhileHeld,
            long snapshotGeneration,
            long committedGeneration,
            List<Optional<Long>> afterCommit) {
        void assertPausedUntilTheGateWasHeld() {
            assertThat(pausedWhenHeld)
                    .as(
                            "every claim took its snapshot before the limit call and was still paused when it held the gate")
                    .isEqualTo(CLAIMS);
        }
    }

    /**
     * Two rounds over a fresh key: claims paused while the limit call closes the gate and holds it
     * FOR UPDATE (round one, counted while held), and claims paused while it closes, holds, opens
     * with a new generation and commits (round two, the generation they read).
     */
    private static Race race(String lock) throws Exception {
        String key = "gate-" + UUID.randomUUID();
        jdbc.sql("INSERT INTO concurrency_key (key) VALUES (?)").param(key).update();
        ExecutorService pool = Executors.newFixedThreadPool(CLAIMS);
        try {
            // round one: does a claim wait for the held gate?
            List<Future<Optional<Long>>> first = pausedClaims(pool, key, lock);
            long waited;
            long skipped;
            int pausedWhenHeld;
            try (Connection limitCall = db.dataSource().getConnection()) {
                closeAndHold(limitCall, key);
                pausedWhenHeld = paused(key);
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> paused(key) == 0 && waiting(key) + done(first) == CLAIMS);
                waited = waiting(key);
                skipped = first.stream()
                        .filter(Future::isDone)
                        .filter(f -> result(f).isEmpty())
                        .count();
                limitCall.rollback();
            }
            for (Future<Optional<Long>> f : first) {
                f.get(30, TimeUnit.SECONDS);
            }
            // round two: the generation a claim reads once the limit call committed
            long before = generation(key);
            List<Future<Optional<Long>>> second = pausedClaims(pool, key, lock);
            long committed;
            try (Connection limitCall = db.dataSource().getConnection()) {
                closeAndHold(limitCall, key);
                pausedWhenHeld = Math.min(pausedWhenHeld, paused(key));
                try (var open = limitCall.prepareStatement(LimitSql.REOPEN_GATE)) {
                    open.setString(1, key);
                    assertThat(open.executeUpdate()).isEqualTo(1);
                }
                limitCall.commit();
            }
            committed = generation(key);
            assertThat(committed)
                    .as("the limit call closed and opened the gate")
                    .isEqualTo(before + 2);
            List<Optional<Long>> afterCommit = new ArrayList<>();
            for (Future<Optional<Long>> f : second) {
                afterCommit.add(f.get(30, TimeUnit.SECONDS));
            }
            return new Race(pausedWhenHeld, waited, skipped, before, committed, afterCommit);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Claims of the key that take their snapshot now, then pause, then lock the gate with {@code lock}. */
    private static List<Future<Optional<Long>>> pausedClaims(ExecutorService pool, String key, String lock) {
        String sql = "/* gate-lock-it " + key + " */ SELECT g.generation FROM concurrency_key g"
                + " WHERE g.key = ? AND (SELECT 1 FROM pg_sleep(?)) = 1 " + lock;
        List<Future<Optional<Long>>> claims = new ArrayList<>();
        for (int i = 0; i < CLAIMS; i++) {
            claims.add(pool.submit(() -> jdbc.sql(sql)
                    .params(key, PAUSE.toMillis() / 1000.0)
                    .query(Long.class)
                    .optional()));
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> paused(key) == CLAIMS);
        return claims;
    }

    /** The limit call's first two steps: close the gate (committed), then hold it FOR UPDATE. */
    private static void closeAndHold(Connection limitCall, String key) throws SQLException {
        limitCall.setAutoCommit(true);
        try (var close = limitCall.prepareStatement(LimitSql.CLOSE_GATE)) {
            close.setString(1, key);
            close.setLong(2, 60);
            assertThat(close.executeUpdate()).isEqualTo(1);
        }
        limitCall.setAutoCommit(false);
        try (var hold = limitCall.prepareStatement(LimitSql.LOCK_GATE)) {
            hold.setString(1, key);
            try (var rs = hold.executeQuery()) {
                assertThat(rs.next()).as("the limit call holds the gate").isTrue();
            }
        }
    }

    private static long generation(String key) {
        return jdbc.sql("SELECT generation FROM concurrency_key WHERE key = ?")
                .param(key)
                .query(Long.class)
                .single();
    }

    /** Claims of the key still in their pause. */
    private static int paused(String key) {
        return activity(key, "wait_event = 'PgSleep'");
    }

    /** Claims of the key waiting for a lock. */
    private static int waiting(String key) {
        return activity(key, "wait_event_type = 'Lock'");
    }

    private static int activity(String key, String condition) {
        return jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND pid <> pg_backend_pid() AND query LIKE ? AND " + condition)
                .param("/* gate-lock-it " + key + " */%")
                .query(Integer.class)
                .single();
    }

    private static long done(List<Future<Optional<Long>>> claims) {
        return claims.stream().filter(Future::isDone).count();
    }

    private static Optional<Long> result(Future<Optional<Long>> claim) {
        try {
            return claim.get();
        } catch (Exception e) {
            throw new IllegalStateException("a paused claim failed", e);
        }
    }

    private static long count(List<Optional<Long>> generations, long generation) {
        return generations.stream()
                .filter(g -> g.equals(Optional.of(generation)))
                .count();
    }
}
