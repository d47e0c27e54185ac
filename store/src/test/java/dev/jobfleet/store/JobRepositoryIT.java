package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Each statement of the repository on the real PostgreSQL: what it moves, and what it refuses to. */
class JobRepositoryIT {
    private static final Duration LEASE = Duration.ofMinutes(1);

    private static TestDatabase db;
    private static JobRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(8);
        repository = new JobRepository(db.dataSource());
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void submitWritesJobHistoryAndOutboxTogether() {
        JobEvent event = new JobEvent(
                JobIds.next(), "repo.submit", JobCodec.mapper().readTree("{\"a\":1}"), 4, null, 3, "ck", null);
        Submission s = repository.submit(event, "api");
        assertThat(s.created()).isTrue();
        assertThat(s.job().state()).isEqualTo(JobState.PENDING);
        assertThat(s.job().priority()).isEqualTo(4);
        assertThat(s.job().maxAttempts()).isEqualTo(3);
        assertThat(s.job().payload().get("a").asInt()).isEqualTo(1);
        assertThat(repository.history(event.id())).singleElement().satisfies(h -> {
            assertThat(h.from()).isNull();
            assertThat(h.to()).isEqualTo(JobState.PENDING);
            assertThat(h.actor()).isEqualTo("api");
        });
        assertThat(jdbc.sql("SELECT count(*) FROM outbox WHERE job_id = ?")
                        .param(event.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    @Test
    void aTakenIdempotencyKeyReturnsTheFirstJobAndWritesNothing() {
        long outboxBefore = repository.outboxSize();
        Submission first = repository.submit(withKey("repo.idem", "key-1"), "api");
        Submission second = repository.submit(withKey("repo.idem", "key-1"), "api");
        assertThat(first.created()).isTrue();
        assertThat(second.created()).isFalse();
        assertThat(second.job().id()).isEqualTo(first.job().id());
        assertThat(repository.list(null, "repo.idem", 10)).hasSize(1);
        assertThat(repository.outboxSize()).isEqualTo(outboxBefore + 1);
    }

    @Test
    void kafkaFirstEventsInsertOnlyWhatIsMissing() {
        JobEvent known = Jobs.event("repo.kafka");
        repository.submit(known, "api");
        JobEvent unknown = Jobs.event("repo.kafka");
        Set<UUID> inserted = repository.insertMissing(List.of(known, unknown, unknown), "worker");
        assertThat(inserted).containsExactly(unknown.id());
        assertThat(repository.history(known.id())).hasSize(1);
        assertThat(repository.history(unknown.id()))
                .singleElement()
                .extracting(HistoryEntry::actor)
                .isEqualTo("worker");
    }

    @Test
    void aJobIsClaimedOnlyWhenDueAndOnlyByAWorkerThatKnowsItsType() {
        JobEvent later = new JobEvent(
                JobIds.next(), "repo.due", null, null, Instant.now().plusSeconds(3600), null, null, null);
        repository.submit(later, "api");
        UUID now = repository.submit(Jobs.event("repo.due"), "api").job().id();
        assertThat(repository.claim(List.of(later.id(), now), Set.of("other.type"), "w", LEASE))
                .isEmpty();
        List<Claim> claims = repository.claim(List.of(later.id(), now), Set.of("repo.due"), "w", LEASE);
        assertThat(claims).extracting(Claim::jobId).containsExactly(now);
        Claim claim = claims.get(0);
        assertThat(claim.job().attempts()).isEqualTo(1);
        assertThat(claim.job().leaseOwner()).isEqualTo("w");
        assertThat(claim.job().leaseExpiresAt()).isAfter(Instant.now().plusSeconds(30));
        assertThat(repository.claim(List.of(now), Set.of("repo.due"), "w2", LEASE))
                .as("claimed once")
                .isEmpty();
    }

    @Test
    void onlyTheCurrentFencingTokenFinishesExtendsOrReleasesARun() {
        UUID id = repository.submit(Jobs.event("repo.fence"), "api").job().id();
        Claim first =
                repository.claim(List.of(id), Set.of("repo.fence"), "w1", LEASE).get(0);
        expireLease(id);
        assertThat(Jobs.rescueNow(repository, db.dataSource())).containsEntry(id, JobState.RETRY_SCHEDULED);
        // the same worker id claims again: a fresh token
        Claim second =
                repository.claimSuspect(Set.of("repo.fence"), "w1", LEASE).get(0);
        assertThat(second.token()).isNotEqualTo(first.token());

        assertThat(repository.extendLeases(Map.of(id, first.token()), LEASE)).isEmpty();
        assertThat(repository.release(Map.of(id, first.token()), "w1")).isEmpty();
        assertThat(repository.finish(List.of(RunOutcome.succeeded(id, first.token())), "w1"))
                .isEmpty();
        JobRow stillRunning = repository.find(id).orElseThrow();
        assertThat(stillRunning.state()).isEqualTo(JobState.RUNNING);
        assertThat(stillRunning.claimToken()).isEqualTo(second.token());
        assertThat(stillRunning.rescueCount()).isEqualTo(1);

        assertThat(repository.extendLeases(Map.of(id, second.token()), LEASE)).containsExactly(id);
        assertThat(repository.finish(List.of(RunOutcome.succeeded(id, second.token())), "w1"))
                .containsExactly(Map.entry(id, JobState.SUCCEEDED));
        assertThat(repository.find(id).orElseThrow().finishedAt()).isNotNull();
        assertThat(repository.history(id))
                .extracting(HistoryEntry::to)
                .containsExactly(
                        JobState.PENDING,
                        JobState.RUNNING,
                        JobState.RETRY_SCHEDULED,
                        JobState.PENDING,
                        JobState.RUNNING,
                        JobState.SUCCEEDED);
    }

    @Test
    void aRetryWithNoAttemptLeftIsDeadAndEveryErrorIsKept() {
        UUID id = repository.submit(Jobs.event("repo.retry", 2), "api").job().id();
        Claim c1 =
                repository.claim(List.of(id), Set.of("repo.retry"), "w", LEASE).get(0);
        Map<UUID, JobState> r1 = repository.finish(
                List.of(RunOutcome.retry(
                        id, c1.token(), Duration.ZERO, AttemptError.of(1, new IllegalStateException("boom 1")))),
                "w");
        assertThat(r1).containsEntry(id, JobState.RETRY_SCHEDULED);
        assertThat(repository.promoteDueRetries(10, "promoter")).isEqualTo(1);
        Claim c2 =
                repository.claim(List.of(id), Set.of("repo.retry"), "w", LEASE).get(0);
        assertThat(c2.job().attempts()).isEqualTo(2);
        Map<UUID, JobState> r2 = repository.finish(
                List.of(RunOutcome.retry(
                        id,
                        c2.token(),
                        Duration.ofSeconds(1),
                        AttemptError.of(2, new IllegalStateException("boom 2")))),
                "w");
        assertThat(r2).containsEntry(id, JobState.DEAD);
        JobRow dead = repository.find(id).orElseThrow();
        assertThat(dead.lastError()).isEqualTo("boom 2");
        assertThat(dead.errors()).hasSize(2);
        assertThat(dead.errors().get(0).get("class").asString()).isEqualTo(IllegalStateException.class.getName());
        assertThat(dead.errors().get(1).get("attempt").asInt()).isEqualTo(2);
        assertThat(dead.errors().get(1).get("stack").asString()).contains("boom 2");
    }

    @Test
    void aRetryWaitsItsDelayOnTheDatabaseClock() {
        UUID id = repository.submit(Jobs.event("repo.delay"), "api").job().id();
        Claim c =
                repository.claim(List.of(id), Set.of("repo.delay"), "w", LEASE).get(0);
        repository.finish(
                List.of(RunOutcome.retry(id, c.token(), Duration.ofHours(1), AttemptError.of(1, "later"))), "w");
        assertThat(repository.promoteDueRetries(10, "promoter")).isZero();
        Instant runAt = repository.find(id).orElseThrow().runAt();
        assertThat(runAt)
                .isBetween(
                        Instant.now().plus(Duration.ofMinutes(59)),
                        Instant.now().plus(Duration.ofMinutes(61)));
    }

    @Test
    void releaseGivesTheJobBackWithoutSpendingTheAttempt() {
        UUID id = repository.submit(Jobs.event("repo.release"), "api").job().id();
        Claim c = repository
                .claim(List.of(id), Set.of("repo.release"), "w", LEASE)
                .get(0);
        assertThat(repository.release(Map.of(id, c.token()), "w")).containsExactly(id);
        JobRow row = repository.find(id).orElseThrow();
        assertThat(row.state()).isEqualTo(JobState.PENDING);
        assertThat(row.attempts()).isZero();
        assertThat(row.leaseOwner()).isNull();
    }

    @Test
    void theReaperKillsARunWithNoAttemptLeft() {
        UUID id = repository.submit(Jobs.event("repo.reap", 1), "api").job().id();
        repository.claim(List.of(id), Set.of("repo.reap"), "w", LEASE);
        assertThat(repository.rescueExpired(10, "reaper")).doesNotContainKey(id);
        expireLease(id);
        assertThat(repository.rescueExpired(10, "reaper")).containsEntry(id, JobState.DEAD);
        JobRow row = repository.find(id).orElseThrow();
        assertThat(row.lastError()).contains("lease expired while held by w");
        assertThat(row.finishedAt()).isNotNull();
    }

    @Test
    void aRescuedRunIsBackedOffAndTheMaxRescuesInARowMakeTheJobDead() {
        RescuePolicy policy =
                new RescuePolicy(3, new dev.jobfleet.model.Backoff(Duration.ofSeconds(10), Duration.ofMinutes(1), 0));
        UUID id = repository.submit(Jobs.event("repo.crash"), "api").job().id();
        for (int lost = 1; lost <= 2; lost++) {
            List<Claim> taken = lost == 1
                    ? repository.claim(List.of(id), Set.of("repo.crash"), "w1", LEASE)
                    : repository.claimSuspect(Set.of("repo.crash"), "w" + lost, LEASE);
            assertThat(taken).hasSize(1);
            expireLease(id);
            assertThat(repository.rescueExpired(10, policy, "reaper")).containsEntry(id, JobState.RETRY_SCHEDULED);
            JobRow row = repository.find(id).orElseThrow();
            assertThat(row.lostRuns()).isEqualTo(lost);
            // attempt n lost: backed off base * 2^(n-1), from the database clock
            double waitSeconds = jdbc.sql("SELECT extract(epoch FROM run_at - now()) FROM jobs WHERE id = ?")
                    .param(id)
                    .query(Double.class)
                    .single();
            assertThat(waitSeconds).isBetween(10.0 * (1 << (lost - 1)) - 2, 10.0 * (1 << (lost - 1)) + 0.5);
            jdbc.sql("UPDATE jobs SET run_at = now() WHERE id = ?").param(id).update();
            assertThat(repository.promoteDueRetries(10, "promoter")).isEqualTo(1);
        }
        assertThat(repository.claim(List.of(id), Set.of("repo.crash"), "w3", LEASE))
                .as("a suspect is not claimed by id")
                .isEmpty();
        assertThat(repository.claimDue(Set.of("repo.crash"), 10, "w3", LEASE))
                .as("nor among due jobs")
                .isEmpty();
        assertThat(repository.claimSuspect(Set.of("repo.crash"), "w3", LEASE)).hasSize(1);
        expireLease(id);
        assertThat(repository.rescueExpired(10, policy, "reaper")).containsEntry(id, JobState.DEAD);
        JobRow dead = repository.find(id).orElseThrow();
        assertThat(dead.lastError()).isEqualTo("its worker was lost 3 times");
        assertThat(dead.attempts()).isEqualTo(3).isLessThan(dead.maxAttempts());
        assertThat(dead.errors().get(2).get("message").asString())
                .isEqualTo("its worker was lost 3 times (last held by w3)");
        assertThat(dead.finishedAt()).isNotNull();
    }

    @Test
    void anOutcomeEndsTheRescuesInARow() {
        UUID id = repository.submit(Jobs.event("repo.lost-once"), "api").job().id();
        repository.claim(List.of(id), Set.of("repo.lost-once"), "w1", LEASE);
        expireLease(id);
        Jobs.rescueNow(repository, db.dataSource());
        assertThat(repository.find(id).orElseThrow().lostRuns()).isEqualTo(1);
        Claim second =
                repository.claimSuspect(Set.of("repo.lost-once"), "w2", LEASE).get(0);
        assertThat(repository.finish(
                        List.of(RunOutcome.retry(
                                id, second.token(), Duration.ofMinutes(5), AttemptError.of(2, "try later"))),
                        "w2"))
                .containsEntry(id, JobState.RETRY_SCHEDULED);
        assertThat(repository.find(id).orElseThrow().lostRuns()).isZero();
    }

    @Test
    void cancelTakesOnlyJobsNoWorkerHolds() {
        UUID pending = repository.submit(Jobs.event("repo.cancel"), "api").job().id();
        assertThat(repository.cancel(pending, "api", "no longer needed"))
                .isEqualTo(JobRepository.CancelResult.CANCELLED);
        assertThat(repository.cancel(pending, "api", "again")).isEqualTo(JobRepository.CancelResult.NOT_CANCELLABLE);
        assertThat(repository.history(pending))
                .last()
                .extracting(HistoryEntry::detail)
                .isEqualTo("no longer needed");

        UUID running = repository.submit(Jobs.event("repo.cancel"), "api").job().id();
        repository.claim(List.of(running), Set.of("repo.cancel"), "w", LEASE);
        assertThat(repository.cancel(running, "api", "x")).isEqualTo(JobRepository.CancelResult.NOT_CANCELLABLE);
        assertThat(repository.find(running).orElseThrow().state()).isEqualTo(JobState.RUNNING);
        assertThat(repository.cancel(UUID.randomUUID(), "api", "x")).isEqualTo(JobRepository.CancelResult.NOT_FOUND);
    }

    @Test
    void aFailedPublishPutsEveryOutboxRowBack() {
        jdbc.sql("DELETE FROM outbox").update();
        List<UUID> ids = Jobs.submit(repository, "repo.outbox", 25);
        assertThatThrownBy(() -> repository.relayOutbox(10, batch -> {
                    throw new IllegalStateException("broker down");
                }))
                .hasMessageContaining("broker down");
        assertThat(repository.outboxSize()).isEqualTo(25);
        List<UUID> published = new java.util.ArrayList<>();
        while (repository.relayOutbox(10, batch -> batch.forEach(r -> published.add(r.jobId()))) > 0) {
            // drain
        }
        assertThat(published).containsExactlyElementsOf(ids);
        assertThat(repository.outboxSize()).isZero();
    }

    @Test
    void g3ConcurrentSubmissionsWithOneKeyMakeOneJob() {
        List<Submission> results = Race.run(32, t -> () -> repository.submit(withKey("repo.g3", "same-key"), "api"));
        assertThat(results.stream().filter(Submission::created)).hasSize(1);
        assertThat(results.stream().map(s -> s.job().id()).distinct()).hasSize(1);
        assertThat(repository.list(null, "repo.g3", 100)).hasSize(1);
    }

    private static JobEvent withKey(String type, String key) {
        return new JobEvent(JobIds.next(), type, null, null, null, null, null, key);
    }

    private static void expireLease(UUID id) {
        jdbc.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(id)
                .update();
    }
}
