package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.store.JobOptions;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Group commit of single submissions ({@link SubmitGroupCommit}) on a real PostgreSQL. A group is
 * made deterministic by holding the committer's first statement on a table lock while 15 other
 * submissions queue behind it. Shown: a group of many callers is one statement with each job's own
 * submitter and history actor; a group with one value the database refuses costs only that
 * submission (the others are stored, each on its own); 16 free-running threads store every job
 * exactly once. Negative control: the naive group commit (the group's statement and nothing more)
 * loses every innocent submission of a group with one bad value.
 */
class SubmitGroupCommitIT {
    private static final int THREADS = 16;

    @Test
    void aGroupIsOneStatementWithEachCallersActorAndABadValueCostsOnlyItself() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try (TestDatabase db = TestDatabase.create(THREADS + 4)) {
            JobRepository jobs = new JobRepository(db.dataSource());
            JdbcClient jdbc = JdbcClient.create(db.dataSource());
            SimpleMeterRegistry meters = new SimpleMeterRegistry();

            // negative control: the group's statement alone, ten innocent submissions and one bad value
            List<JobEvent> innocent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                innocent.add(event("control"));
            }
            List<JobEvent> naiveGroup = new ArrayList<>(innocent);
            naiveGroup.add(poison());
            assertThatThrownBy(() -> jobs.submitPlain(
                            naiveGroup,
                            Collections.nCopies(naiveGroup.size(), JobOptions.NONE.withSubmitter("a")),
                            "api:token:a"))
                    .as("control: the database refuses the bad value")
                    .isInstanceOf(RuntimeException.class);
            long naiveLost = innocent.size() - tagged(jdbc, "control");
            assertThat(naiveLost)
                    .as("control: the naive group lost all ten innocent submissions")
                    .isEqualTo(10);

            try (SubmitGroupCommit group = new SubmitGroupCommit(jobs, 1, 200, meters)) {
                // the same ten, now through group commit: they were storable all along
                List<Future<JobRow>> again = new ArrayList<>();
                for (JobEvent e : innocent) {
                    again.add(threads.submit(() -> group.submit(e, JobOptions.NONE.withSubmitter("a"), "api:token:a")));
                }
                for (Future<JobRow> f : again) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertThat(tagged(jdbc, "control")).isEqualTo(10);

                // a held group of 15 callers, two of them: one statement, each job with its own actor
                Map<UUID, String> held = new ConcurrentHashMap<>();
                double groupsBefore = groups(meters);
                heldGroup(db, jdbc, group, threads, 15, -1, held, new ConcurrentHashMap<>());
                assertThat(groups(meters) - groupsBefore)
                        .as("the blocker's statement and one for the fifteen queued behind it")
                        .isEqualTo(2);
                assertThat(meters.get("jobfleet.submit.group").summary().max()).isEqualTo(15);
                assertActors(jobs, jdbc, held);

                // a held group of 15 with one bad value: refused as a group, then each on its own
                Map<UUID, String> mixed = new ConcurrentHashMap<>();
                Map<UUID, Throwable> refused = new ConcurrentHashMap<>();
                heldGroup(db, jdbc, group, threads, 15, 7, mixed, refused);
                assertThat(meters.get("jobfleet.submit.group.refused").counter().count())
                        .isEqualTo(1);
                assertThat(refused).as("only the bad submission failed").hasSize(1);
                UUID bad = refused.keySet().iterator().next();
                assertThat(jobs.find(bad))
                        .as("the bad submission stored nothing")
                        .isEmpty();
                assertThat(mixed).hasSize(15);
                mixed.remove(bad);
                assertActors(jobs, jdbc, mixed);

                // free running: 16 threads x 40, two callers, every job stored once with its caller's actor
                Map<UUID, String> free = new ConcurrentHashMap<>();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Integer>> runners = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    runners.add(threads.submit(() -> {
                        go.await();
                        int done = 0;
                        for (int k = 0; k < 40; k++) {
                            String caller = (thread + k) % 2 == 0 ? "a" : "b";
                            JobEvent e = event("free");
                            free.put(e.id(), caller);
                            group.submit(e, JobOptions.NONE.withSubmitter(caller), "api:token:" + caller);
                            done++;
                        }
                        return done;
                    }));
                }
                go.countDown();
                int submitted = 0;
                for (Future<Integer> r : runners) {
                    submitted += r.get(120, TimeUnit.SECONDS);
                }
                assertThat(submitted).as("every thread ran to its end").isEqualTo(THREADS * 40);
                assertThat(tagged(jdbc, "free")).isEqualTo(THREADS * 40);
                assertActors(jobs, jdbc, free);
                System.out.printf(
                        "group commit: %d groups for %.0f submissions, largest %.0f; the naive group lost %d of 10"
                                + " innocent submissions to one bad value, group commit %d of %d%n",
                        meters.get("jobfleet.submit.group").summary().count(),
                        meters.get("jobfleet.submit.group").summary().totalAmount(),
                        meters.get("jobfleet.submit.group").summary().max(),
                        naiveLost,
                        mixed.size()
                                - mixed.keySet().stream()
                                        .filter(id -> jobs.find(id).isPresent())
                                        .count(),
                        mixed.size());
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Holds the committer's statement on a lock of {@code outbox} while {@code size} submissions queue
     * behind it (the one at {@code badAt} with a value the database refuses), then lets them go.
     */
    private static void heldGroup(
            TestDatabase db,
            JdbcClient jdbc,
            SubmitGroupCommit group,
            ExecutorService threads,
            int size,
            int badAt,
            Map<UUID, String> stored,
            Map<UUID, Throwable> failed)
            throws Exception {
        List<Future<?>> queued = new ArrayList<>();
        Future<JobRow> blocker;
        try (Connection lock = db.dataSource().getConnection();
                Statement s = lock.createStatement()) {
            lock.setAutoCommit(false);
            s.execute("LOCK TABLE outbox IN SHARE MODE");
            blocker = threads.submit(() -> group.submit(event("blocker"), JobOptions.NONE, "api:token:blocker"));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                            + " AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO outbox%'")
                                    .query(Long.class)
                                    .single()
                            == 1);
            for (int i = 0; i < size; i++) {
                String caller = i % 2 == 0 ? "a" : "b";
                JobEvent e = i == badAt ? poison() : event("held");
                stored.put(e.id(), caller);
                queued.add(threads.submit(() -> {
                    try {
                        group.submit(e, JobOptions.NONE.withSubmitter(caller), "api:token:" + caller);
                    } catch (RuntimeException refused) {
                        failed.put(e.id(), refused);
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> group.queued() == size);
            lock.commit();
        }
        blocker.get(30, TimeUnit.SECONDS);
        for (Future<?> f : queued) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    private static void assertActors(JobRepository jobs, JdbcClient jdbc, Map<UUID, String> callers) {
        for (Map.Entry<UUID, String> e : callers.entrySet()) {
            JobRow job = jobs.find(e.getKey()).orElseThrow();
            assertThat(job.submittedBy()).isEqualTo(e.getValue());
            assertThat(jobs.history(e.getKey()))
                    .singleElement()
                    .satisfies(h -> assertThat(h.actor()).isEqualTo("api:token:" + e.getValue()));
            assertThat(jdbc.sql("SELECT count(*) FROM outbox WHERE job_id = ?")
                            .param(e.getKey())
                            .query(Long.class)
                            .single())
                    .as("one outbox row")
                    .isEqualTo(1);
        }
    }

    private static long tagged(JdbcClient jdbc, String tag) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE payload->>'tag' = ?")
                .param(tag)
                .query(Long.class)
                .single();
    }

    private static double groups(SimpleMeterRegistry meters) {
        return meters.get("jobfleet.submit.group").summary().count();
    }

    private static JobEvent event(String tag) {
        return new JobEvent(
                JobIds.next(),
                "test.group",
                JobCodec.mapper().createObjectNode().put("tag", tag),
                null,
                null,
                null,
                null,
                null);
    }

    /** PostgreSQL's jsonb cannot hold U+0000: the database refuses this payload. */
    private static JobEvent poison() {
        return new JobEvent(
                JobIds.next(),
                "test.group",
                JobCodec.mapper().createObjectNode().put("tag", "bad\u0000value"),
                null,
                null,
                null,
                null,
                null);
    }
}
