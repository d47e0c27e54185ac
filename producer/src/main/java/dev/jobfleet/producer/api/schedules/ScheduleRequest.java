package dev.jobfleet.producer.api.schedules;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/** The body of {@code PUT /schedules/{name}}, as read and checked by {@link ScheduleRequestReader}. */
@Schema(name = "ScheduleRequest", description = "A recurring job. Unknown fields are refused.")
public record ScheduleRequest(
        @Schema(
                description = "Spring cron: second minute hour day-of-month month day-of-week",
                requiredMode = Schema.RequiredMode.REQUIRED,
                example = "0 */5 * * * *")
        String cron,

        @Schema(description = "Time zone the cron is read in", defaultValue = "UTC", example = "Europe/Berlin")
        String zone,

        @Schema(description = "Handler name of the jobs it enqueues", requiredMode = Schema.RequiredMode.REQUIRED)
        String type,

        @Schema(description = "Payload of the jobs it enqueues; {} when absent")
        JsonNode payload,

        @Schema(minimum = "0", maximum = "9", defaultValue = "0")
        int priority,

        @Schema(description = "A disabled schedule enqueues nothing", defaultValue = "true")
        boolean enabled) {}
