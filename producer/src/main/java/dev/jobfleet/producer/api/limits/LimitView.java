package dev.jobfleet.producer.api.limits;

import dev.jobfleet.store.ConcurrencyLimits;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** A concurrency limit and how many of its slots running jobs hold now. */
@Schema(name = "ConcurrencyLimit")
public record LimitView(
        String key,
        int maxRunning,

        @Schema(description = "Slots held by running jobs now; above maxRunning only right after it was lowered")
        long running,

        Instant updatedAt) {

    static LimitView of(ConcurrencyLimits.Limit limit) {
        return new LimitView(limit.key(), limit.maxRunning(), limit.taken(), limit.updatedAt());
    }
}
