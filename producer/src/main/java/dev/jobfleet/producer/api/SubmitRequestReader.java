package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Turns the JSON body of {@code POST /jobs} into a {@link SubmitJobRequest}, or refuses it naming
 * every field at fault at once: unknown fields, wrong JSON types, and the rules shared with
 * Kafka-first events ({@link JobEvent#validateSpec}). A valid request whose payload is over the
 * size limit is refused next, with 413.
 */
public class SubmitRequestReader {
    /** The body's fields, in the order the docs list them. */
    static final List<String> FIELDS =
            List.of("type", "payload", "idempotencyKey", "priority", "runAt", "maxAttempts", "concurrencyKey");

    private static final Set<String> KNOWN = Set.copyOf(FIELDS);

    private final int maxPayloadBytes;

    public SubmitRequestReader(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * @param body the parsed body; {@code null} when the request had none
     * @param headerKey the {@code Idempotency-Key} header, or {@code null}
     * @return the request, with the idempotency key from the header or the field, and the payload
     *     defaulted to {@code {}}
     * @throws ProblemException 400 naming every invalid field, or 413 for a payload over the limit
     */
    public SubmitJobRequest read(JsonNode body, String headerKey) {
        if (body == null || body.isMissingNode()) {
            throw new ProblemException(
                    Problem.INVALID_REQUEST,
                    "The request has no body; send a JSON object with at least \"type\".",
                    new FieldError("type", "is required"));
        }
        if (!body.isObject()) {
            throw new ProblemException(
                    Problem.INVALID_REQUEST,
                    "The body must be a JSON object, not "
                            + body.getNodeType().name().toLowerCase(Locale.ROOT) + ".",
                    new FieldError("type", "is required"));
        }
        List<FieldError> errors = new ArrayList<>();
        for (String name : body.propertyNames()) {
            if (!KNOWN.contains(name)) {
                errors.add(new FieldError(name, "is not a known field; known fields are " + String.join(", ", FIELDS)));
            }
        }
        String type = string(body, "type", errors);
        String fieldKey = string(body, "idempotencyKey", errors);
        Integer priority = integer(body, "priority", errors);
        Instant runAt = instant(body, "runAt", errors);
        Integer maxAttempts = integer(body, "maxAttempts", errors);
        String concurrencyKey = string(body, "concurrencyKey", errors);
        String idempotencyKey = idempotencyKey(fieldKey, headerKey, errors);
        Set<String> faulty = errors.stream().map(FieldError::field).collect(Collectors.toSet());
        for (FieldError e : JobEvent.validateSpec(type, priority, maxAttempts, concurrencyKey, idempotencyKey)) {
            if (!faulty.contains(e.field())) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.INVALID_REQUEST, summary(errors), errors);
        }
        JsonNode payload = body.get("payload");
        if (payload == null || payload.isNull()) {
            payload = JsonNodeFactory.instance.objectNode();
        }
        checkSize(payload);
        return new SubmitJobRequest(type, payload, idempotencyKey, priority, runAt, maxAttempts, concurrencyKey);
    }

    private void checkSize(JsonNode payload) {
        int size = JobCodec.mapper().writeValueAsBytes(payload).length;
        if (size > maxPayloadBytes) {
            throw new ProblemException(
                    Problem.PAYLOAD_TOO_LARGE,
                    "The payload is " + size + " bytes serialized; the limit is " + maxPayloadBytes + ".",
                    new FieldError("payload", "must be at most " + maxPayloadBytes + " bytes serialized, is " + size));
        }
    }

    private static String idempotencyKey(String fieldKey, String headerKey, List<FieldError> errors) {
        if (fieldKey != null && headerKey != null && !fieldKey.equals(headerKey)) {
            errors.add(new FieldError(
                    "idempotencyKey",
                    "differs from the Idempotency-Key header; send the key once, or the same key in both"));
            return null;
        }
        return fieldKey != null ? fieldKey : headerKey;
    }

    private static String string(JsonNode body, String field, List<FieldError> errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            errors.add(new FieldError(field, "must be a string, not " + describe(node)));
            return null;
        }
        return node.stringValue();
    }

    private static Integer integer(JsonNode body, String field, List<FieldError> errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            errors.add(new FieldError(field, "must be an integer, not " + describe(node)));
            return null;
        }
        return node.intValue();
    }

    private static Instant instant(JsonNode body, String field, List<FieldError> errors) {
        String text = string(body, field, errors);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(
                    field, "must be an ISO-8601 instant with a zone or offset, e.g. 2030-01-01T09:30:00Z"));
            return null;
        }
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        return node.getNodeType().name().toLowerCase(Locale.ROOT) + " "
                + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }

    private static String summary(List<FieldError> errors) {
        return (errors.size() == 1 ? "1 field is invalid: " : errors.size() + " fields are invalid: ")
                + errors.stream().map(FieldError::toString).collect(Collectors.joining("; "))
                + ".";
    }
}
