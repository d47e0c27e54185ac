package dev.jobfleet.producer.api.schedules;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.producer.api.JsonFields;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.producer.api.SubmitRequestReader;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.springframework.scheduling.support.CronExpression;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Reads {@code PUT /schedules/{name}}, naming every field at fault at once. The store checks the
 * same rules again ({@code Schedules.InvalidScheduleException}, one field at a time) and knows
 * one more: a cron that never fires.
 */
public class ScheduleRequestReader {
    static final List<String> FIELDS = List.of("cron", "zone", "type", "payload", "priority", "enabled");

    private final SubmitRequestReader sizes;

    public ScheduleRequestReader(SubmitRequestReader sizes) {
        this.sizes = sizes;
    }

    /** @throws ProblemException 400 naming {@code name} and every body field at fault; 413 for a payload too large */
    ScheduleRequest read(String name, JsonNode body) {
        JsonFields.requireObject(body, "cron");
        List<FieldError> errors = new ArrayList<>();
        if (!JobEvent.TYPE_PATTERN.matcher(name).matches()) {
            errors.add(new FieldError("name", "must match " + JobEvent.TYPE_PATTERN.pattern()));
        }
        JsonFields fields = new JsonFields(body, "", errors);
        fields.refuseUnknown(FIELDS);
        String cron = required(fields, "cron");
        if (cron != null) {
            try {
                CronExpression.parse(cron);
            } catch (IllegalArgumentException e) {
                fields.error(
                        "cron", "is not a cron expression (second minute hour day month weekday): " + e.getMessage());
            }
        }
        String zone = fields.string("zone");
        if (zone != null) {
            try {
                ZoneId.of(zone);
            } catch (DateTimeException e) {
                fields.error("zone", "is not a time zone: " + e.getMessage());
            }
        }
        String type = required(fields, "type");
        Integer priority = fields.integer("priority");
        Boolean enabled = fields.bool("enabled");
        for (FieldError e : JobEvent.validateSpec(type, priority, null, null, null)) {
            if (!fields.failed(e.field())) {
                fields.error(e.field(), e.message());
            }
        }
        JsonNode payload = fields.any("payload");
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        if (payload == null) {
            payload = JsonNodeFactory.instance.objectNode();
        }
        sizes.checkSize("payload", payload);
        return new ScheduleRequest(
                cron,
                zone == null ? "UTC" : zone,
                type,
                payload,
                priority == null ? JobEvent.DEFAULT_PRIORITY : priority,
                enabled == null || enabled);
    }

    private static String required(JsonFields fields, String field) {
        String value = fields.string(field);
        if (value == null && !fields.failed(field)) {
            fields.error(field, "is required");
        }
        return value;
    }
}
