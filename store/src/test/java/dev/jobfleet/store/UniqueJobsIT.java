package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Unique jobs: at most one job per unique key among jobs in the key's states ("one pending or
 * running rebuild per customer"). 32 concurrent submissions make one job; the naive
 * check-then-insert makes several. Once the job leaves its unique states the key is free again.
 */
class UniqueJobsIT {
    private static final int THREADS = 32;

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(THREADS + 2);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void concurrentSubmissionsOfOneUniqueKeyMakeOneJob() {
        int naiveRounds = 0;
        long naiveJobs = 0;
        while (naiveJobs <= 1 && naiveRounds < 10) {
            naiveRounds++;
            String key = "naive-rebuild-" + naiveRounds;
            Race.run(THREADS, t -> () -> {
                long held = jdbc.sql(
                                "SELECT count(*) FROM jobs WHERE unique_key = ? AND state IN ('PENDING', 'RUNNING')")
                        .param(key)
                        .query(Long.class)
                        .single();
                if (held == 0) {
                    // the same insert without the partial unique index to stop it: unique_states left empty
                    jdbc.sql(
                                    "INSERT INTO jobs (id, type, unique_key, unique_states) VALUES (?, 'unique.naive', ?, '{}')")
                            .params(UUID.randomUUID(), key)
                            .update();
                }
                return null;
            });
            naiveJobs = jdbc.sql("SELECT count(*) FROM jobs WHERE unique_key = ?")
                    .param(key)
                    .query(Long.class)
                    .single();
        }

        JobOptions options = new JobOptions(
                "rebuild:customer-42",
                EnumSet.of(JobState.PENDING, JobState.RUNNING, JobState.RETRY_SCHEDULED),
                null,
                null,
                null);
        List<Submission> results =
                Race.run(THREADS, t -> () -> repository.submit(Jobs.event("unique.rebuild"), options, "api"));
        long created = results.stream().filter(Submission::created).count();
        long distinct = results.stream().map(s -> s.job().id()).distinct().count();
        System.out.printf(
                "unique jobs: %d concurrent submissions of one key; naive check-then-insert made %d jobs (round %d), jobfleet %d%n",
                THREADS, naiveJobs, naiveRounds, created);
        assertThat(naiveJobs).as("the naive version must make duplicates").isGreaterThan(1);
        assertThat(created).isEqualTo(1);
        assertThat(distinct).isEqualTo(1);
        assertThat(repository.list(null, "unique.rebuild", 100)).hasSize(1);
    }

    /**
     * A key held by a job that is re-driven, cancelled or retried while 15 new submissions of the
     * key race it: one holder, never two. Each scenario runs {@value #ROUNDS} rounds, each on a
     * fresh key; a round is one thread changing the holder and 15 submitting. Unique keys: the
     * holder is DEAD and re-driven (the key is free while it is DEAD), PENDING and cancelled, or
     * waiting to retry and promoted. Idempotency keys: the holder is PENDING and cancelled.
     *
     * <p>The negative control is what hand-rolled code does: "unique while live" as check-then-insert
     * against jobs PENDING or RUNNING, re-drive and promotion as plain updates, and idempotency as
     * "no live job with this key" then insert.
     */
    @Test
    void aKeyWhoseHolderIsRedrivenCancelledOrRetriedWhileSubmissionsRaceHasOneHolder() {
        Tally naive = new Tally();
        Tally fleet = new Tally();
        for (Scenario scenario : Scenario.values()) {
            for (int round = 0; round < ROUNDS; round++) {
                naive.add(scenario, new Naive().round(scenario, "naive-" + scenario + "-" + round));
                fleet.add(scenario, new Jobfleet().round(scenario, "fleet-" + scenario + "-" + round));
            }
        }
        System.out.printf(
                "unique and idempotency keys under re-drive, cancel and retry: %d rounds x %d scenarios, 1 changer + %d"
                        + " submitters each; naive: %d rounds ended with two or more holders (at most %d), %s;"
                        + " jobfleet: %d such rounds (at most %d), %s%n",
                ROUNDS,
                Scenario.values().length,
                THREADS_PER_ROUND - 1,
                naive.roundsWithTwo,
                naive.maxHolders,
                naive.byScenario,
                fleet.roundsWithTwo,
                fleet.maxHolders,
                fleet.byScenario);
        assertThat(naive.rounds).as("every naive round ran").isEqualTo(ROUNDS * Scenario.values().length);
        assertThat(naive.changes).as("the naive changer changed the holder").isPositive();
        assertThat(naive.roundsWithTwo)
                .as("the naive version must make two holders")
                .isPositive();
        assertThat(fleet.rounds).isEqualTo(ROUNDS * Scenario.values().length);
        assertThat(fleet.changes).as("jobfleet's changer changed the holder").isPositive();
        assertThat(fleet.roundsWithTwo).isZero();
        assertThat(fleet.roundsWithNone)
                .as("a re-drive or a retry never leaves the key without holder")
                .isZero();
        assertThat(fleet.wrongAnswers).as("every submission got the one holder").isZero();
    }

