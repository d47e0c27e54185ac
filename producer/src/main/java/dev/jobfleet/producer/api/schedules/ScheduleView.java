package dev.jobfleet.producer.api.schedules;

import dev.jobfleet.store.Schedules;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A recurring schedule as stored, with the instant it enqueues next. */
@Schema(name = "Schedule")
public record ScheduleView(
        String name,
        String cron,
        String zone,
        String type,
        JsonNode payload,
        int priority,
        boolean enabled,

        @Schema(description = "The next tick; one job per tick, however many instances run the scheduler")
        Instant nextTick,

        @Schema(description = "The job of the latest tick") UUID lastJobId,
        Instant createdAt,
        Instant updatedAt) {

    static ScheduleView of(Schedules.Schedule s) {
        return new ScheduleView(
                s.name(),
                s.cron(),
                s.zone(),
                s.type(),
                s.payload(),
                s.priority(),
                s.enabled(),
                s.nextTick(),
                s.lastJobId(),
                s.createdAt(),
                s.updatedAt());
    }
}
