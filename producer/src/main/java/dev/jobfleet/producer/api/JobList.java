package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The answer to {@code GET /jobs}: newest first, at most {@code limit} jobs. */
@Schema(name = "JobList")
public record JobList(List<JobView> jobs, int limit) {}
