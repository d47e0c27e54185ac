package dev.jobfleet.producer.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The answer to {@code GET /jobs}: a page of job summaries, newest first, at most {@code limit};
 * {@code next} fetches the following page (null on the last one).
 */
@Schema(name = "JobList")
public record JobList(
        List<JobView> jobs,
        int limit,

        @Schema(
                description = "The following page, e.g. /jobs?limit=50&cursor=...; null on the last page",
                nullable = true)
        String next) {}
