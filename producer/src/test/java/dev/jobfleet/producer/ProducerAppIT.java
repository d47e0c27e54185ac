package dev.jobfleet.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.Topics;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TestDatabaseConfiguration;
import dev.jobfleet.producer.testing.TestKafkaConfiguration;
import dev.jobfleet.producer.testing.TopicReader;
import dev.jobfleet.store.JobRepository;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

/**
 * The app as it runs by default: the relay loop publishes submissions on its own, with the
 * producer settings, topics, metrics and probes from application.yml.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"jobfleet.producer.relay.interval=50ms", "jobfleet.test.pool-size=4"})
@Import({TestDatabaseConfiguration.class, TestKafkaConfiguration.class})
class ProducerAppIT {
    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    KafkaConnectionDetails kafka;

    @Autowired
    JobRepository repository;

    @Autowired
    ProducerFactory<?, ?> producerFactory;

    @Autowired
    KafkaAdmin admin;

    @Test
    void theRelayLoopPublishesSubmittedJobsOnItsOwn() {
        HttpApi api = new HttpApi(port);

        HttpApi.Response response = api.post("/jobs", "{\"type\": \"app.relay\", \"payload\": {\"n\": 7}}");

        assertThat(response.status()).isEqualTo(201);
        UUID id = response.id();
        await().atMost(Duration.ofSeconds(30)).until(() -> repository.outboxSize() == 0);
        List<ConsumerRecord<String, byte[]>> records = TopicReader.readAll(bootstrapServers(), Topics.JOBS).stream()
                .filter(r -> r.key().equals(id.toString()))
                .toList();
        assertThat(records).hasSize(1);
        assertThat(JobCodec.decode(records.getFirst().value())
                        .payload()
                        .get("n")
                        .intValue())
                .isEqualTo(7);
        // the scraper's endpoint is on the management port, open there, and not on the API's port
        String metrics =
                new HttpApi(managementPort).as(null).get("/actuator/prometheus").body();
        assertThat(api.get("/actuator/prometheus").status()).isEqualTo(404);
        assertThat(metrics).contains("jobfleet_outbox_published_total", "jobfleet_outbox_failures_total");
        assertThat(metrics).containsPattern("jobfleet_outbox_backlog\\{[^}]*\\} 0\\.0");
    }

    @Test
    void kafkaSettingsTopicsAndProbesComeFromTheConfiguration() {
        Map<String, Object> config = producerFactory.getConfigurationProperties();
        assertThat(String.valueOf(config.get(ProducerConfig.ACKS_CONFIG))).isEqualTo("all");
        assertThat(String.valueOf(config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)))
                .isEqualTo("true");

        Map<String, TopicDescription> topics = admin.describeTopics(Topics.JOBS, Topics.DEAD_LETTER);
        assertThat(topics.get(Topics.JOBS).partitions()).hasSize(6);
        assertThat(topics.get(Topics.DEAD_LETTER).partitions()).hasSize(1);

        HttpApi management = new HttpApi(managementPort).as(null);
        assertThat(management
                        .get("/actuator/health/liveness")
                        .json()
                        .get("status")
                        .stringValue())
                .isEqualTo("UP");
        assertThat(management
                        .get("/actuator/health/readiness")
                        .json()
                        .get("status")
                        .stringValue())
                .isEqualTo("UP");
        assertThat(management.get("/actuator/metrics/jobfleet.outbox.backlog").status())
                .isEqualTo(200);
        // probes also answer on the API's port, without a token
        HttpApi anonymous = new HttpApi(port).as(null);
        assertThat(anonymous.get("/livez").status()).isEqualTo(200);
        assertThat(anonymous.get("/readyz").status()).isEqualTo(200);
        assertThat(managementPort).isNotEqualTo(port);
    }

    private String bootstrapServers() {
        return String.join(",", kafka.getBootstrapServers());
    }
}
