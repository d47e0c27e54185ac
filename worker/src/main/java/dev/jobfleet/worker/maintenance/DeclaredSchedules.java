package dev.jobfleet.worker.maintenance;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.store.Schedules;
import dev.jobfleet.store.Schedules.InvalidScheduleException;
import dev.jobfleet.store.Schedules.Schedule;
import dev.jobfleet.worker.WorkerProperties.ScheduleSettings;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Writes the schedules declared under {@code jobfleet.worker.schedules} to the database when the
 * worker starts. A declaration that is wrong fails startup with the property that is wrong.
 *
 * <p>A schedule stored exactly as declared is left alone: writing it again would move its next
 * tick past now, and a tick that was due but not yet enqueued when a pod restarted would be lost.
 * Instances racing to write a changed declaration write the same row; the tick's idempotency key
 * still makes at most one job per tick.
 */
public final class DeclaredSchedules implements InitializingBean {
    static final String PREFIX = "jobfleet.worker.schedules";

    private static final Logger log = LoggerFactory.getLogger(DeclaredSchedules.class);

    private final Schedules schedules;
    private final Map<String, ScheduleSettings> declared;

    public DeclaredSchedules(Schedules schedules, Map<String, ScheduleSettings> declared) {
        this.schedules = schedules;
        this.declared = new TreeMap<>(declared);
    }

    @Override
    public void afterPropertiesSet() {
        declareAll();
    }

    /**
     * Creates or updates every declared schedule.
     *
     * @throws IllegalArgumentException naming the property of the first declaration that is wrong
     */
    public List<Schedule> declareAll() {
        List<Schedule> stored = declared.entrySet().stream()
                .map(e -> declare(e.getKey(), e.getValue()))
                .toList();
        if (!stored.isEmpty()) {
            log.info(
                    "recurring schedules declared: {}",
                    stored.stream()
                            .map(s -> s.name() + " '" + s.cron() + "' -> " + s.type())
                            .toList());
        }
        return stored;
    }

    private Schedule declare(String name, ScheduleSettings settings) {
        JsonNode payload = payload(name, settings.payload());
        Optional<Schedule> current = schedules.find(name);
        if (current.isPresent() && unchanged(current.get(), settings, payload)) {
            return current.get();
        }
        try {
            return schedules.upsert(
                    name,
                    settings.cron(),
                    settings.zone(),
                    settings.type(),
                    payload,
                    settings.priority(),
                    settings.enabled());
        } catch (InvalidScheduleException e) {
            String property = "name".equals(e.field()) ? property(name) : property(name) + "." + e.field();
            throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode payload(String name, String text) {
        if (text == null || text.isBlank()) {
            return JobCodec.mapper().createObjectNode();
        }
        try {
            return JobCodec.mapper().readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    property(name) + ".payload: payload is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static boolean unchanged(Schedule stored, ScheduleSettings declared, JsonNode payload) {
        return stored.nextTick() != null
                && Objects.equals(stored.cron(), declared.cron())
                && Objects.equals(stored.zone(), declared.zone())
                && Objects.equals(stored.type(), declared.type())
                && Objects.equals(stored.payload(), payload)
                && stored.priority() == declared.priority()
                && stored.enabled() == declared.enabled();
    }

    /** The property of a schedule; a name with dots goes in brackets, as Spring Boot binds it. */
    static String property(String name) {
        return name.contains(".") ? PREFIX + "[" + name + "]" : PREFIX + "." + name;
    }
}
