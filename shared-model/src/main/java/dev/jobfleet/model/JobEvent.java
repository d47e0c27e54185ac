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
 * @param timeoutMs this job's time limit for one run, in milliseconds, over its type's ({@code
 *     jobfleet.worker.handlers.<type>.timeout}); {@code null} = the type's
 */
public record JobEvent(
        UUID id,
        String type,
        JsonNode payload,
        Integer priority,
        Instant runAt,
        Integer maxAttempts,
        String concurrencyKey,
        String idempotencyKey,
        Integer timeoutMs) {

    public static final int MIN_PRIORITY = 0;
    public static final int MAX_PRIORITY = 9;
    public static final int DEFAULT_PRIORITY = 0;
    public static final int DEFAULT_MAX_ATTEMPTS = 20;
    public static final int MAX_MAX_ATTEMPTS = 1000;
    public static final int MAX_KEY_LENGTH = 255;
    static final String TYPE_PATTERN_TEXT = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}";
    public static final Pattern TYPE_PATTERN = Pattern.compile(TYPE_PATTERN_TEXT);
    /** The longest time limit a job may ask for: a week (leases are extended by heartbeat meanwhile). */
    public static final int MAX_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

    /** An event without its own time limit: the handler type's applies. */
    public JobEvent(
            UUID id,
            String type,
            JsonNode payload,
            Integer priority,
            Instant runAt,
            Integer maxAttempts,
            String concurrencyKey,
            String idempotencyKey) {
        this(id, type, payload, priority, runAt, maxAttempts, concurrencyKey, idempotencyKey, null);
    }

    /** The same event with its own time limit. */
    public JobEvent withTimeoutMs(Integer timeoutMs) {
        return new JobEvent(id, type, payload, priority, runAt, maxAttempts, concurrencyKey, idempotencyKey, timeoutMs);
    }

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
                idempotencyKey,
                timeoutMs);
    }

    /**
     * The same event as the outbox publishes it: without an idempotency key the system derived
     * itself ({@link InputRules#RESERVED_KEY_PREFIXES}). The job exists before its event is
     * published, so the key has done its work; and a worker refuses such keys from Kafka-first
     * producers, as the API does.
     */
    public JobEvent publishable() {
        return InputRules.isReservedKey(idempotencyKey)
                ? new JobEvent(id, type, payload, priority, runAt, maxAttempts, concurrencyKey, null)
                : this;
    }

    /**
     * Every field that breaks the contract, with the reason; empty when the event is valid. The
     * rules are the API's ({@link #validateSpec}, {@link InputRules}): a Kafka-first event that
     * the API would refuse is dead-lettered by the worker.
     */
    public List<FieldError> validate() {
        List<FieldError> errors = new ArrayList<>();
        if (id == null) {
            errors.add(new FieldError("id", "is required"));
        }
        errors.addAll(validateSpec(type, priority, maxAttempts, concurrencyKey, idempotencyKey));
        validateRunAt(runAt).ifPresent(errors::add);
        validateTimeoutMs(timeoutMs).ifPresent(errors::add);
        if (payload != null) {
            errors.addAll(InputRules.jsonProblems("payload", payload));
        }
        return errors;
    }

    /** An error for a time limit outside 1 ms .. {@link #MAX_TIMEOUT_MS}; null is fine (the type's). */
    public static java.util.Optional<FieldError> validateTimeoutMs(Integer timeoutMs) {
        if (timeoutMs != null && (timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)) {
            return java.util.Optional.of(new FieldError("timeoutMs", "must be between 1 and " + MAX_TIMEOUT_MS));
        }
        return java.util.Optional.empty();
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

    /**
     * The rules shared by the HTTP API and Kafka-first events, for the fields they have in common;
     * keys also follow {@link InputRules} (no U+0000, no reserved idempotency-key prefix).
     */
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
        if (concurrencyKey != null) {
            InputRules.keyProblem(concurrencyKey).ifPresent(p -> errors.add(new FieldError("concurrencyKey", p)));
        }
        if (idempotencyKey != null) {
            InputRules.idempotencyKeyProblem(idempotencyKey)
                    .ifPresent(p -> errors.add(new FieldError("idempotencyKey", p)));
        }
        return errors;
    }
}
