package dev.jobfleet.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * One job to run, as it travels on {@link Topics#JOBS} keyed by {@link #id()}. The producer's
 * outbox publishes it; a Kafka-first producer may publish it directly, and the worker then inserts
 * the job if it does not exist yet. Optional fields are {@code null} when not given; {@link
 * #withDefaults()} fills them in.
 *
 * @param id job id, the record key
 * @param type handler name, {@value #TYPE_PATTERN_TEXT}
 * @param payload handler input, any JSON value; {@code {}} when absent
 * @param priority 0 (claimed first) to 9 (claimed last)
 * @param runAt not claimed before this instant; {@code null} = now
 * @param maxAttempts attempts before the job is {@link JobState#DEAD}
 * @param concurrencyKey jobs sharing a key share its concurrency limit
 * @param idempotencyKey at most one job per key, however often it is submitted
 */
public record JobEvent(
        UUID id,
        String type,
        JsonNode payload,
        Integer priority,
        Instant runAt,
        Integer maxAttempts,
        String concurrencyKey,
        String idempotencyKey) {

    public static final int MIN_PRIORITY = 0;
    public static final int MAX_PRIORITY = 9;
    public static final int DEFAULT_PRIORITY = 0;
    public static final int DEFAULT_MAX_ATTEMPTS = 20;
    public static final int MAX_MAX_ATTEMPTS = 1000;
    public static final int MAX_KEY_LENGTH = 255;
    static final String TYPE_PATTERN_TEXT = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}";
    public static final Pattern TYPE_PATTERN = Pattern.compile(TYPE_PATTERN_TEXT);

    /** The same event with every optional field set to its default. */
    public JobEvent withDefaults() {
        return new JobEvent(
                id,
                type,
                payload == null || payload.isNull() ? JsonNodeFactory.instance.objectNode() : payload,
                Objects.requireNonNullElse(priority, DEFAULT_PRIORITY),
                runAt,
                Objects.requireNonNullElse(maxAttempts, DEFAULT_MAX_ATTEMPTS),
                concurrencyKey,
                idempotencyKey);
    }

    /** Every field that breaks the contract, with the reason; empty when the event is valid. */
    public List<FieldError> validate() {
        List<FieldError> errors = new ArrayList<>();
        if (id == null) {
            errors.add(new FieldError("id", "is required"));
        }
        errors.addAll(validateSpec(type, priority, maxAttempts, concurrencyKey, idempotencyKey));
        validateRunAt(runAt).ifPresent(errors::add);
        return errors;
    }

    /** The earliest and latest {@code runAt} accepted: PostgreSQL stores far more, people mean less. */
    public static final Instant MIN_RUN_AT = Instant.parse("2000-01-01T00:00:00Z");

    public static final Instant MAX_RUN_AT = Instant.parse("9999-12-31T23:59:59Z");

    /** An error for a {@code runAt} outside [{@link #MIN_RUN_AT}, {@link #MAX_RUN_AT}]; null is fine (now). */
    public static java.util.Optional<FieldError> validateRunAt(Instant runAt) {
        if (runAt != null && (runAt.isBefore(MIN_RUN_AT) || runAt.isAfter(MAX_RUN_AT))) {
            return java.util.Optional.of(
                    new FieldError("runAt", "must be between " + MIN_RUN_AT + " and " + MAX_RUN_AT));
        }
        return java.util.Optional.empty();
    }

    /** The rules shared by the HTTP API and Kafka-first events, for the fields they have in common. */
    public static List<FieldError> validateSpec(
            String type, Integer priority, Integer maxAttempts, String concurrencyKey, String idempotencyKey) {
        List<FieldError> errors = new ArrayList<>();
        if (type == null || type.isBlank()) {
            errors.add(new FieldError("type", "is required"));
        } else if (!TYPE_PATTERN.matcher(type).matches()) {
            errors.add(new FieldError("type", "must match " + TYPE_PATTERN_TEXT));
        }
        if (priority != null && (priority < MIN_PRIORITY || priority > MAX_PRIORITY)) {
            errors.add(new FieldError("priority", "must be between " + MIN_PRIORITY + " and " + MAX_PRIORITY));
        }
        if (maxAttempts != null && (maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS)) {
            errors.add(new FieldError("maxAttempts", "must be between 1 and " + MAX_MAX_ATTEMPTS));
        }
        checkKey(errors, "concurrencyKey", concurrencyKey);
        checkKey(errors, "idempotencyKey", idempotencyKey);
        return errors;
    }

    private static void checkKey(List<FieldError> errors, String field, String key) {
        if (key == null) {
            return;
        }
        if (key.isBlank()) {
            errors.add(new FieldError(field, "must not be blank"));
        } else if (key.length() > MAX_KEY_LENGTH) {
            errors.add(new FieldError(field, "must be at most " + MAX_KEY_LENGTH + " characters"));
        }
    }
}
