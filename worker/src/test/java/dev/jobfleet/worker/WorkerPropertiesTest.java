package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class WorkerPropertiesTest {

    @Test
    void defaults() {
        WorkerProperties p = bind(Map.of());

        assertThat(p.id()).isNotBlank().matches(".+-\\d+-[0-9a-f]{4}");
        assertThat(p.groupId()).isEqualTo("jobfleet-workers");
        assertThat(p.concurrency()).isEqualTo(16);
        assertThat(p.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.pollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.maxPollRecords()).isEqualTo(200);
        assertThat(p.maxPollInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.reaperInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.reaperBatch()).isEqualTo(500);
        assertThat(p.retryPromoterInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.topicPartitions()).isEqualTo(6);
        assertThat(p.demoHandlers()).isTrue();
        assertThat(p.backoff().fallback().base()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff().fallback().max()).isEqualTo(Duration.ofHours(1));
        assertThat(p.backoff().fallback().jitter()).isEqualTo(0.2);
        assertThat(p.aging().interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.aging().step()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.aging().batch()).isEqualTo(1000);
        assertThat(p.schedulesInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.schedules()).isEmpty();
        assertThat(p.handlerTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.handlerTimeouts()).isEmpty();
        assertThat(p.capacity()).isEqualTo(16 + 2 * 200);
        assertThat(p.prefetch()).isEqualTo(16);
        assertThat(p.maxRescues()).isEqualTo(5);
        assertThat(p.suspectProbation()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.stuckAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.maxStuckHandlers()).isEqualTo(2);
        assertThat(p.completer().flushInterval()).isEqualTo(Duration.ofMillis(5));
        assertThat(p.completer().batch()).isEqualTo(500);
        assertThat(p.commitInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(p.shutdownExitWait()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void handlerTimeoutsBindPerTypeWithBrackets() {
        WorkerProperties p = bind(Map.of(
                "jobfleet.worker.handler-timeout", "2m",
                "jobfleet.worker.handlers[report.build].timeout", "2h",
                "jobfleet.worker.handlers[demo.sleep].timeout", "1500ms"));

        assertThat(p.handlerTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(p.handlerTimeouts())
                .containsOnly(
                        Map.entry("report.build", Duration.ofHours(2)),
                        Map.entry("demo.sleep", Duration.ofMillis(1500)));
    }

    @Test
    void capacityBelowOneBatchAboveTheHandlersIsRefused() {
        assertThatThrownBy(() -> bind(Map.of(
                        "jobfleet.worker.concurrency", "8",
                        "jobfleet.worker.max-poll-records", "100",
                        "jobfleet.worker.capacity", "50")))
                .rootCause()
                .hasMessageContaining("jobfleet.worker.capacity must be at least concurrency + max-poll-records (108)");
    }

    @Test
    void schedulesBindByNameWithDefaults() {
        WorkerProperties p = bind(Map.of(
                "jobfleet.worker.schedules.nightly.cron", "0 0 3 * * *",
                "jobfleet.worker.schedules.nightly.type", "report.build",
                "jobfleet.worker.schedules[billing.run].cron", "0 */5 * * * *",
                "jobfleet.worker.schedules[billing.run].type", "billing.run",
                "jobfleet.worker.schedules[billing.run].payload", "{\"dry\": true}",
                "jobfleet.worker.schedules[billing.run].priority", "7",
                "jobfleet.worker.schedules[billing.run].zone", "Europe/Paris",
                "jobfleet.worker.schedules[billing.run].enabled", "false"));

        assertThat(p.schedules())
                .containsEntry(
                        "nightly",
                        new WorkerProperties.ScheduleSettings("0 0 3 * * *", "report.build", null, 0, "UTC", true))
                .containsEntry(
                        "billing.run",
                        new WorkerProperties.ScheduleSettings(
                                "0 */5 * * * *", "billing.run", "{\"dry\": true}", 7, "Europe/Paris", false));
    }

    @Test
    void twoWorkersGetDifferentDefaultIds() {
        assertThat(bind(Map.of()).id()).isNotEqualTo(bind(Map.of()).id());
    }

    @Test
    void perTypeBackoffTakesTheTypeInBrackets() {
        WorkerProperties p = bind(Map.of(
                "jobfleet.worker.backoff.base", "2s",
                "jobfleet.worker.backoff.types[demo.fail].base", "50ms",
                "jobfleet.worker.backoff.types[demo.fail].max", "1s"));

        assertThat(p.backoff().forType("demo.fail").base()).isEqualTo(Duration.ofMillis(50));
        assertThat(p.backoff().forType("demo.fail").max()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff().forType("other").base()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void nonsenseIsRefusedWithThePropertyName() {
        assertThatThrownBy(() -> bind(Map.of("jobfleet.worker.concurrency", "0")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("jobfleet.worker.concurrency");
        assertThatThrownBy(() -> bind(Map.of("jobfleet.worker.backoff.types[x].base", "2h")))
                .isInstanceOf(BindException.class)
                .hasStackTraceContaining("jobfleet.worker.backoff.types[x]: max PT1H is below base PT2H");
        assertThatThrownBy(() -> bind(Map.of("jobfleet.worker.aging.step", "0s")))
                .isInstanceOf(BindException.class)
                .hasStackTraceContaining("jobfleet.worker.aging.step must be positive");
    }

    private static WorkerProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("jobfleet.worker", WorkerProperties.class);
    }
}
