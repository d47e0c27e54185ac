package dev.jobfleet.producer.api.schedules;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The answer to {@code GET /schedules}: every schedule, by name. */
@Schema(name = "ScheduleList")
public record ScheduleList(List<ScheduleView> schedules) {}
