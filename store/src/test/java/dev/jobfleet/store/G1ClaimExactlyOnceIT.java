package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * G1: a job is claimed by one worker at a time. 16 threads claim the same 1,000 jobs; each job is
 * claimed exactly once. The negative control runs the naive select-then-update claim with the same
 * threads on the same table and shows jobs claimed twice.
 */
class G1ClaimExactlyOnceIT {
    private static final int THREADS = 16;
    private static final int JOBS = 1_000;
    private static final Duration LEASE = Duration.ofMinutes(5);

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
    void sixteenWorkersClaimingTheSameThousandJobsClaimEachExactlyOnce() {
        // negative control: read the pending ids, then update them by id
        List<UUID> naiveJobs = Jobs.submit(repository, "g1.naive", JOBS);
        List<List<UUID>> naiveClaims = Race.run(THREADS, worker -> () -> naiveClaimAll("naive-" + worker));
        long naiveDoubleClaims = doubleClaims(naiveClaims);

        // jobfleet: one statement with FOR UPDATE SKIP LOCKED and a state guard
        List<UUID> jobs = Jobs.submit(repository, "g1.jobfleet", JOBS);
        List<List<UUID>> claims = Race.run(THREADS, worker -> () -> claimAll("worker-" + worker));
        long doubleClaims = doubleClaims(claims);

        System.out.printf(
                "G1 claim: %d threads x %d jobs; naive select-then-update double-claimed %d jobs, jobfleet %d%n",
                THREADS, JOBS, naiveDoubleClaims, doubleClaims);
        assertThat(naiveDoubleClaims)
                .as("the naive claim must show the anomaly, or this test proves nothing")
                .isPositive();
        assertThat(doubleClaims).isZero();
        assertThat(claims.stream().mapToInt(List::size).sum()).isEqualTo(JOBS);
        assertThat(claims.stream().flatMap(List::stream).distinct()).containsExactlyInAnyOrderElementsOf(jobs);
        assertThat(claims.stream().filter(c -> !c.isEmpty()).count())
                .as("the work was shared, not taken by one thread")
                .isGreaterThan(1);
        // every claim has its own fencing token and exactly one history row
        assertThat(jdbc.sql("SELECT count(DISTINCT claim_token) FROM jobs WHERE type = 'g1.jobfleet'")
                        .query(Long.class)
                        .single())
                .isEqualTo(JOBS);
        assertThat(jdbc.sql("SELECT count(*) FROM job_history h JOIN jobs j ON j.id = h.job_id"
                                + " WHERE j.type = 'g1.jobfleet' AND h.to_state = 'RUNNING'")
                        .query(Long.class)
                        .single())
                .isEqualTo(JOBS);
        assertThat(naiveJobs).hasSize(JOBS);
    }

    @Test
    void claimingByIdsFromOverlappingKafkaBatchesClaimsEachExactlyOnce() {
        List<UUID> jobs = Jobs.submit(repository, "g1.byid", JOBS);
        List<List<UUID>> claims = Race.run(THREADS, worker -> () -> {
            List<UUID> mine = new ArrayList<>();
            List<UUID> shuffled = new ArrayList<>(jobs);
            Collections.shuffle(shuffled);
            for (int from = 0; from < shuffled.size(); from += 100) {
                List<UUID> batch = shuffled.subList(from, Math.min(from + 100, shuffled.size()));
                repository
                        .claim(batch, Set.of("g1.byid"), "worker-" + worker, LEASE)
                        .forEach(c -> mine.add(c.jobId()));
            }
            return mine;
        });
        System.out.printf(
                "G1 claim by ids: %d threads x %d jobs in shuffled batches of 100; double claims %d%n",
                THREADS, JOBS, doubleClaims(claims));
        assertThat(doubleClaims(claims)).isZero();
        assertThat(claims.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(jobs);
        assertThat(repository.list(JobState.PENDING, "g1.byid", JOBS)).isEmpty();
    }

    private static List<UUID> claimAll(String owner) {
        List<UUID> mine = new ArrayList<>();
        while (true) {
            List<Claim> batch = repository.claimDue(Set.of("g1.jobfleet"), 10, owner, LEASE);
            if (batch.isEmpty()) {
                // SKIP LOCKED can miss rows another claimer holds at this instant: stop only when none is pending
                if (repository.list(JobState.PENDING, "g1.jobfleet", 1).isEmpty()) {
                    return mine;
                }
                continue;
            }
            batch.forEach(c -> mine.add(c.jobId()));
        }
    }

    /** What a hand-rolled job table does: look, then take, in two statements. */
    private static List<UUID> naiveClaimAll(String owner) {
        List<UUID> mine = new ArrayList<>();
        while (true) {
            List<UUID> seen = jdbc.sql("SELECT id FROM jobs WHERE type = 'g1.naive' AND state = 'PENDING'"
                            + " ORDER BY priority, run_at, id LIMIT 10")
                    .query(UUID.class)
                    .list();
            if (seen.isEmpty()) {
                return mine;
            }
            for (UUID id : seen) {
                int updated = jdbc.sql("UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1,"
                                + " claim_token = gen_random_uuid(), lease_owner = ?,"
                                + " lease_expires_at = now() + interval '5 minutes' WHERE id = ?")
                        .params(owner, id)
                        .update();
                if (updated == 1) {
                    mine.add(id);
                }
            }
        }
    }

    private static long doubleClaims(List<List<UUID>> claims) {
        Map<UUID, Integer> counts = new HashMap<>();
        claims.forEach(list -> list.forEach(id -> counts.merge(id, 1, Integer::sum)));
        return counts.values().stream().filter(n -> n > 1).count();
    }
}
