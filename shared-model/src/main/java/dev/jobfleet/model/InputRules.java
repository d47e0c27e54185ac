package dev.jobfleet.model;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * What every value from outside must be for PostgreSQL to store it, checked before anything is
 * written: one implementation for the HTTP API and for the worker's decoder of Kafka-first events
 * ({@link JobEvent#validate()}), so a value refused by one is refused by the other, as a named field
 * error rather than a database error (SQLState 22P05, 22021, 22003).
 *
 * <ul>
 *   <li>Text ({@code text} columns, and every string and object key in {@code jsonb}): no U+0000
 *       and no unpaired UTF-16 surrogate. PostgreSQL refuses the first; the second cannot be
 *       encoded in UTF-8 at all.
 *   <li>Numbers in JSON: finite, at most {@value #MAX_INTEGER_DIGITS} digits before the decimal
 *       point and {@value #MAX_FRACTION_DIGITS} after it, PostgreSQL {@code numeric}'s limits.
 *   <li>Keys (idempotency, concurrency, unique and order keys): not blank, at most {@value
 *       JobEvent#MAX_KEY_LENGTH} characters; an idempotency key may not start with a prefix the
 *       system derives its own keys from ({@link #RESERVED_KEY_PREFIXES}).
 * </ul>
 */
public final class InputRules {
    /** Digits before the decimal point that PostgreSQL's {@code numeric} (and so {@code jsonb}) holds. */
    public static final int MAX_INTEGER_DIGITS = 131_072;

    /** Digits after the decimal point that PostgreSQL's {@code numeric} holds. */
    public static final int MAX_FRACTION_DIGITS = 16_383;

    /** At most this many errors are reported for one JSON value: enough to fix it, never a huge problem body. */
    public static final int MAX_JSON_ERRORS = 10;

    /**
     * Idempotency keys the system makes itself; a client holding one could take a tick's place.
     * Schedules: {@code schedule:<name>:<tick>} ({@link #scheduleKey}).
     */
    public static final List<String> RESERVED_KEY_PREFIXES = List.of("schedule:");

    private InputRules() {}

    /** The idempotency key of a schedule's job for one tick: one job per tick, however many instances race. */
    public static String scheduleKey(String scheduleName, long tickEpochSecond) {
        return "schedule:" + scheduleName + ":" + tickEpochSecond;
    }

    /** Why PostgreSQL cannot store {@code text}, or empty when it can. */
    public static Optional<String> textProblem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return Optional.of("must not contain U+0000 (at character " + i + ")");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return Optional.of("must not contain an unpaired UTF-16 surrogate (at character " + i + ")");
            }
            if (Character.isLowSurrogate(c)) {
                return Optional.of("must not contain an unpaired UTF-16 surrogate (at character " + i + ")");
            }
        }
        return Optional.empty();
    }

    /** Why {@code key} cannot be a key (idempotency, concurrency, unique or order key), or empty. */
    public static Optional<String> keyProblem(String key) {
        if (key.isBlank()) {
            return Optional.of("must not be blank");
        }
        if (key.length() > JobEvent.MAX_KEY_LENGTH) {
            return Optional.of("must be at most " + JobEvent.MAX_KEY_LENGTH + " characters");
        }
        return textProblem(key);
    }

    /** Why a client may not use {@code key} as an idempotency key, or empty when it may. */
    public static Optional<String> idempotencyKeyProblem(String key) {
        Optional<String> problem = keyProblem(key);
        if (problem.isPresent()) {
            return problem;
        }
        for (String prefix : RESERVED_KEY_PREFIXES) {
            if (key.startsWith(prefix)) {
                return Optional.of("must not start with '" + prefix + "': jobfleet makes keys with that prefix itself");
            }
        }
        return Optional.empty();
    }

    /** Whether the system made {@code key} itself (a schedule's tick). */
    public static boolean isReservedKey(String key) {
        return key != null && RESERVED_KEY_PREFIXES.stream().anyMatch(key::startsWith);
    }

    /**
     * Every string, object key and number in {@code value} that PostgreSQL's {@code jsonb} would
     * refuse, named by its path under {@code field} (e.g. {@code payload.items[3].name}); at most
     * {@value #MAX_JSON_ERRORS}.
     */
    public static List<FieldError> jsonProblems(String field, JsonNode value) {
        List<FieldError> errors = new ArrayList<>();
        walk(field, value, errors);
        return errors;
    }

    private static void walk(String path, JsonNode node, List<FieldError> errors) {
        if (errors.size() >= MAX_JSON_ERRORS || node == null) {
            return;
        }
        if (node.isString()) {
            textProblem(node.stringValue()).ifPresent(p -> errors.add(new FieldError(path, p)));
        } else if (node.isNumber()) {
            numberProblem(node).ifPresent(p -> errors.add(new FieldError(path, p)));
        } else if (node.isArray()) {
            int i = 0;
            for (JsonNode element : node) {
                walk(path + "[" + i++ + "]", element, errors);
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                String name = entry.getKey();
                Optional<String> keyProblem = textProblem(name);
                String child = path + "." + printable(name);
                if (keyProblem.isPresent()) {
                    errors.add(new FieldError(child, "has a name that " + keyProblem.get()));
                    if (errors.size() >= MAX_JSON_ERRORS) {
                        return;
                    }
                }
                walk(child, entry.getValue(), errors);
            }
        }
    }

    /** Why a JSON number cannot be stored in {@code jsonb}, or empty. */
    static Optional<String> numberProblem(JsonNode number) {
        if ((number.isDouble() || number.isFloat()) && !Double.isFinite(number.doubleValue())) {
            return Optional.of("must be a finite number");
        }
        if (number.isBigDecimal()) {
            return decimalProblem(number.decimalValue());
        }
        if (number.isBigInteger()) {
            return decimalProblem(new BigDecimal(number.bigIntegerValue()));
        }
        if (number.isDouble() || number.isFloat()) {
            return decimalProblem(new BigDecimal(Double.toString(number.doubleValue())));
        }
        return Optional.empty();
    }

    private static Optional<String> decimalProblem(BigDecimal value) {
        long integerDigits = (long) value.precision() - value.scale();
        long fractionDigits = Math.max(value.scale(), 0);
        if (integerDigits > MAX_INTEGER_DIGITS || fractionDigits > MAX_FRACTION_DIGITS) {
            return Optional.of("must have at most " + MAX_INTEGER_DIGITS + " digits before the decimal point and "
                    + MAX_FRACTION_DIGITS + " after it");
        }
        return Optional.empty();
    }

    /** A field name as errors show it: control characters and unpaired surrogates escaped. */
    public static String printable(String name) {
        StringBuilder out = new StringBuilder(Math.min(name.length(), 80));
        for (int i = 0; i < name.length() && out.length() < 80; i++) {
            char c = name.charAt(i);
            boolean pairedHigh = Character.isHighSurrogate(c)
                    && i + 1 < name.length()
                    && Character.isLowSurrogate(name.charAt(i + 1));
            if (Character.isISOControl(c) || (Character.isSurrogate(c) && !pairedHigh)) {
                out.append(String.format("\\u%04X", (int) c));
            } else if (pairedHigh) {
                out.append(c).append(name.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.length() >= 80 ? out + "..." : out.toString();
    }
}
