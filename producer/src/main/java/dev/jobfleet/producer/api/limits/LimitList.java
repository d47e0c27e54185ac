package dev.jobfleet.producer.api.limits;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The answer to {@code GET /concurrency-limits}: every limit, by key. */
@Schema(name = "ConcurrencyLimitList")
public record LimitList(List<LimitView> limits) {}
