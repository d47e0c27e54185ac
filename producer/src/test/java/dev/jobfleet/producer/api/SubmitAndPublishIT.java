package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.Topics;
import dev.jobfleet.producer.relay.OutboxRelay;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.producer.testing.TopicReader;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Submission writes the job, its history row and its outbox row; the relay moves the row to Kafka. */
@ApiIntegrationTest
class SubmitAndPublishIT {
    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    OutboxRelay relay;

    @Autowired
    KafkaConnectionDetails kafka;

    @Test
    void submittedJobIsStoredWithItsHistoryAndOutboxRowThenRelayedKeyedByItsId() {
        JdbcClient jdbc = JdbcClient.create(dataSource);
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response response = new HttpApi(port)
                .post(
                        "/jobs",
                        "{\"type\": \"email.send\", \"payload\": {\"to\": \"ada@example.com\"}, \"priority\": 2}");

        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        UUID id = response.id();
        assertThat(response.headers().firstValue("Location")).hasValue("/jobs/" + id);
        assertThat(response.json().get("state").stringValue()).isEqualTo("PENDING");
        assertThat(TableCounts.of(dataSource)).isEqualTo(before.plus(1, 1, 1));
        assertThat(jdbc.sql("SELECT state::text FROM jobs WHERE id = ?")
                        .param(id)
                        .query(String.class)
                        .single())
                .isEqualTo("PENDING");
        assertThat(jdbc.sql("SELECT from_state IS NULL AND to_state = 'PENDING' AND actor = 'api:token:testoperator'"
                                + " FROM job_history WHERE job_id = ?")
                        .param(id)
                        .query(Boolean.class)
                        .list())
                .containsExactly(true);
        List<Map<String, Object>> outbox = jdbc.sql("SELECT topic FROM outbox WHERE job_id = ?")
                .param(id)
                .query()
                .listOfRows();
        assertThat(outbox).containsExactly(Map.of("topic", Topics.JOBS));

        int published = relay.drain();

        assertThat(published).isGreaterThanOrEqualTo(1);
        assertThat(TableCounts.of(dataSource).outbox()).isZero();
        List<ConsumerRecord<String, byte[]>> records = TopicReader.readAll(bootstrapServers(), Topics.JOBS).stream()
                .filter(r -> r.key().equals(id.toString()))
                .toList();
        assertThat(records).hasSize(1);
        JobEvent event = JobCodec.decode(records.getFirst().value());
        assertThat(event.id()).isEqualTo(id);
        assertThat(event.type()).isEqualTo("email.send");
        assertThat(event.priority()).isEqualTo(2);
        assertThat(event.payload().get("to").stringValue()).isEqualTo("ada@example.com");
        System.out.printf(
                "submit -> outbox -> %s: job %s on partition %d, offset %d%n",
                Topics.JOBS,
                id,
                records.getFirst().partition(),
                records.getFirst().offset());
    }

    private String bootstrapServers() {
        return String.join(",", kafka.getBootstrapServers());
    }
}
