package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetOptionsTest {
    @Test
    void defaultsRunTheDemoOfAThousandJobsAndKeepRunning() {
        FleetOptions o = FleetOptions.parse(new String[0], Map.of());
        assertThat(o.jobs()).isEqualTo(1_000);
        assertThat(o.demo()).isTrue();
        assertThat(o.exitAfterDemo()).isFalse();
        assertThat(o.directory()).isEqualTo(Path.of(".jobfleet"));
        assertThat(o.kafkaPort()).isEqualTo(9092);
        assertThat(o.producerPort()).isEqualTo(8080);
        assertThat(o.workers()).isEqualTo(2);
        assertThat(o.workerProperties()).isEmpty();
        assertThat(o.containers()).as("the local parts unless asked").isFalse();
    }

    @Test
    void containersAreAskedForByFlag() {
        assertThat(FleetOptions.parse(new String[] {"--containers"}, Map.of()).containers())
                .isTrue();
    }

    @Test
    void workersAndTheirProperties() {
        FleetOptions o = FleetOptions.parse(
                new String[] {
                    "--workers",
                    "4",
                    "--worker-property",
                    "jobfleet.worker.concurrency=64",
                    "--worker-property",
                    "jobfleet.worker.lease = 10s"
                },
                Map.of());
        assertThat(o.workers()).isEqualTo(4);
        assertThat(o.workerProperties())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("jobfleet.worker.concurrency", "64", "jobfleet.worker.lease", "10s"));
        assertThatThrownBy(() -> FleetOptions.parse(new String[] {"--worker-property", "=5"}, Map.of()))
                .hasMessage("--worker-property needs KEY=VALUE: =5");
        assertThatThrownBy(() -> FleetOptions.parse(new String[] {"--workers", "0"}, Map.of()))
                .hasMessageContaining("at least 1");
    }

    @Test
    void flagsAndServerPort() {
        FleetOptions o = FleetOptions.parse(
                new String[] {"--jobs", "50", "--exit-after-demo", "--timeout", "9", "--dir", "x", "--kafka-port", "0"},
                Map.of("SERVER_PORT", "9000"));
        assertThat(o.jobs()).isEqualTo(50);
        assertThat(o.exitAfterDemo()).isTrue();
        assertThat(o.demoTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(o.directory()).isEqualTo(Path.of("x"));
        assertThat(o.kafkaPort()).isZero();
        assertThat(o.producerPort()).isEqualTo(9000);
        assertThat(FleetOptions.parse(new String[] {"--no-demo"}, Map.of()).demo())
                .isFalse();
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> FleetOptions.parse(new String[] {"--jobs"}, Map.of()))
                .hasMessage("--jobs needs a value");
        assertThatThrownBy(() -> FleetOptions.parse(new String[] {"--jobs", "0"}, Map.of()))
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> FleetOptions.parse(new String[] {"--jbos", "5"}, Map.of()))
                .hasMessage("unknown option: --jbos");
        assertThatThrownBy(() -> FleetOptions.parse(new String[0], Map.of("SERVER_PORT", "http")))
                .hasMessageContaining("SERVER_PORT");
    }
}
