package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

        JobOptions options =
                new JobOptions("rebuild:customer-42", EnumSet.of(JobState.PENDING, JobState.RUNNING), null, null, null);
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
