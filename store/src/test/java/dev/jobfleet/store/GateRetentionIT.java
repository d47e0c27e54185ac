package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobIds;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Concurrency-key gate rows are bounded (V11): retention deletes the gate of an idle key, and never
 * the gate of a key whose job is being submitted right now. A job left without its gate is never
 * claimed (the claim locks the gate), so the race is shown by claiming afterwards.
 */
class GateRetentionIT {
    private static final int THREADS = 12;
    private static final int KEYS_PER_THREAD = 10;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration LEASE = Duration.ofMinutes(5);

    /** V4's trigger: finds the gate and keeps it without any lock. */
    private static final String V4_TRIGGER = """
            CREATE OR REPLACE FUNCTION jobfleet_concurrency_key() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO concurrency_key (key) VALUES (NEW.concurrency_key) ON CONFLICT (key) DO NOTHING;
                RETURN NULL;
            END $$""";

    @Test
    void anIdleKeysGateGoesAndEveryKeyStillInUseKeepsIts() {
        try (TestDatabase db = TestDatabase.create(4)) {
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            Retention retention = new Retention(db.appDataSource());
            job(jdbc, "idle", "SUCCEEDED");
            job(jdbc, "cancelled", "CANCELLED");
            job(jdbc, "pending", "PENDING");
            job(jdbc, "retrying", "RETRY_SCHEDULED");
            job(jdbc, "dead", "DEAD");
            jdbc.sql("INSERT INTO concurrency_key (key) VALUES ('never-used')").update();
            jdbc.sql("INSERT INTO concurrency_key (key, max_running) VALUES ('limited', 3)")
                    .update();
            jdbc.sql("INSERT INTO concurrency_key (key, closed_until) VALUES ('closed', now() + interval '1 hour')")
                    .update();
            assertThat(gates(jdbc)).hasSize(8);

            assertThat(retention.purgeGates(100)).isEqualTo(3);
            assertThat(gates(jdbc)).containsExactlyInAnyOrder("pending", "retrying", "dead", "limited", "closed");
            assertThat(jdbc.sql("SELECT count(*) FROM jobs").query(Long.class).single())
                    .as("jobs are retention's other business: none deleted here")
                    .isEqualTo(5);
            assertThat(retention.purgeGates(100)).as("nothing idle is left").isZero();

            // the key comes back with its next job, which is claimed as any
            UUID again = job(jdbc, "idle", "PENDING");
            assertThat(gates(jdbc)).contains("idle");
            List<Claim> claims =
                    new JobRepository(db.appDataSource()).claim(List.of(again), Set.of("gate.test"), "w", LEASE);
            assertThat(claims).extracting(Claim::jobId).containsExactly(again);
        }
    }

    @Test
    void aGateIsNeverDeletedUnderASubmissionOfItsKey() {
        // negative control: V4's trigger, which finds the gate without a lock, with the same purge
        Outcome naive = race("naive", true);
        assertThat(naive.committed)
                .as("control precondition: every submission committed")
                .isEqualTo(keys());
        assertThat(naive.sparesLeft)
                .as("control precondition: the purge took every idle spare")
                .isZero();
        assertThat(naive.purged).isGreaterThanOrEqualTo(keys());
        assertThat(naive.passesPerSubmission)
                .as("control precondition: every submission stayed open across two whole purges")
                .isGreaterThanOrEqualTo(2);
        assertThat(naive.orphans)
                .as("control: pending jobs whose gate the purge deleted")
                .isPositive();
        assertThat(naive.claimed).as("control: those jobs are never claimed").isEqualTo(keys() - naive.orphans);

        Outcome jobfleet = race("jobfleet", false);
        assertThat(jobfleet.committed).isEqualTo(keys());
        assertThat(jobfleet.sparesLeft).as("the purge took every idle spare").isZero();
        assertThat(jobfleet.purged).isGreaterThanOrEqualTo(keys());
        assertThat(jobfleet.passesPerSubmission).isGreaterThanOrEqualTo(2);
        assertThat(jobfleet.orphans).isZero();
        assertThat(jobfleet.claimed).isEqualTo(keys());
        System.out.printf(
                "gate retention race, %d submitters x %d keys: naive %d orphaned of %d (%d gates purged),"
                        + " jobfleet %d orphaned (%d gates purged), all %d claimed%n",
                THREADS,
                KEYS_PER_THREAD,
                naive.orphans,
                keys(),
                naive.purged,
                jobfleet.orphans,
                jobfleet.purged,
                jobfleet.claimed);
    }

    private static int keys() {
        return THREADS * KEYS_PER_THREAD;
    }

    /**
     * @param committed submissions that committed
     * @param purged gates the purge deleted meanwhile
     * @param sparesLeft idle spare gates the purge left (each submission adds one)
     * @param passesPerSubmission the fewest whole purges any submission stayed open across
     * @param orphans pending jobs of the race without a gate afterwards
     * @param claimed jobs a claim took afterwards
     */
    private record Outcome(
            int committed, long purged, int sparesLeft, long passesPerSubmission, int orphans, int claimed) {}