    private static final int ROUNDS = 8;
    private static final int THREADS_PER_ROUND = 16;

    private enum Scenario {
        /** Unique key; the holder is DEAD, one thread re-drives it. */
        REDRIVE,
        /** Unique key; the holder is PENDING, one thread cancels it. */
        CANCEL,
        /** Unique key; the holder waits to retry (due), one thread promotes due retries. */
        RETRY,
        /** Idempotency key; the holder is PENDING, one thread cancels it. */
        IDEMPOTENT_CANCEL
    }

    /** What a round ended with. */
    private record Round(long holders, boolean changed, long wrongAnswers, boolean holderRequired) {}

    private static final class Tally {
        int rounds;
        int changes;
        int roundsWithTwo;
        int roundsWithNone;
        long maxHolders;
        long wrongAnswers;
        final java.util.Map<Scenario, Integer> byScenario = new java.util.EnumMap<>(Scenario.class);

        void add(Scenario scenario, Round r) {
            rounds++;
            changes += r.changed() ? 1 : 0;
            maxHolders = Math.max(maxHolders, r.holders());
            wrongAnswers += r.wrongAnswers();
            if (r.holders() > 1) {
                roundsWithTwo++;
                byScenario.merge(scenario, 1, Integer::sum);
            }
            if (r.holders() == 0 && r.holderRequired()) {
                roundsWithNone++;
            }
        }
    }

    /** jobfleet: the unique index and the idempotency constraint decide. */
    private static final class Jobfleet {
        Round round(Scenario scenario, String key) {
            UUID holder = holder(scenario, key);
            List<Object> results =
                    Race.run(THREADS_PER_ROUND, t -> () -> t == 0 ? change(scenario, holder) : submit(scenario, key));
            boolean changed = Boolean.TRUE.equals(results.get(0));
            List<Submission> submissions = results.subList(1, results.size()).stream()
                    .map(Submission.class::cast)
                    .toList();
            if (scenario == Scenario.IDEMPOTENT_CANCEL) {
                // an idempotency key is held for good, live or not: every submission gets the first job
                long holders = jdbc.sql("SELECT count(*) FROM jobs WHERE idempotency_key = ?")
                        .param(key)
                        .query(Long.class)
                        .single();
                long wrong = submissions.stream()
                        .filter(r -> r.created() || !r.job().id().equals(holder))
                        .count();
                return new Round(holders, changed, wrong, true);
            }
            long holders = jdbc.sql("SELECT count(*) FROM jobs WHERE unique_key = ? AND state = ANY (unique_states)")
                    .param(key)
                    .query(Long.class)
                    .single();
            long created = submissions.stream().filter(Submission::created).count();
            // after a cancel, one new submission may take the key; otherwise none creates anything
            long wrong = Math.max(0, created - (scenario == Scenario.REDRIVE || scenario == Scenario.CANCEL ? 1 : 0));
            boolean required = scenario != Scenario.CANCEL || created > 0;
            return new Round(holders, changed, wrong, required);
        }

        private UUID holder(Scenario scenario, String key) {
            JobEvent event = scenario == Scenario.IDEMPOTENT_CANCEL ? idempotent(key) : Jobs.event("unique.race");
            JobOptions options = scenario == Scenario.IDEMPOTENT_CANCEL
                    ? JobOptions.NONE
                    : new JobOptions(key, null, null, null, null);
            UUID id = repository.submit(event, options, "api").job().id();
            if (scenario == Scenario.REDRIVE || scenario == Scenario.RETRY) {
                Claim claim = repository
                        .claim(List.of(id), Set.of("unique.race"), "w", Duration.ofMinutes(1))
                        .get(0);
                RunOutcome outcome = scenario == Scenario.REDRIVE
                        ? RunOutcome.dead(id, claim.token(), AttemptError.of(1, "dies"))
                        : RunOutcome.retry(id, claim.token(), Duration.ZERO, AttemptError.of(1, "once more"));
                repository.finish(List.of(outcome), "w");
            }
            return id;
        }

        private Object change(Scenario scenario, UUID holder) {
            return switch (scenario) {
                case REDRIVE -> {
                    try {
                        yield repository.redrive(holder, "api") == JobRepository.RedriveResult.REDRIVEN;
                    } catch (DuplicateKeyException refused) {
                        // a submission took the key while the job was DEAD: the index refuses the re-drive
                        yield false;
                    }
                }
                case CANCEL, IDEMPOTENT_CANCEL ->
                    repository.cancel(holder, "api", "not needed") == JobRepository.CancelResult.CANCELLED;
                case RETRY -> repository.promoteDueRetries(100, "promoter") > 0;
            };
        }

