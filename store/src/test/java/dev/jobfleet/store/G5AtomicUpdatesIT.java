package dev.jobfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * G5: concurrent metadata merges, counter increments and log appends are never lost. 50 threads
 * each make 60 of each on one running job (each thread merges its own key with its running count,
 * so a lost merge shows as a count below 60); the naive read-modify-write of the same data, with
 * the same threads, loses some.
 */
class G5AtomicUpdatesIT {
    private static final int THREADS = 50;
    private static final int UPDATES = 60;
    private static final int TOTAL = THREADS * UPDATES;

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
    void fiftyThreadsMakingSixtyUpdatesEachLoseNone() {
        Claim naive = running("g5.naive");
        Race.run(THREADS, t -> () -> {
            for (int i = 0; i < UPDATES; i++) {
                // read the whole document, change it in Java, write it back
                String text = jdbc.sql("SELECT CAST(metadata AS text) FROM jobs WHERE id = ?")
                        .param(naive.jobId())
                        .query(String.class)
                        .single();
                ObjectNode metadata = (ObjectNode) JobCodec.mapper().readTree(text);
                metadata.put("t" + t, i + 1);
                jdbc.sql("UPDATE jobs SET metadata = CAST(? AS jsonb) WHERE id = ?")
                        .params(JobCodec.mapper().writeValueAsString(metadata), naive.jobId())
                        .update();
                long progress = jdbc.sql(
                                "SELECT coalesce(CAST(counters ->> 'progress' AS bigint), 0) FROM jobs WHERE id = ?")
                        .param(naive.jobId())
                        .query(Long.class)
                        .single();
                jdbc.sql("UPDATE jobs SET counters = jsonb_build_object('progress', ?) WHERE id = ?")
                        .params(progress + 1, naive.jobId())
                        .update();
            }
            return null;
        });
        long naiveKeysLost = lostMerges(naive.jobId());
        long naiveIncrementsLost = TOTAL - counter(naive.jobId());

        Claim run = running("g5.job");
        Race.run(THREADS, t -> () -> {
            for (int i = 0; i < UPDATES; i++) {
                ObjectNode patch = JobCodec.mapper().createObjectNode().put("t" + t, i + 1);
                assertThat(repository.mergeMetadata(run.jobId(), run.token(), patch))
                        .isTrue();
                assertThat(repository.incrementCounter(run.jobId(), run.token(), "progress", 1))
                        .isPresent();
                assertThat(repository.appendLog(run.jobId(), run.token(), patch))
                        .isTrue();
            }
            return null;
        });
        long keysLost = lostMerges(run.jobId());
        long incrementsLost = TOTAL - counter(run.jobId());
        long logsLost = TOTAL - repository.logs(run.jobId()).size();

        System.out.printf(
                "G5: %d threads x %d updates; naive read-modify-write lost %d metadata merges and %d of %d increments;"
                        + " jobfleet lost %d merges, %d increments, %d log entries%n",
                THREADS, UPDATES, naiveKeysLost, naiveIncrementsLost, TOTAL, keysLost, incrementsLost, logsLost);
        assertThat(naiveKeysLost).as("the naive merge must lose keys").isPositive();
        assertThat(naiveIncrementsLost)
                .as("the naive counter must lose increments")
                .isPositive();
        assertThat(keysLost).isZero();
        assertThat(incrementsLost).isZero();
        assertThat(logsLost).isZero();
        assertThat(repository.logs(run.jobId()))
                .allSatisfy(e -> assertThat(e.claimToken()).isEqualTo(run.token()));
    }

    @Test
    void aRunThatLostItsJobCanNoLongerWriteItsData() {
        Claim old = running("g5.fenced");
        jdbc.sql("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(old.jobId())
                .update();
        Jobs.rescueNow(repository, db.dataSource());
        Claim current = repository
                .claimSuspect(Set.of("g5.fenced"), "w2", Duration.ofMinutes(1))
                .get(0);
        ObjectNode patch = JobCodec.mapper().createObjectNode().put("stale", true);
        assertThat(repository.mergeMetadata(old.jobId(), old.token(), patch)).isFalse();
        assertThat(repository.incrementCounter(old.jobId(), old.token(), "progress", 1))
                .isEmpty();
        assertThat(repository.appendLog(old.jobId(), old.token(), patch)).isFalse();
        assertThat(metadata(old.jobId()).has("stale")).isFalse();
        assertThat(repository.logs(old.jobId())).isEmpty();
        assertThat(repository.mergeMetadata(current.jobId(), current.token(), patch))
                .isTrue();
        assertThat(repository.incrementCounter(current.jobId(), current.token(), "progress", 5))
                .hasValue(5);
    }

    private static Claim running(String type) {
        UUID id = repository.submit(Jobs.event(type), "test").job().id();
        return repository
                .claim(List.of(id), Set.of(type), "w", Duration.ofMinutes(5))
                .get(0);
    }

    /**
     * Each thread merges {@code {"t<thread>": n}} for n = 1..60, so its key must end at 60: a
     * lower value (or none) counts the merges that a stale write undid.
     */
    private static long lostMerges(UUID id) {
        JsonNode metadata = metadata(id);
        long lost = 0;
        for (int t = 0; t < THREADS; t++) {
            JsonNode value = metadata.get("t" + t);
            lost += UPDATES - (value == null ? 0 : value.asLong());
        }
        return lost;
    }

    private static JsonNode metadata(UUID id) {
        return repository.find(id).orElseThrow().metadata();
    }

    private static long counter(UUID id) {
        JsonNode counters = repository.find(id).orElseThrow().counters();
        return counters.has("progress") ? counters.get("progress").asLong() : 0;
    }
}
