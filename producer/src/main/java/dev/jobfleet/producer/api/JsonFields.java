package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.InputRules;
import dev.jobfleet.model.JobEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * Reads the fields of one JSON object and collects what is wrong with them, so that a request is
 * refused naming every field at fault at once. Every string it returns, and every JSON value taken
 * whole ({@link #any}, {@link #object}), is one PostgreSQL can store ({@link InputRules}): a U+0000
 * or an unpaired surrogate is a field error here, never a database error later. Each getter returns {@code null} when the field is
 * absent, JSON {@code null}, or of the wrong JSON type (then an error is added). Field names in
 * errors carry the object's {@code prefix}, e.g. {@code jobs[3].priority}.
 */
public final class JsonFields {
    private final JsonNode object;
    private final String prefix;
    private final List<FieldError> errors;

    /**
     * @param object a JSON object
     * @param prefix put before every field name in errors; {@code ""} at the top level
     * @param errors where errors go; shared by the readers of one request
     */
    public JsonFields(JsonNode object, String prefix, List<FieldError> errors) {
        if (object == null || !object.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + object);
        }
        this.object = object;
        this.prefix = prefix;
        this.errors = errors;
    }

    /**
     * Refuses a body that is missing or not a JSON object, naming {@code requiredField}: the field
     * a caller must send first.
     *
     * @throws ProblemException 400
     */
    public static void requireObject(JsonNode body, String requiredField) {
        if (body == null || body.isMissingNode() || body.isNull()) {
            throw new ProblemException(
                    Problem.INVALID_REQUEST,
                    "The request has no body; send a JSON object with at least \"" + requiredField + "\".",
                    new FieldError(requiredField, "is required"));
        }
        if (!body.isObject()) {
            throw new ProblemException(
                    Problem.INVALID_REQUEST,
                    "The body must be a JSON object, not " + typeName(body) + ".",
                    new FieldError(requiredField, "is required"));
        }
    }

    /** An error for every field not in {@code known}. */
    public void refuseUnknown(Collection<String> known) {
        for (String name : object.propertyNames()) {
            if (!known.contains(name)) {
                error(InputRules.printable(name), "is not a known field; known fields are " + String.join(", ", known));
            }
        }
    }

    /** Whether the field is present with a value other than JSON {@code null}. */
    public boolean has(String field) {
        JsonNode node = object.get(field);
        return node != null && !node.isNull();
    }

    /**
     * The field as it is, any JSON value, with an error for each string, key or number in it that
     * PostgreSQL would refuse; {@code null} when absent or JSON {@code null}.
     */
    public JsonNode any(String field) {
        JsonNode node = raw(field);
        if (node != null) {
            errors.addAll(InputRules.jsonProblems(path(field), node));
        }
        return node;
    }

    private JsonNode raw(String field) {
        return has(field) ? object.get(field) : null;
    }

    public String string(String field) {
        JsonNode node = raw(field);
        if (node == null) {
            return null;
        }
        if (!node.isString()) {
            error(field, "must be a string, not " + describe(node));
            return null;
        }
        var problem = InputRules.textProblem(node.stringValue());
        if (problem.isPresent()) {
            error(field, problem.get());
            return null;
        }
        return node.stringValue();
    }

    /** A string used as a key: not blank, at most {@value JobEvent#MAX_KEY_LENGTH} characters. */
    public String key(String field) {
        String key = string(field);
        if (key == null) {
            return null;
        }
        String problem = keyProblem(key);
        if (problem != null) {
            error(field, problem);
            return null;
        }
        return key;
    }

    /** Why {@code key} cannot be a key, or {@code null} when it can ({@link InputRules#keyProblem}). */
    public static String keyProblem(String key) {
        return InputRules.keyProblem(key).orElse(null);
    }

    public Integer integer(String field) {
        JsonNode node = raw(field);
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            error(field, "must be an integer, not " + describe(node));
            return null;
        }
        return node.intValue();
    }

    public Boolean bool(String field) {
        JsonNode node = raw(field);
        if (node == null) {
            return null;
        }
        if (!node.isBoolean()) {
            error(field, "must be true or false, not " + describe(node));
            return null;
        }
        return node.booleanValue();
    }

    /** An ISO-8601 instant with a zone or offset, within {@link JobEvent#validateRunAt}'s range. */
    public Instant instant(String field) {
        String text = string(field);
        if (text == null) {
            return null;
        }
        Instant instant;
        try {
            instant = Instant.parse(text);
        } catch (DateTimeParseException e) {
            error(field, "must be an ISO-8601 instant with a zone or offset, e.g. 2030-01-01T09:30:00Z");
            return null;
        }
        var outOfRange = JobEvent.validateRunAt(instant);
        if (outOfRange.isPresent()) {
            error(field, outOfRange.get().message());
            return null;
        }
        return instant;
    }

    /** A JSON object taken whole, checked as {@link #any} is. */
    public JsonNode object(String field) {
        JsonNode node = rawObject(field);
        if (node != null) {
            errors.addAll(InputRules.jsonProblems(path(field), node));
        }
        return node;
    }

    private JsonNode rawObject(String field) {
        JsonNode node = raw(field);
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            error(field, "must be a JSON object, not " + describe(node));
            return null;
        }
        return node;
    }

    /**
     * The fields of the object in {@code field}, reported under {@code field.}; {@code null} when
     * absent or not an object (an error is added then). Its values are checked as they are read.
     */
    public JsonFields nested(String field) {
        JsonNode node = rawObject(field);
        return node == null ? null : new JsonFields(node, path(field) + ".", errors);
    }

    public JsonNode array(String field) {
        JsonNode node = raw(field);
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            error(field, "must be a JSON array, not " + describe(node));
            return null;
        }
        return node;
    }

    /** The field's name as errors show it. */
    public String path(String field) {
        return prefix + field;
    }

    public void error(String field, String message) {
        errors.add(new FieldError(path(field), message));
    }

    /** Whether an error names this field already. */
    public boolean failed(String field) {
        String path = path(field);
        return errors.stream().anyMatch(e -> e.field().equals(path));
    }

    /** A short description of a JSON value for error messages: its type and its first characters. */
    public static String describe(JsonNode node) {
        String text = InputRules.printable(node.toString());
        return typeName(node) + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }

    private static String typeName(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
