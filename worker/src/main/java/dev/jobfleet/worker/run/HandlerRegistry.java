package dev.jobfleet.worker.run;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.worker.api.JobHandler;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The handlers of this worker by job type. Claims name {@link #types()}, so a worker never takes
 * a job it cannot run. Built once at startup; two handlers for one type, or a type that is not a
 * valid job type, refuse to start.
 */
public final class HandlerRegistry {
    private final Map<String, JobHandler> byType;

    public HandlerRegistry(Collection<? extends JobHandler> handlers) {
        Map<String, List<JobHandler>> grouped =
                handlers.stream().collect(Collectors.groupingBy(JobHandler::type, TreeMap::new, Collectors.toList()));
        String duplicates = grouped.entrySet().stream()
                .filter(e -> e.getValue().size() > 1)
                .map(e -> "'" + e.getKey() + "' by "
                        + e.getValue().stream().map(h -> h.getClass().getName()).collect(Collectors.joining(" and ")))
                .collect(Collectors.joining("; "));
        if (!duplicates.isEmpty()) {
            throw new IllegalStateException("each job type needs exactly one JobHandler, but these types are handled "
                    + "more than once: " + duplicates);
        }
        String invalid = grouped.keySet().stream()
                .filter(type ->
                        type == null || !JobEvent.TYPE_PATTERN.matcher(type).matches())
                .map(type -> "'" + type + "'")
                .collect(Collectors.joining(", "));
        if (!invalid.isEmpty()) {
            throw new IllegalStateException("JobHandler types must match " + JobEvent.TYPE_PATTERN + ": " + invalid);
        }
        this.byType = grouped.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(
                        Map.Entry::getKey, e -> e.getValue().getFirst()));
    }

    public Optional<JobHandler> find(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    /** @throws IllegalStateException when no handler runs {@code type} (claims prevent this) */
    public JobHandler require(String type) {
        JobHandler handler = byType.get(type);
        if (handler == null) {
            throw new IllegalStateException("no JobHandler for type '" + type + "' on this worker");
        }
        return handler;
    }

    public boolean handles(String type) {
        return byType.containsKey(type);
    }

    /** The types this worker claims. */
    public Set<String> types() {
        return byType.keySet();
    }
}
