package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Handler locks: 16 runs (claimed jobs, one per thread) each increment one counter row
 * {@value #INCREMENTS} times, reading it and writing it back from Java, inside the lock: no
 * increment is lost, every release finds the lock held to the end, and the fences of the writes
 * grow with the counter. The negative control is the same read-then-write without the lock, and it
 * loses increments. Then the fencing: a run that lost its job can neither take a lock nor keep
 * one, and an expired lock goes to the next run.
 */
class HandlerLockIT {
    private static final int THREADS = 16;
    private static final int INCREMENTS = 40;
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Duration TTL = Duration.ofSeconds(30);

    private static TestDatabase db;
    private static JobRepository repository;
    private static HandlerLocks locks;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 4);
        repository = new JobRepository(db.dataSource());
        locks = repository.handlerLocks();
        jdbc = JdbcClient.create(db.dataSource());
        jdbc.sql("CREATE TABLE lock_counter (name text PRIMARY KEY, value bigint NOT NULL)")
                .update();
        jdbc.sql("CREATE TABLE lock_write (value bigint NOT NULL, fence bigint NOT NULL)")
                .update();
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void sixteenRunsIncrementingOneCounterUnderTheLockLoseNothing() {
        counter("naive");
        List<Integer> naiveDone = Race.run(THREADS, t -> () -> {
            for (int i = 0; i < INCREMENTS; i++) {
                increment("naive");
            }
            return INCREMENTS;
        });
        long naiveValue = value("naive");

        counter("locked");
        List<Claim> runs =
                repository.claim(Jobs.submit(repository, "lock.run", THREADS), Set.of("lock.run"), "w", LEASE);
        assertThat(runs).hasSize(THREADS);
        AtomicLong contended = new AtomicLong();
        AtomicLong notHeldThroughout = new AtomicLong();
        List<Integer> done = Race.run(THREADS, t -> () -> {
            Claim run = runs.get(t);
            for (int i = 0; i < INCREMENTS; i++) {
                HandlerLocks.Held lock = acquire(run, "counter", contended);
                long value = increment("locked");
                jdbc.sql("INSERT INTO lock_write (value, fence) VALUES (?, ?)")
                        .params(value, lock.fence())
                        .update();
                if (!locks.release(lock).heldThroughout()) {
                    notHeldThroughout.incrementAndGet();
                }
            }
            return INCREMENTS;
        });
        long value = value("locked");
        long fencesOutOfOrder = jdbc.sql("""
                        SELECT count(*) FROM lock_write a JOIN lock_write b ON a.value < b.value
                        WHERE a.fence >= b.fence""").query(Long.class).single();

        System.out.printf(
                "handler lock: %d runs x %d read-then-write increments of one counter; without the lock %d of %d"
                        + " survived (%d lost); with it %d (%d lost), %d contended attempts, %d releases not held"
                        + " throughout, %d writes out of fence order%n",
                THREADS,
                INCREMENTS,
                naiveValue,
                THREADS * INCREMENTS,
                THREADS * INCREMENTS - naiveValue,
                value,
                THREADS * INCREMENTS - value,
                contended.get(),
                notHeldThroughout.get(),
                fencesOutOfOrder);
        assertThat(naiveDone)
                .as("every naive thread ran to the end")
                .containsOnly(INCREMENTS)
                .hasSize(THREADS);
        assertThat(naiveValue).as("the naive increments ran").isPositive();
        assertThat(naiveValue).as("without the lock, increments are lost").isLessThan(THREADS * INCREMENTS);
        assertThat(done).containsOnly(INCREMENTS).hasSize(THREADS);
        assertThat(value).isEqualTo(THREADS * INCREMENTS);
        assertThat(contended.get()).as("the threads met at the lock").isPositive();
        assertThat(notHeldThroughout.get()).isZero();
        assertThat(fencesOutOfOrder).isZero();
        assertThat(locks.find("counter").orElseThrow().releasedAt())
                .as("the last release freed the lock")
                .isNotNull();
    }

    @Test
    void aRunThatLostItsJobNeitherTakesNorKeepsALock() {
        List<Claim> runs = repository.claim(Jobs.submit(repository, "lock.fence", 2), Set.of("lock.fence"), "w", LEASE);
        Claim a = runs.get(0);
        Claim b = runs.get(1);
        HandlerLocks.Held held = acquired(locks.tryAcquire(a.jobId(), a.token(), "report", TTL));
        assertThat(locks.tryAcquire(b.jobId(), b.token(), "report", TTL)).isInstanceOf(HandlerLocks.Attempt.Busy.class);

        // a's lease runs out and the reaper rescues its job: a holds nothing any more
        jdbc.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(a.jobId())
                .update();
        assertThat(repository.rescueExpired(10, "reaper")).containsKey(a.jobId());
        HandlerLocks.Held taken = acquired(locks.tryAcquire(b.jobId(), b.token(), "report", TTL));
        assertThat(taken.fence()).as("fences only grow").isGreaterThan(held.fence());
        assertThat(locks.tryAcquire(a.jobId(), a.token(), "other", TTL))
                .as("a lost run takes no lock")
                .isInstanceOf(HandlerLocks.Attempt.RunLost.class);
        assertThat(locks.find("other")).isEmpty();
        HandlerLocks.Release late = locks.release(held);
        assertThat(late.heldThroughout()).isFalse();
        assertThat(late.released()).as("the row is b's now").isFalse();
        assertThat(locks.find("report").orElseThrow().jobId()).isEqualTo(b.jobId());
        assertThat(locks.release(taken).heldThroughout()).isTrue();

        // an expired lock goes to the next run, and its holder learns it at release
        // c is claimed first, so that only one statement lies between the brief lock and c's attempt (CI once
        // spent more than a 200 ms lifetime on submitting and claiming c in between)
        Claim c = repository
                .claim(Jobs.submit(repository, "lock.fence", 1), Set.of("lock.fence"), "w", LEASE)
                .get(0);
        HandlerLocks.Held brief = acquired(locks.tryAcquire(b.jobId(), b.token(), "brief", Duration.ofSeconds(1)));
        assertThat(locks.tryAcquire(c.jobId(), c.token(), "brief", TTL)).isInstanceOf(HandlerLocks.Attempt.Busy.class);
        HandlerLocks.Attempt next = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> locks.tryAcquire(c.jobId(), c.token(), "brief", TTL),
                        HandlerLocks.Attempt.Acquired.class::isInstance);
        assertThat(locks.release(brief).heldThroughout()).isFalse();
        assertThat(locks.release(acquired(next)).heldThroughout()).isTrue();

        // a run that ended (its outcome written) keeps nothing either
        HandlerLocks.Held beforeEnd = acquired(locks.tryAcquire(c.jobId(), c.token(), "end", TTL));
        repository.finish(List.of(RunOutcome.succeeded(c.jobId(), c.token())), "w");
        assertThat(locks.tryAcquire(b.jobId(), b.token(), "end", TTL))
                .isInstanceOf(HandlerLocks.Attempt.Acquired.class);
        assertThat(locks.release(beforeEnd).heldThroughout()).isFalse();
    }

    private static HandlerLocks.Held acquire(Claim run, String name, AtomicLong contended) {
        while (true) {
            HandlerLocks.Attempt attempt = locks.tryAcquire(run.jobId(), run.token(), name, TTL);
            if (attempt instanceof HandlerLocks.Attempt.Acquired acquired) {
                return acquired.lock();
            }
            assertThat(attempt).isInstanceOf(HandlerLocks.Attempt.Busy.class);
            contended.incrementAndGet();
        }
    }

    private static HandlerLocks.Held acquired(HandlerLocks.Attempt attempt) {
        assertThat(attempt).isInstanceOf(HandlerLocks.Attempt.Acquired.class);
        return ((HandlerLocks.Attempt.Acquired) attempt).lock();
    }

    private static void counter(String name) {
        jdbc.sql("INSERT INTO lock_counter (name, value) VALUES (?, 0)")
                .param(name)
                .update();
    }

    /** Hand-rolled: read the counter, add one in Java, write it back. Returns the value written. */
    private static long increment(String name) {
        long value = value(name);
        jdbc.sql("SELECT pg_sleep(0.001)").query().singleValue();
        jdbc.sql("UPDATE lock_counter SET value = ? WHERE name = ?")
                .params(value + 1, name)
                .update();
        return value + 1;
    }

    private static long value(String name) {
        return jdbc.sql("SELECT value FROM lock_counter WHERE name = ?")
                .param(name)
                .query(Long.class)
                .single();
    }
}
