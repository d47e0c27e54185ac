package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;

/** The answer to {@code GET /jobs/{id}/logs}: every entry, oldest first. */
@Schema(name = "JobLogs")
public record JobLogs(UUID jobId, List<LogView> logs) {}
