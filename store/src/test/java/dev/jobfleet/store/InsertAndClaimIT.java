package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Kafka-first events inserted and claimed in one statement ({@link JobRepository#insertAndClaim}),
 * as workers do when a rebalance or a redelivery hands the same events to several of them: 12
 * threads take the same 1,000 events in their own order, a fifth of whose jobs exist already
 * (submitted {@code PENDING} before), and claim what the statement leaves by id, as the intake does.
 * Every job is claimed exactly once, with one {@code -> RUNNING} history row. The negative control,
 * an upsert that claims whatever it inserted or found ({@code ON CONFLICT (id) DO UPDATE}), claims
 * jobs more than once.
 */
class InsertAndClaimIT {
    private static final int THREADS = 12;
    private static final int JOBS = 1_000;
    private static final int BATCH = 50;
    private static final Set<String> TYPES = Set.of("insert.claim", "insert.naive");

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
    void everyJobIsClaimedOnceWhateverWorkerGetsItsEvent() {
        // negative control first: it must show the anomaly on this database
        List<JobEvent> naiveEvents = events("insert.naive");
        List<List<UUID>> naiveClaims =
                Race.run(THREADS, t -> () -> naiveInsertAndClaimAll(shuffled(naiveEvents, t), "naive-" + t));
        long naiveTwice = claimedMoreThanOnce(naiveClaims);

        List<JobEvent> events = events("insert.claim");
        repository.insertMissing(events.subList(0, JOBS / 5), "api");
        List<List<UUID>> claims = Race.run(THREADS, t -> () -> insertAndClaimAll(shuffled(events, t), "worker-" + t));
        long twice = claimedMoreThanOnce(claims);
        Set<UUID> claimed = new HashSet<>();
        claims.forEach(claimed::addAll);
        long running = jdbc.sql("SELECT count(*) FROM jobs WHERE type = 'insert.claim' AND state = 'RUNNING'")
                .query(Long.class)
                .single();
        long claimRows = jdbc.sql("""
                        SELECT count(*) FROM job_history h JOIN jobs j ON j.id = h.job_id
                        WHERE j.type = 'insert.claim' AND h.to_state = 'RUNNING'""").query(Long.class).single();
        long submittedRows = jdbc.sql("""
                        SELECT count(*) FROM job_history h JOIN jobs j ON j.id = h.job_id
                        WHERE j.type = 'insert.claim' AND h.from_state IS NULL AND h.to_state = 'PENDING'""").query(Long.class).single();

        System.out.printf(
                "insert and claim: %d threads x the same %d events (%d existing); naive upsert-claim: %d jobs claimed"
                        + " more than once; jobfleet: %d (%d claimed, %d RUNNING, %d claim rows, %d submit rows)%n",
                THREADS, JOBS, JOBS / 5, naiveTwice, twice, claimed.size(), running, claimRows, submittedRows);
        assertThat(naiveTwice).as("the naive upsert must show the anomaly").isPositive();
        assertThat(twice).isZero();
        assertThat(claimed).hasSize(JOBS);
        assertThat(running).isEqualTo(JOBS);
        assertThat(claimRows).isEqualTo(JOBS);
        assertThat(submittedRows).isEqualTo(JOBS);
    }

    /** The intake's two steps: insert-and-claim the batch, then claim by id what existed already. */
    private static List<UUID> insertAndClaimAll(List<JobEvent> events, String owner) {
        List<UUID> claimed = new ArrayList<>();
        for (int from = 0; from < events.size(); from += BATCH) {
            List<JobEvent> batch = events.subList(from, Math.min(events.size(), from + BATCH));
            List<Claim> fresh = repository.insertAndClaim(batch, TYPES, owner, Duration.ofMinutes(5), owner);
            Set<UUID> rest = new HashSet<>();
            batch.forEach(e -> rest.add(e.id()));
            fresh.forEach(c -> {
                claimed.add(c.jobId());
                rest.remove(c.jobId());
            });
            repository.claim(rest, TYPES, owner, Duration.ofMinutes(5)).forEach(c -> claimed.add(c.jobId()));
        }
        return claimed;
    }

    private static List<UUID> naiveInsertAndClaimAll(List<JobEvent> events, String owner) {
        List<UUID> claimed = new ArrayList<>();
        for (JobEvent e : events) {
            claimed.addAll(jdbc.sql("""
                            INSERT INTO jobs (id, type, state, attempts, claim_token, lease_owner, lease_expires_at)
                            VALUES (?, ?, 'RUNNING', 1, gen_random_uuid(), ?, now() + interval '5 minutes')
                            ON CONFLICT (id) DO UPDATE SET claim_token = gen_random_uuid(),
                                lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at
                            RETURNING id""")
                    .params(e.id(), e.type(), owner)
                    .query(UUID.class)
                    .list());
        }
        return claimed;
    }

    private static long claimedMoreThanOnce(List<List<UUID>> claims) {
        Map<UUID, Integer> times = new HashMap<>();
        claims.forEach(list -> list.forEach(id -> times.merge(id, 1, Integer::sum)));
        return times.values().stream().filter(n -> n > 1).count();
    }

    private static List<JobEvent> events(String type) {
        List<JobEvent> events = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            events.add(Jobs.event(type));
        }
        return events;
    }

    private static List<JobEvent> shuffled(List<JobEvent> events, int seed) {
        List<JobEvent> copy = new ArrayList<>(events);
        Collections.shuffle(copy, new Random(seed));
        return copy;
    }
}
