package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobOptions;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Turns a JSON job object into a {@link SubmitJobRequest}, or refuses it naming every field at
 * fault at once: unknown fields, wrong JSON types, and the rules shared with Kafka-first events
 * ({@link JobEvent#validateSpec}). A valid request whose payload or metadata is over the size
 * limit is refused next, with 413. The same rules serve {@code POST /jobs}, each item of {@code
 * POST /jobs:batch} and each child of {@code POST /batches}.
 */
public class SubmitRequestReader {
    /** The fields of a job object, in the order the docs list them. */
    static final List<String> FIELDS = List.of(
            "type",
            "payload",
            "idempotencyKey",
            "priority",
            "runAt",
            "maxAttempts",
            "timeoutMs",
            "concurrencyKey",
            "uniqueKey",
            "uniqueStates",
            "orderKey",
            "metadata");

    /**
     * The fields a child of a fan-in batch may have. Keys that can return an existing job are
     * refused: an existing job cannot join a batch, so the batch would finish without it.
     */
    public static final List<String> CHILD_FIELDS =
            List.of("type", "payload", "priority", "runAt", "maxAttempts", "timeoutMs", "concurrencyKey");

    private final int maxPayloadBytes;

    public SubmitRequestReader(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * The body of {@code POST /jobs}.
     *
     * @param body the parsed body; {@code null} when the request had none
     * @param headerKey the {@code Idempotency-Key} header, or {@code null}
     * @return the request, with the idempotency key from the header or the field, and the payload
     *     defaulted to {@code {}}
     * @throws ProblemException 400 naming every invalid field, or 413 for a payload or metadata over the limit
     */
    public SubmitJobRequest read(JsonNode body, String headerKey) {
        JsonFields.requireObject(body, "type");
        return readValid(body, "", headerKey);
    }

    /**
     * One item of a bulk submission; errors name fields under {@code itemPath}, e.g. {@code
     * jobs[3].priority}.
     *
     * @throws ProblemException as {@link #read}
     */
    public SubmitJobRequest readItem(JsonNode item, String itemPath) {
        if (item == null || !item.isObject()) {
            throw ProblemException.invalid(List.of(new FieldError(
                    itemPath, "must be a JSON object, not " + (item == null ? "missing" : JsonFields.describe(item)))));
        }
        return readValid(item, itemPath + ".", null);
    }

    /**
     * One child of a fan-in batch: only {@link #CHILD_FIELDS}. Adds its errors (fields under
     * {@code childPath}) to {@code errors} and returns {@code null} when it has any; sizes are
     * checked by {@link #checkSizes}, once every child is known to be well-formed.
     */
    public SubmitJobRequest readChild(JsonNode child, String childPath, List<FieldError> errors) {
        if (child == null || !child.isObject()) {
            errors.add(new FieldError(
                    childPath,
                    "must be a JSON object, not " + (child == null ? "missing" : JsonFields.describe(child))));
            return null;
        }
        List<FieldError> own = new ArrayList<>();
        JsonFields fields = new JsonFields(child, childPath + ".", own);
        for (String name : child.propertyNames()) {
            if (FIELDS.contains(name) && !CHILD_FIELDS.contains(name)) {
                fields.error(name, "is not allowed on a batch child: a child is always a new job of its batch");
            }
        }
        fields.refuseUnknown(FIELDS);
        SubmitJobRequest request = parse(fields, null);
        errors.addAll(own);
        return own.isEmpty() ? request : null;
    }

    /**
     * @throws ProblemException 413 when the payload or the metadata is over the limit; {@code path}
     *     is put before the field names ({@code ""} or e.g. {@code jobs[3].})
     */
    public void checkSizes(SubmitJobRequest request, String path) {
        checkSize(path + "payload", request.payload());
        if (request.metadata() != null) {
            checkSize(path + "metadata", request.metadata());
        }
    }

    /**
     * @throws ProblemException 413 when {@code value} serialized is over the payload limit. Numbers
     *     count with every digit written out, as PostgreSQL prints them back ({@code 1e100000} is
     *     100,001 bytes, not 7), so a small body cannot become a huge answer.
     */
    public void checkSize(String field, JsonNode value) {
        long size = plainSize(value);
        if (size > maxPayloadBytes) {
            throw new ProblemException(
                    Problem.PAYLOAD_TOO_LARGE,
                    "The " + field + " is " + size + " bytes serialized; the limit is " + maxPayloadBytes + ".",
                    new FieldError(field, "must be at most " + maxPayloadBytes + " bytes serialized, is " + size));
        }
    }

    /**
     * The bytes of {@code value} serialized compactly, with every decimal number counted as its plain
     * digits ({@code 1E+5} as 100000): what PostgreSQL prints when the value is read back.
     */
    static long plainSize(JsonNode value) {
        long size = JobCodec.mapper().writeValueAsBytes(value).length;
        return size + plainExtra(value);
    }

    private static long plainExtra(JsonNode node) {
        if (node.isBigDecimal()) {
            BigDecimal number = node.decimalValue();
            return plainLength(number) - number.toString().length();
        }
        long extra = 0;
        if (node.isContainer()) {
            for (JsonNode child : node) {
                extra += plainExtra(child);
            }
        }
        return extra;
    }

    /** The length of {@link BigDecimal#toPlainString()}, without building it (the exponent may be huge). */
    private static long plainLength(BigDecimal number) {
        long digits = number.unscaledValue().abs().toString().length();
        long scale = number.scale();
        long sign = number.signum() < 0 ? 1 : 0;
        if (scale <= 0) {
            return sign + digits - scale;
        }
        return sign + (scale >= digits ? 2 + scale : digits + 1);
    }

    private SubmitJobRequest readValid(JsonNode object, String prefix, String headerKey) {
        List<FieldError> errors = new ArrayList<>();
        JsonFields fields = new JsonFields(object, prefix, errors);
        fields.refuseUnknown(FIELDS);
        SubmitJobRequest request = parse(fields, headerKey);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        checkSizes(request, prefix);
        return request;
    }

    /** Reads every field, adding errors to the fields' list; the result is meaningless if any were added. */
    private static SubmitJobRequest parse(JsonFields fields, String headerKey) {
        String type = fields.string("type");
        String fieldKey = fields.string("idempotencyKey");
        Integer priority = fields.integer("priority");
        Instant runAt = fields.instant("runAt");
        Integer maxAttempts = fields.integer("maxAttempts");
        Integer timeoutMs = fields.integer("timeoutMs");
        JobEvent.validateTimeoutMs(timeoutMs).ifPresent(e -> {
            if (!fields.failed(e.field())) {
                fields.error(e.field(), e.message());
            }
        });
        String concurrencyKey = fields.string("concurrencyKey");
        String uniqueKey = fields.key("uniqueKey");
        Set<JobState> uniqueStates = uniqueStates(fields);
        String orderKey = fields.key("orderKey");
        JsonNode metadata = fields.object("metadata");
        String idempotencyKey = idempotencyKey(fields, fieldKey, headerKey);
        for (FieldError e : JobEvent.validateSpec(type, priority, maxAttempts, concurrencyKey, idempotencyKey)) {
            if (!fields.failed(e.field())) {
                fields.error(e.field(), e.message());
            }
        }
        JsonNode payload = fields.any("payload");
        if (payload == null) {
            payload = JsonNodeFactory.instance.objectNode();
        }
        return new SubmitJobRequest(
                type,
                payload,
                idempotencyKey,
                priority,
                runAt,
                maxAttempts,
                concurrencyKey,
                uniqueKey,
                uniqueStates,
                orderKey,
                metadata,
                timeoutMs);
    }

    /**
     * The states must include the ones a job can move back into PENDING from (RUNNING,
     * RETRY_SCHEDULED) and PENDING itself: otherwise a retry or a rescue could move a job into a
     * state where another job holds the key, and the worker's statement would fail on the
     * database's unique index instead of the submission being refused here.
     */
    private static Set<JobState> uniqueStates(JsonFields fields) {
        JsonNode array = fields.array("uniqueStates");
        if (array == null) {
            return null;
        }
        if (!fields.has("uniqueKey")) {
            fields.error("uniqueStates", "is only allowed with uniqueKey");
            return null;
        }
        Set<JobState> states = EnumSet.noneOf(JobState.class);
        List<String> unknown = new ArrayList<>();
        for (JsonNode element : array) {
            JobState state = element.isString() ? state(element.stringValue()) : null;
            if (state == null) {
                unknown.add(element.toString());
            } else {
                states.add(state);
            }
        }
        if (!unknown.isEmpty()) {
            fields.error(
                    "uniqueStates",
                    "has " + String.join(", ", unknown) + ", which "
                            + (unknown.size() == 1 ? "is not a state" : "are not states") + "; states are "
                            + Arrays.stream(JobState.values()).map(Enum::name).collect(Collectors.joining(", ")));
            return null;
        }
        if (!states.containsAll(JobOptions.DEFAULT_UNIQUE_STATES)) {
            fields.error(
                    "uniqueStates",
                    "must include PENDING, RUNNING and RETRY_SCHEDULED: a job can move back to PENDING from"
                            + " the other two, and would collide with the job holding the key");
            return null;
        }
        return states;
    }

    private static JobState state(String name) {
        for (JobState state : JobState.values()) {
            if (state.name().equals(name)) {
                return state;
            }
        }
        return null;
    }

    private static String idempotencyKey(JsonFields fields, String fieldKey, String headerKey) {
        if (fieldKey != null && headerKey != null && !fieldKey.equals(headerKey)) {
            fields.error(
                    "idempotencyKey",
                    "differs from the Idempotency-Key header; send the key once, or the same key in both");
            return null;
        }
        return fieldKey != null ? fieldKey : headerKey;
    }
}
