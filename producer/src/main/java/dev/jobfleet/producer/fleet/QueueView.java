package dev.jobfleet.producer.fleet;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.QueueDepth;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Jobs per state, in total and per type. Every state is listed, 0 included, in the order of
 * {@link JobState}, so that the columns of a table stay put.
 *
 * @param byState jobs per state over all types
 * @param byType one row per type, by type name
 * @param total all jobs
 */
public record QueueView(Map<JobState, Long> byState, List<TypeDepth> byType, long total) {

    /**
     * @param type the job type
     * @param counts jobs of this type per state
     * @param total jobs of this type
     */
    public record TypeDepth(String type, Map<JobState, Long> counts, long total) {}

    static QueueView of(List<QueueDepth> rows) {
        Map<JobState, Long> byState = zeros();
        Map<String, Map<JobState, Long>> byType = new TreeMap<>();
        for (QueueDepth row : rows) {
            byState.merge(row.state(), row.count(), Long::sum);
            byType.computeIfAbsent(row.type(), type -> zeros()).merge(row.state(), row.count(), Long::sum);
        }
        List<TypeDepth> types = byType.entrySet().stream()
                .map(e -> new TypeDepth(e.getKey(), Collections.unmodifiableMap(e.getValue()), sum(e.getValue())))
                .toList();
        return new QueueView(Collections.unmodifiableMap(byState), types, sum(byState));
    }

    /** Jobs in {@code state} over all types. */
    public long count(JobState state) {
        return byState.get(state);
    }

    private static Map<JobState, Long> zeros() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState state : JobState.values()) {
            counts.put(state, 0L);
        }
        return counts;
    }

    private static long sum(Map<JobState, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
