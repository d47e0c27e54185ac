package dev.jobfleet.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class ProducerPropertiesTest {

    @Test
    void defaults() {
        ProducerProperties properties = bind(Map.of());

        assertThat(properties.maxPayloadBytes()).isEqualTo(262_144);
        assertThat(properties.maxBatchSize()).isEqualTo(1000);
        assertThat(properties.maxBatchBytes()).isEqualTo(8 * 1024 * 1024);
        assertThat(properties.relay().enabled()).isTrue();
        assertThat(properties.relay().batchSize()).isEqualTo(500);
        assertThat(properties.relay().interval()).isEqualTo(Duration.ofMillis(100));
        assertThat(properties.relay().maxBackoff()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.relay().sendTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(properties.topic().partitions()).isEqualTo(6);
        assertThat(properties.topic().replicas()).isEqualTo((short) 1);
    }

    @Test
    void bindsTheirSpringBootNames() {
        ProducerProperties properties = bind(Map.of(
                "jobfleet.producer.max-payload-bytes", "1024",
                "jobfleet.producer.max-batch-size", "20",
                "jobfleet.producer.max-batch-bytes", "4096",
                "jobfleet.producer.relay.enabled", "false",
                "jobfleet.producer.relay.batch-size", "50",
                "jobfleet.producer.relay.interval", "2s",
                "jobfleet.producer.relay.send-timeout", "3s",
                "jobfleet.producer.topic.partitions", "12"));

        assertThat(properties.maxPayloadBytes()).isEqualTo(1024);
        assertThat(properties.maxBatchSize()).isEqualTo(20);
        assertThat(properties.maxBatchBytes()).isEqualTo(4096);
        assertThat(properties.relay().enabled()).isFalse();
        assertThat(properties.relay().batchSize()).isEqualTo(50);
        assertThat(properties.relay().interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(properties.relay().sendTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(properties.topic().partitions()).isEqualTo(12);
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThatThrownBy(() -> bind(Map.of("jobfleet.producer.relay.batch-size", "0")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("batch-size");
        assertThatThrownBy(() -> bind(Map.of("jobfleet.producer.relay.max-backoff", "10ms")))
                .rootCause()
                .hasMessageContaining("below the interval");
        assertThatThrownBy(() -> bind(Map.of("jobfleet.producer.max-batch-size", "0")))
                .rootCause()
                .hasMessageContaining("max-batch-size");
        assertThatThrownBy(() -> bind(Map.of("jobfleet.producer.max-batch-bytes", "100")))
                .rootCause()
                .hasMessageContaining("below max-payload-bytes");
        assertThatThrownBy(() -> bind(Map.of("jobfleet.producer.topic.partitions", "0")))
                .rootCause()
                .hasMessageContaining("partitions");
    }

    private static ProducerProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("jobfleet.producer", ProducerProperties.class);
    }
}
