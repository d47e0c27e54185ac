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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue depth by state and type ({@code jobfleet.queue.depth}) and the age of the oldest due
 * pending job ({@code jobfleet.queue.oldest_pending_age_seconds}), refreshed by {@link #refresh()}
 * on a schedule. The depth comes from the counts the jobs' own statements keep (V9: {@link
 * JobRepository#foldJobCounts()}, then {@link JobRepository#queueDepth()}), so a scrape costs the
 * same with a million jobs as with ten. A state and type seen once keeps reporting, as 0 when it
 * empties, so dashboards show a drop to zero rather than a gap.
 *
 * <p>The {@code type} label is bounded: the first {@code maxTypes} types seen get their own series,
 * every later one is counted under {@code type="other"}, so a producer that invents types cannot
 * blow up the metrics backend.
 */
public class QueueDepthGauges {
    /** The label value of the types beyond the cap. */
    public static final String OTHER = "other";

    private final JobRepository jobs;
    private final int maxTypes;
    private final MultiGauge depth;
    private final AtomicLong oldestPendingAgeMillis = new AtomicLong();
    private final Map<Tags, Long> lastDepth = new HashMap<>();
    private final Set<String> labelledTypes = new LinkedHashSet<>();

    public QueueDepthGauges(JobRepository jobs, MeterRegistry registry, int maxTypes) {
        if (maxTypes < 1) {
            throw new IllegalArgumentException("maxTypes must be at least 1: " + maxTypes);
        }
        this.jobs = jobs;
        this.maxTypes = maxTypes;
        this.depth = MultiGauge.builder("jobfleet.queue.depth")
                .description("Jobs by state and type (types beyond the cap under type=\"other\")")
                .register(registry);
        Gauge.builder("jobfleet.queue.oldest_pending_age_seconds", oldestPendingAgeMillis, ms -> ms.get() / 1000.0)
                .description("Seconds the oldest due pending job has waited")
                .register(registry);
    }

    public synchronized void refresh() {
        jobs.foldJobCounts();
        lastDepth.replaceAll((tags, count) -> 0L);
        for (QueueDepth row : jobs.queueDepth()) {
            lastDepth.merge(tags(row.state(), label(row.type())), row.count(), Long::sum);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        lastDepth.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
        depth.register(rows, true);
        oldestPendingAgeMillis.set(Math.round(jobs.oldestDuePendingAgeSeconds() * 1000));
    }

    private String label(String type) {
        if (labelledTypes.contains(type)) {
            return type;
        }
        if (labelledTypes.size() < maxTypes) {
            labelledTypes.add(type);
            return type;
        }
        return OTHER;
    }

    private static Tags tags(JobState state, String type) {
        return Tags.of("state", state.name(), "type", type);
    }
}
