package dev.jobfleet.producer.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.ProducerApplication;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TestDatabaseConfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The fleet view with no Kafka to talk to (the bootstrap address is a port nobody listens on): it
 * still answers 200 within its Kafka timeout, with the database parts and the lag marked unknown.
 */
@SpringBootTest(
        classes = ProducerApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "jobfleet.producer.relay.enabled=false",
            "jobfleet.producer.fleet.kafka-timeout=1s",
            // nothing to create topics on; the app starts anyway, as with Kafka down in production
            "spring.kafka.admin.auto-create=false",
            "jobfleet.test.pool-size=3"
        })
@Import(TestDatabaseConfiguration.class)
@DirtiesContext
class FleetStatusKafkaDownIT {
    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void kafkaNobodyListensOn(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", () -> "127.0.0.1:" + freePort());
    }

    @Test
    void withKafkaDownTheViewAnswersTheDatabasePartsAndSaysTheLagIsUnknown() {
        HttpApi api = new HttpApi(port);
        assertThat(api.post("/jobs", "{\"type\": \"fleet.kafka-down\"}").status())
                .isEqualTo(201);

        long started = System.nanoTime();
        HttpApi.Response json = api.get("/fleet/status");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        HttpApi.Response text = api.get("/fleet/status?format=text");
        HttpApi.Response page = api.get("/fleet");

        System.out.printf("fleet status with Kafka down answered in %d ms:%n%s%n", took.toMillis(), text.body());
        assertThat(json.status()).isEqualTo(200);
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        JsonNode status = json.json();
        JsonNode lag = status.get("consumerLag");
        assertThat(lag.get("known").booleanValue()).isFalse();
        assertThat(lag.get("total").isNull()).isTrue();
        assertThat(lag.get("partitions").size()).isZero();
        assertThat(lag.get("error").stringValue()).isEqualTo("Kafka did not answer within 1s");
        assertThat(status.get("queue").get("byType").get(0).get("type").stringValue())
                .isEqualTo("fleet.kafka-down");
        assertThat(status.get("queue").get("byState").get("PENDING").longValue())
                .isEqualTo(1);
        assertThat(status.get("outboxBacklog").longValue()).isEqualTo(1);
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.body())
                .contains("lag unknown (Kafka did not answer within 1s)")
                .containsPattern("consumer lag \\(records\\) +unknown")
                .containsPattern("fleet\\.kafka-down +1 ");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("lag unknown").contains("fleet.kafka-down");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