    /**
     * 12 submitters, each for 10 keys of its own: the key's gate exists (the key was used before,
     * its jobs are gone; an idle spare gate is added with it), a transaction inserts the key's next job and stays open until the purge,
     * looping on another thread, has run twice from start to end; then it commits.
     */
    private static Outcome race(String name, boolean naiveTrigger) {
        try (TestDatabase db = TestDatabase.create(THREADS + 4)) {
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            if (naiveTrigger) {
                jdbc.sql(V4_TRIGGER).update();
            }
            Retention retention = new Retention(db.appDataSource());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong passes = new AtomicLong();
            AtomicLong purged = new AtomicLong();
            ExecutorService purger = Executors.newSingleThreadExecutor();
            Future<?> purging = purger.submit(() -> {
                while (!stop.get()) {
                    purged.addAndGet(retention.purgeGates(50));
                    passes.incrementAndGet();
                }
                return null;
            });
            AtomicLong fewestPasses = new AtomicLong(Long.MAX_VALUE);
            AtomicInteger committed = new AtomicInteger();
            try {
                Race.run(THREADS, t -> () -> {
                    try (Connection c = db.appDataSource().getConnection()) {
                        for (int i = 0; i < KEYS_PER_THREAD; i++) {
                            String key = name + "-" + t + "-" + i;
                            c.setAutoCommit(true);
                            // the key's gate, and an idle spare the purge is to take meanwhile
                            try (PreparedStatement gate =
                                    c.prepareStatement("INSERT INTO concurrency_key (key) VALUES (?), (?)")) {
                                gate.setString(1, key);
                                gate.setString(2, key + "-spare");
                                gate.executeUpdate();
                            }
                            c.setAutoCommit(false);
                            try (PreparedStatement insert = c.prepareStatement(
                                    "INSERT INTO jobs (id, type, concurrency_key) VALUES (?, 'gate.race', ?)")) {
                                insert.setObject(1, JobIds.next());
                                insert.setString(2, key);
                                insert.executeUpdate();
                            }
                            long before = passes.get();
                            await("two whole purges while " + key + " is being submitted")
                                    .atMost(DEADLINE)
                                    .pollInterval(Duration.ofMillis(2))
                                    .until(() -> passes.get() >= before + 3 || purging.isDone());
                            fewestPasses.accumulateAndGet(passes.get() - before - 1, Math::min);
                            c.commit();
                            committed.incrementAndGet();
                        }
                    }
                    return null;
                });
            } finally {
                stop.set(true);
                purger.shutdown();
            }
            try {
                purging.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the purge failed", e);
            }
            int orphans = jdbc.sql("""
                            SELECT count(*) FROM jobs j WHERE j.type = 'gate.race' AND j.state = 'PENDING'
                              AND NOT EXISTS (SELECT 1 FROM concurrency_key k WHERE k.key = j.concurrency_key)""").query(Integer.class).single();
            int spares = jdbc.sql("SELECT count(*) FROM concurrency_key WHERE key LIKE '%-spare'")
                    .query(Integer.class)
                    .single();
            int claimed = new JobRepository(db.appDataSource())
                    .claimDue(Set.of("gate.race"), 1_000, "w", LEASE)
                    .size();
            return new Outcome(committed.get(), purged.get(), spares, fewestPasses.get(), orphans, claimed);
        }
    }

    /** A job of {@code key} in {@code state}; its insert makes the key's gate. */
    private static UUID job(JdbcClient jdbc, String key, String state) {
        UUID id = JobIds.next();
        jdbc.sql("INSERT INTO jobs (id, type, concurrency_key) VALUES (?, 'gate.test', ?)")
                .params(id, key)
                .update();
        if (!state.equals("PENDING") && !state.equals("CANCELLED")) {
            jdbc.sql("""
                            UPDATE jobs SET state = 'RUNNING', attempts = 1, claim_token = gen_random_uuid(),
                                lease_owner = 'test', lease_expires_at = now() + interval '1 minute'
                            WHERE id = ?""").param(id).update();
        }
        if (!state.equals("PENDING")) {
            jdbc.sql("""
                            UPDATE jobs SET state = CAST(? AS job_state), lease_owner = NULL, lease_expires_at = NULL,
                                finished_at = CASE WHEN ? = 'RETRY_SCHEDULED' THEN NULL ELSE now() END
                            WHERE id = ?""").params(state, state, id).update();
        }
        return id;
    }

    private static List<String> gates(JdbcClient jdbc) {
        return jdbc.sql("SELECT key FROM concurrency_key ORDER BY key")
                .query(String.class)
                .list();
    }
}
