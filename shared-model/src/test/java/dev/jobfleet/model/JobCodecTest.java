package dev.jobfleet.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobCodecTest {

    @Test
    void roundTripsAnEvent() {
        JobEvent event = new JobEvent(
                JobIds.next(),
                "demo.sleep",
                JobCodec.mapper().readTree("{\"ms\":5}"),
                3,
                Instant.parse("2030-01-01T00:00:00Z"),
                4,
                "tenant-1",
                "key-1");
        assertThat(JobCodec.decode(JobCodec.encode(event))).isEqualTo(event);
    }

    @Test
    void fillsDefaultsAndIgnoresUnknownFieldsFromNewerProducers() {
        UUID id = UUID.randomUUID();
        String json = "{\"id\":\"" + id + "\",\"type\":\"demo.noop\",\"addedInV2\":true}";
        JobEvent event = JobCodec.decode(json.getBytes(StandardCharsets.UTF_8));
        assertThat(event.id()).isEqualTo(id);
        assertThat(event.priority()).isEqualTo(JobEvent.DEFAULT_PRIORITY);
        assertThat(event.maxAttempts()).isEqualTo(JobEvent.DEFAULT_MAX_ATTEMPTS);
        assertThat(event.payload().isObject()).isTrue();
    }

    @Test
    void refusesWhatCanNeverBeAJobWithTheReason() {
        assertThatThrownBy(() -> JobCodec.decode(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> JobCodec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("not a job event");
        assertThatThrownBy(() -> JobCodec.decode("null".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("null");
        assertThatThrownBy(() -> JobCodec.decode("{\"type\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("id is required");
        String badPriority = "{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"x\",\"priority\":10}";
        assertThatThrownBy(() -> JobCodec.decode(badPriority.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("priority must be between 0 and 9");
        String farFuture =
                "{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"x\",\"runAt\":\"+300000-01-01T00:00:00Z\"}";
        assertThatThrownBy(() -> JobCodec.decode(farFuture.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("runAt must be between");
        String badType = "{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"drop table\"}";
        assertThatThrownBy(() -> JobCodec.decode(badType.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("type must match");
    }
}
