package dev.jobfleet.worker.run;

import dev.jobfleet.store.JobRow;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The time limit of one run: the job's own ({@code timeoutMs}, when it was submitted with one),
 * else its type's ({@code jobfleet.worker.handlers.<type>.timeout}), else the worker's default
 * ({@code jobfleet.worker.handler-timeout}).
 */
public final class HandlerTimeouts {
    private final Duration fallback;
    private final Map<String, Duration> byType;

    public HandlerTimeouts(Duration fallback, Map<String, Duration> byType) {
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.byType = Map.copyOf(byType);
    }

    public Duration of(JobRow job) {
        if (job.timeoutMs() != null) {
            return Duration.ofMillis(job.timeoutMs());
        }
        return byType.getOrDefault(job.type(), fallback);
    }
}
