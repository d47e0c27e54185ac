package dev.jobfleet.worker.metrics;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.QueueDepth;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue depth by state and type ({@code jobfleet.queue.depth}) and the age of the oldest due
 * pending job ({@code jobfleet.queue.oldest_pending_age_seconds}), read from the database by
 * {@link #refresh()} on a schedule. A state and type seen once keeps reporting, as 0 when it
 * empties, so dashboards show a drop to zero rather than a gap.
 */
public class QueueDepthGauges {
    private final JobRepository jobs;
    private final MultiGauge depth;
    private final AtomicLong oldestPendingAgeMillis = new AtomicLong();
    private final Map<Tags, Long> lastDepth = new HashMap<>();

    public QueueDepthGauges(JobRepository jobs, MeterRegistry registry) {
        this.jobs = jobs;
        this.depth = MultiGauge.builder("jobfleet.queue.depth")
                .description("Jobs by state and type")
                .register(registry);
        Gauge.builder("jobfleet.queue.oldest_pending_age_seconds", oldestPendingAgeMillis, ms -> ms.get() / 1000.0)
                .description("Seconds the oldest due pending job has waited")
                .register(registry);
    }

    public synchronized void refresh() {
        lastDepth.replaceAll((tags, count) -> 0L);
        for (QueueDepth row : jobs.queueDepth()) {
            lastDepth.put(tags(row.state(), row.type()), row.count());
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        lastDepth.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
        depth.register(rows, true);
        oldestPendingAgeMillis.set(Math.round(jobs.oldestDuePendingAgeSeconds() * 1000));
    }

    private static Tags tags(JobState state, String type) {
        return Tags.of("state", state.name(), "type", type);
    }
}
