package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import dev.jobfleet.store.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataAccessException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Kafka-first events follow the API's rules ({@code InputRules}, one implementation in
 * shared-model): an event the API would refuse is dead-lettered by the worker's decoder, with the
 * field at fault in the reason, and never reaches the database; the partition goes on. The negative
 * control is the same events decoded without the rules (as before) and inserted: the database
 * refuses the text and the number, and stores the reserved key, which would take a schedule's tick.
 */
class KafkaFirstValidationIT {
    private static final int PARTITION = 1;

    private static TestDatabase db;
    private static JobRepository jobs;
    private static TestBroker kafka;
    private static ConfigurableApplicationContext worker;

    @BeforeAll
    static void start() {
        db = TestDatabase.create(4);
        jobs = new JobRepository(db.dataSource());
        kafka = TestBroker.start();
        worker = WorkerApp.start("validating-worker", db, kafka, Map.of("jobfleet.worker.poll-interval", "200ms"));
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void eventsTheApiWouldRefuseAreDeadLetteredAndNeverStored() {
        List<UUID> ids = new ArrayList<>();
        List<String> hostile = new ArrayList<>();
        for (String fields : List.of(
                "\"payload\":{\"note\":\"a\\u0000b\"}",
                "\"payload\":[\"\\ud800\"]",
                "\"payload\":{\"n\":1e131072}",
                "\"idempotencyKey\":\"schedule:nightly:1700000000\"",
                "\"concurrencyKey\":\"tenant\\u0000\"")) {
            UUID id = JobIds.next();
            ids.add(id);
            hostile.add("{\"id\":\"" + id + "\",\"type\":\"demo.noop\"," + fields + "}");
        }
        for (int i = 0; i < hostile.size(); i++) {
            kafka.send(new ProducerRecord<>(
                    Topics.JOBS,
                    PARTITION,
                    ids.get(i).toString(),
                    hostile.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        UUID valid = JobIds.next();
        RecordMetadata good = kafka.send(new ProducerRecord<>(
                Topics.JOBS,
                PARTITION,
                valid.toString(),
                JobCodec.encode(new JobEvent(valid, "demo.noop", null, null, null, 3, null, null))));

        await().atMost(Duration.ofSeconds(60))
                .until(() -> jobs.find(valid).map(JobRow::state).orElse(null) == JobState.SUCCEEDED);
        kafka.awaitCommittedPast(WorkerApp.GROUP, good);

        List<ConsumerRecord<String, byte[]>> dead = kafka.readDeadLetters(hostile.size());
        assertThat(dead)
                .extracting(ConsumerRecord::key)
                .containsExactlyElementsOf(ids.stream().map(UUID::toString).toList());
        List<String> reasons = dead.stream()
                .map(r -> new String(
                        r.headers().lastHeader(Topics.HEADER_DLT_REASON).value(), StandardCharsets.UTF_8))
                .toList();
        assertThat(reasons.get(0)).startsWith("undecodable: ").contains("payload.note must not contain U+0000");
        assertThat(reasons.get(1)).contains("payload[0] must not contain an unpaired UTF-16 surrogate");
        assertThat(reasons.get(2))
                .contains("payload.n must be a finite number"); // the codec reads 1e131072 as a double
        assertThat(reasons.get(3)).contains("idempotencyKey must not start with 'schedule:'");
        assertThat(reasons.get(4)).contains("concurrencyKey must not contain U+0000");
        assertThat(ids).allSatisfy(id -> assertThat(jobs.find(id)).isEmpty());

        // the control: the same events without the rules, as the worker decoded them before
        JsonMapper lenient = JsonMapper.builder()
                .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
        int refusedByTheDatabase = 0;
        int stored = 0;
        for (String json : hostile) {
            JobEvent unchecked = lenient.readValue(json, JobEvent.class);
            try {
                jobs.insertMissing(List.of(unchecked), "naive");
                stored++;
            } catch (DataAccessException e) {
                refusedByTheDatabase++;
            }
        }
        Optional<JobRow> squatter = jobs.find(ids.get(3));
        Optional<JobRow> altered = jobs.find(ids.get(1));
        assertThat(refusedByTheDatabase + stored).isEqualTo(hostile.size());
        assertThat(refusedByTheDatabase)
                .as("the database's own refusals: U+0000 twice, the number")
                .isEqualTo(3);
        assertThat(squatter).as("a reserved key stored by the naive path").isPresent();
        assertThat(altered).as("an unpaired surrogate stored by the naive path").isPresent();
        assertThat(altered.get().payload().get(0).stringValue())
                .as("silently replaced on the way to the database")
                .isNotEqualTo("\uD800");
        System.out.printf(
                "Kafka-first validation: %d hostile events dead-lettered by the worker, 0 stored; naive: %d refused"
                        + " by the database (errors, not dead letters), %d stored (a reserved key, and a surrogate"
                        + " silently turned into '%s')%n",
                dead.size(),
                refusedByTheDatabase,
                stored,
                altered.get().payload().get(0).stringValue());
    }
}
