package dev.jobfleet.store;

import dev.jobfleet.model.InputRules;
import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.support.CronExpression;
import tools.jackson.databind.JsonNode;

/**
 * Recurring jobs: a cron schedule enqueues exactly one job per tick across any number of
 * instances, because the job's idempotency key is {@code schedule:<name>:<tick epoch second>} (the
 * database's unique constraint decides, not a leader's memory). After downtime a schedule catches
 * up one missed tick, not all of them: the tick that was due is enqueued, and the next tick is the
 * first one after now. Time is the database's.
 */
public class Schedules {
    /** A schedule as stored. {@code nextTick} is when it enqueues next. */
    public record Schedule(
            String name,
            String cron,
            String zone,
            String type,
            JsonNode payload,
            int priority,
            boolean enabled,
            Instant nextTick,
            UUID lastJobId,
            Instant createdAt,
            Instant updatedAt) {}

    private final JdbcClient jdbc;
    private final JobRepository jobs;

    public Schedules(DataSource dataSource, JobRepository jobs) {
        this.jdbc = JdbcClient.create(dataSource);
        this.jobs = jobs;
    }

    /**
     * Create or replace a schedule; its next tick is the first one after the database's now.
     *
     * @throws IllegalArgumentException naming the field that is wrong (cron, zone, type, priority)
     */
    public Schedule upsert(
            String name, String cron, String zone, String type, JsonNode payload, int priority, boolean enabled) {
        if (name == null || !JobEvent.TYPE_PATTERN.matcher(name).matches()) {
            throw new InvalidScheduleException("name", "must match " + JobEvent.TYPE_PATTERN.pattern());
        }
        List<dev.jobfleet.model.FieldError> errors = JobEvent.validateSpec(type, priority, null, null, null);
        if (!errors.isEmpty()) {
            throw new InvalidScheduleException(
                    errors.get(0).field(), errors.get(0).message());
        }
        CronExpression expression = parse(cron);
        ZoneId zoneId = zone(zone);
        Instant next = next(expression, zoneId, now());
        return jdbc.sql(ScheduleSql.UPSERT)
                .params(
                        name,
                        cron,
                        zoneId.getId(),
                        type,
                        JobCodec.mapper()
                                .writeValueAsString(
                                        payload == null ? JobCodec.mapper().createObjectNode() : payload),
                        priority,
                        enabled,
                        OffsetDateTime.ofInstant(next, ZoneOffset.UTC))
                .query(SCHEDULE)
                .single();
    }

    public Optional<Schedule> find(String name) {
        return jdbc.sql(ScheduleSql.FIND).param(name).query(SCHEDULE).optional();
    }

    public List<Schedule> list() {
        return jdbc.sql(ScheduleSql.LIST).query(SCHEDULE).list();
    }

    public boolean delete(String name) {
        return jdbc.sql(ScheduleSql.DELETE).param(name).update() == 1;
    }

    /**
     * Enqueue the job of every due schedule and move each to its next tick. Safe to run on any
     * number of instances at once: a tick makes one job whoever gets there first.
     *
     * @return how many jobs this call created (a tick another instance enqueued counts for it)
     */
    public int enqueueDue(int limit) {
        int created = 0;
        Instant now = now();
        for (Schedule s : jdbc.sql(ScheduleSql.DUE).param(limit).query(SCHEDULE).list()) {
            JobEvent event = new JobEvent(
                    JobIds.next(),
                    s.type(),
                    s.payload(),
                    s.priority(),
                    null,
                    null,
                    null,
                    InputRules.scheduleKey(s.name(), s.nextTick().getEpochSecond()));
            Submission submission = jobs.submit(event, "schedule:" + s.name());
            if (submission.created()) {
                created++;
            }
            Instant next = next(parse(s.cron()), zone(s.zone()), now);
            jdbc.sql(ScheduleSql.ADVANCE)
                    .params(
                            OffsetDateTime.ofInstant(next, ZoneOffset.UTC),
                            submission.job().id(),
                            s.name(),
                            OffsetDateTime.ofInstant(s.nextTick(), ZoneOffset.UTC))
                    .update();
        }
        return created;
    }

    private Instant now() {
        return jdbc.sql(ScheduleSql.NOW).query(OffsetDateTime.class).single().toInstant();
    }

    private static CronExpression parse(String cron) {
        try {
            return CronExpression.parse(cron);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidScheduleException(
                    "cron", "is not a cron expression (second minute hour day month weekday): " + e.getMessage());
        }
    }

    private static ZoneId zone(String zone) {
        try {
            return zone == null ? ZoneOffset.UTC : ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new InvalidScheduleException("zone", "is not a time zone: " + zone);
        }
    }

    private static Instant next(CronExpression cron, ZoneId zone, Instant after) {
        ZonedDateTime next = cron.next(after.atZone(zone));
        if (next == null) {
            throw new InvalidScheduleException("cron", "never fires");
        }
        return next.toInstant();
    }

    /** A schedule field that is wrong, and why. */
    public static final class InvalidScheduleException extends IllegalArgumentException {
        private final String field;

        public InvalidScheduleException(String field, String message) {
            super(field + " " + message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    private static final RowMapper<Schedule> SCHEDULE = (rs, n) -> new Schedule(
            rs.getString("name"),
            rs.getString("cron"),
            rs.getString("zone"),
            rs.getString("type"),
            JobRepository.json(rs, "payload"),
            rs.getInt("priority"),
            rs.getBoolean("enabled"),
            JobRepository.instant(rs, "next_tick"),
            rs.getObject("last_job_id", UUID.class),
            JobRepository.instant(rs, "created_at"),
            JobRepository.instant(rs, "updated_at"));
}