        private Object submit(Scenario scenario, String key) {
            if (scenario == Scenario.IDEMPOTENT_CANCEL) {
                return repository.submit(idempotent(key), "api");
            }
            return repository.submit(Jobs.event("unique.race"), new JobOptions(key, null, null, null, null), "api");
        }

        private static JobEvent idempotent(String key) {
            return new JobEvent(
                    JobIds.next(), "unique.race", JobCodec.mapper().createObjectNode(), null, null, null, null, key);
        }
    }

    /** Hand-rolled: the key in the payload, checked against live jobs, then inserted. */
    private static final class Naive {
        Round round(Scenario scenario, String key) {
            UUID holder = holder(scenario, key);
            List<Object> results =
                    Race.run(THREADS_PER_ROUND, t -> () -> t == 0 ? change(scenario, holder) : submit(key));
            // an idempotency key is held by every job that has it; a unique key by the live ones
            String held = scenario == Scenario.IDEMPOTENT_CANCEL
                    ? ""
                    : " AND state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED')";
            long holders = jdbc.sql(
                            "SELECT count(*) FROM jobs WHERE type = 'unique.naive' AND payload ->> 'key' = ?" + held)
                    .param(key)
                    .query(Long.class)
                    .single();
            return new Round(holders, Boolean.TRUE.equals(results.get(0)), 0, false);
        }

        private UUID holder(Scenario scenario, String key) {
            UUID id = insert(key);
            if (scenario == Scenario.REDRIVE || scenario == Scenario.RETRY) {
                Claim claim = repository
                        .claim(List.of(id), Set.of("unique.naive"), "w", Duration.ofMinutes(1))
                        .get(0);
                RunOutcome outcome = scenario == Scenario.REDRIVE
                        ? RunOutcome.dead(id, claim.token(), AttemptError.of(1, "dies"))
                        : RunOutcome.retry(id, claim.token(), Duration.ZERO, AttemptError.of(1, "once more"));
                repository.finish(List.of(outcome), "w");
            }
            return id;
        }

        private Object change(Scenario scenario, UUID holder) {
            String sql = switch (scenario) {
                case REDRIVE ->
                    "UPDATE jobs SET state = 'PENDING', attempts = 0, finished_at = NULL WHERE id = ? AND state = 'DEAD'";
                case CANCEL, IDEMPOTENT_CANCEL ->
                    "UPDATE jobs SET state = 'CANCELLED', finished_at = now() WHERE id = ?"
                            + " AND state IN ('PENDING', 'RETRY_SCHEDULED')";
                case RETRY -> "UPDATE jobs SET state = 'PENDING' WHERE id = ? AND state = 'RETRY_SCHEDULED'";
            };
            return jdbc.sql(sql).param(holder).update() == 1;
        }

        /**
         * "Is a job with this key live? If not, insert one": live meaning PENDING or RUNNING (for an
         * idempotency key too: a dedupe against the jobs that have not run yet).
         */
        private Object submit(String key) {
            long live = jdbc.sql("SELECT count(*) FROM jobs WHERE type = 'unique.naive' AND payload ->> 'key' = ?"
                            + " AND state IN ('PENDING', 'RUNNING')")
                    .param(key)
                    .query(Long.class)
                    .single();
            return live == 0 ? insert(key) : null;
        }

        private static UUID insert(String key) {
            UUID id = JobIds.next();
            jdbc.sql(
                            "INSERT INTO jobs (id, type, payload) VALUES (?, 'unique.naive', jsonb_build_object('key', CAST(? AS text)))")
                    .params(id, key)
                    .update();
            return id;
        }
    }

    @Test
    void theKeyIsFreeAgainOnceTheJobLeavesItsUniqueStates() {
        JobOptions options = new JobOptions("rebuild:customer-7", null, null, null, null);
        Submission first = repository.submit(Jobs.event("unique.cycle"), options, "api");
        assertThat(repository.submit(Jobs.event("unique.cycle"), options, "api").created())
                .isFalse();
        Claim claim = repository
                .claim(List.of(first.job().id()), Set.of("unique.cycle"), "w", Duration.ofMinutes(1))
                .get(0);
        assertThat(repository.submit(Jobs.event("unique.cycle"), options, "api").created())
                .as("held while running")
                .isFalse();
        repository.finish(List.of(RunOutcome.succeeded(claim.jobId(), claim.token())), "w");
        Submission next = repository.submit(Jobs.event("unique.cycle"), options, "api");
        assertThat(next.created()).isTrue();
        assertThat(next.job().id()).isNotEqualTo(first.job().id());
    }
}
