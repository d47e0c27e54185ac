package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G4: a concurrency key with limit n never has more than n running jobs. 300 jobs on one key with
 * limit 3, claimed by 16 claimers; the running count sampled from the database never exceeds 3.
 * The negative control checks the running count in Java, then claims, and exceeds it.
 */
class G4ConcurrencyLimitIT {
    private static final int CLAIMERS = 16;
    private static final int JOBS = 300;
    private static final int LIMIT = 3;
    private static final Duration LEASE = Duration.ofMinutes(5);

    private static TestDatabase db;
    private static JobRepository repository;
    private static ConcurrencyLimits limits;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(CLAIMERS + 4);
        repository = new JobRepository(db.dataSource());
        limits = new ConcurrencyLimits(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void aKeyWithLimitThreeNeverHasMoreThanThreeRunningJobs() {
        submit("g4.naive", "naive-key");
        long naiveMax;
        try (Sampler sampler = new Sampler("naive", () -> limits.running("naive-key"))) {
            Race.run(CLAIMERS, t -> () -> naiveCheckThenClaim("naive-" + t));
            naiveMax = sampler.max();
        }

        limits.set("tenant-a", LIMIT);
        submit("g4.job", "tenant-a");
        long max;
        long samples;
        try (Sampler sampler = new Sampler("jobfleet", () -> limits.running("tenant-a"))) {
            Race.run(CLAIMERS, t -> () -> claimAndRun("worker-" + t));
            max = sampler.max();
            samples = sampler.samples();
        }
        long overlap = maxOverlappingExecutions("tenant-a");

        System.out.printf(
                "G4 limit %d: %d claimers x %d jobs; naive check-then-claim peaked at %d running, jobfleet at %d"
                        + " (%d samples; executions overlapping at most %d)%n",
                LIMIT, CLAIMERS, JOBS, naiveMax, max, samples, overlap);
        assertThat(naiveMax).as("the naive version must exceed the limit").isGreaterThan(LIMIT);
        assertThat(max).isLessThanOrEqualTo(LIMIT);
        assertThat(overlap).isLessThanOrEqualTo(LIMIT).isPositive();
        assertThat(repository.list(JobState.SUCCEEDED, "g4.job", JOBS + 1)).hasSize(JOBS);
        assertThat(limits.find("tenant-a").orElseThrow().taken())
                .as("every slot came back")
                .isZero();
    }

    @Test
    void aRescuedRunGivesItsSlotBackOnceAndTheOldTokenCannotFreeItAgain() {
        limits.set("tenant-r", 1);
        UUID first =
                repository.submit(event("g4.rescue", "tenant-r"), "test").job().id();
        UUID second =
                repository.submit(event("g4.rescue", "tenant-r"), "test").job().id();
        List<Claim> claims = repository.claimDue(Set.of("g4.rescue"), 10, "dying-worker", LEASE);
        assertThat(claims).extracting(Claim::jobId).containsExactly(first);
        Claim old = claims.get(0);
        assertThat(repository.claimDue(Set.of("g4.rescue"), 10, "w2", LEASE))
                .as("limit 1 is full")
                .isEmpty();

        jdbc.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(first)
                .update();
        assertThat(repository.rescueExpired(10, "reaper")).containsKey(first);
        List<Claim> next = repository.claimDue(Set.of("g4.rescue"), 10, "w2", LEASE);
        assertThat(next).hasSize(1);
        assertThat(limits.running("tenant-r")).isEqualTo(1);

        // the presumed-dead worker wakes up: none of its writes free anything
        assertThat(repository.finish(List.of(RunOutcome.succeeded(first, old.token())), "dying-worker"))
                .isEmpty();
        assertThat(repository.release(Map.of(first, old.token()), "dying-worker"))
                .isEmpty();
        assertThat(limits.find("tenant-r").orElseThrow().taken()).isEqualTo(1);
        assertThat(repository.claimDue(Set.of("g4.rescue"), 10, "w3", LEASE))
                .as("the slot is still held by the new run")
                .isEmpty();
        assertThat(limits.running("tenant-r")).isEqualTo(1);
        assertThat(second).isNotNull();
    }

    @Test
    void loweringALimitTakesEffectWithoutInterruptingRunningJobs() {
        limits.set("tenant-l", 3);
        for (int i = 0; i < 5; i++) {
            repository.submit(event("g4.lower", "tenant-l"), "test");
        }
        List<Claim> running = repository.claimDue(Set.of("g4.lower"), 10, "w", LEASE);
        assertThat(running).hasSize(3);
        limits.set("tenant-l", 1);
        repository.finish(
                List.of(RunOutcome.succeeded(
                        running.get(0).jobId(), running.get(0).token())),
                "w");
        assertThat(repository.claimDue(Set.of("g4.lower"), 10, "w", LEASE))
                .as("2 still run, limit 1")
                .isEmpty();
        repository.finish(
                List.of(RunOutcome.succeeded(
                        running.get(1).jobId(), running.get(1).token())),
                "w");
        repository.finish(
                List.of(RunOutcome.succeeded(
                        running.get(2).jobId(), running.get(2).token())),
                "w");
        assertThat(repository.claimDue(Set.of("g4.lower"), 10, "w", LEASE)).hasSize(1);
        assertThat(jdbc.sql("SELECT count(*) FROM concurrency_slot WHERE key = 'tenant-l'")
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    private static void submit(String type, String key) {
        for (int i = 0; i < JOBS; i++) {
            repository.submit(event(type, key), "test");
        }
    }

    private static JobEvent event(String type, String key) {
        return new JobEvent(JobIds.next(), type, JobCodec.mapper().createObjectNode(), null, null, null, key, null);
    }

    private static Void claimAndRun(String owner) {
        while (true) {
            List<Claim> claims = repository.claimDue(Set.of("g4.job"), 2, owner, LEASE);
            if (claims.isEmpty()) {
                if (repository.list(JobState.PENDING, "g4.job", 1).isEmpty()) {
                    return null;
                }
                continue;
            }
            for (Claim c : claims) {
                work(c.jobId(), c.token(), owner);
                repository.finish(List.of(RunOutcome.succeeded(c.jobId(), c.token())), owner);
            }
        }
    }

    /** Hand-rolled: count the running jobs of the key, and claim one if there is room. */
    private static Void naiveCheckThenClaim(String owner) {
        while (true) {
            if (repository.list(JobState.PENDING, "g4.naive", 1).isEmpty()) {
                return null;
            }
            if (limits.running("naive-key") >= LIMIT) {
                continue;
            }
            List<Map.Entry<UUID, UUID>> claimed = jdbc.sql("""
                            UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, claim_token = gen_random_uuid(),
                                lease_owner = ?, lease_expires_at = now() + interval '5 minutes'
                            WHERE id = (SELECT id FROM jobs WHERE type = 'g4.naive' AND state = 'PENDING'
                                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                            RETURNING id, claim_token""")
                    .param(owner)
                    .query((rs, n) -> Map.entry(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                    .list();
            for (Map.Entry<UUID, UUID> c : claimed) {
                work(c.getKey(), c.getValue(), owner);
                repository.finish(List.of(RunOutcome.succeeded(c.getKey(), c.getValue())), owner);
            }
        }
    }

    /** The handler's work: an audited execution that takes a few milliseconds of database time. */
    private static void work(UUID job, UUID token, String owner) {
        long execution = repository.startExecution(job, owner, token, 1);
        jdbc.sql("SELECT pg_sleep(0.003)").query().singleValue();
        repository.endExecution(execution);
    }

    private static long maxOverlappingExecutions(String key) {
        return jdbc.sql("""
                        SELECT coalesce(max(c), 0) FROM (
                            SELECT (SELECT count(*) FROM demo_execution b JOIN jobs jb ON jb.id = b.job_id
                                    WHERE jb.concurrency_key = ja.concurrency_key
                                      AND b.started_at <= a.started_at AND b.finished_at > a.started_at) AS c
                            FROM demo_execution a JOIN jobs ja ON ja.id = a.job_id
                            WHERE ja.concurrency_key = ?) x""").param(key).query(Long.class).single();
    }
}
