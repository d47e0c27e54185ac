package dev.jobfleet.producer.api.limits;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.producer.api.JsonFields;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.store.ConcurrencyLimits;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reads {@code PUT /concurrency-limits/{key}}: the key from the path and {@code maxRunning} from the body. */
final class LimitRequestReader {
    static final List<String> FIELDS = List.of("maxRunning");

    private LimitRequestReader() {}

    /**
     * @return the new limit
     * @throws ProblemException 400 naming {@code key} and every body field at fault
     */
    static int read(String key, JsonNode body) {
        JsonFields.requireObject(body, "maxRunning");
        List<FieldError> errors = new ArrayList<>();
        checkKey(key, errors);
        JsonFields fields = new JsonFields(body, "", errors);
        fields.refuseUnknown(FIELDS);
        Integer maxRunning = fields.integer("maxRunning");
        if (maxRunning == null && !fields.failed("maxRunning")) {
            fields.error("maxRunning", "is required");
        } else if (maxRunning != null && (maxRunning < 1 || maxRunning > ConcurrencyLimits.MAX_LIMIT)) {
            fields.error("maxRunning", "must be between 1 and " + ConcurrencyLimits.MAX_LIMIT);
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return maxRunning;
    }

    /** @throws ProblemException 400 naming {@code key} when no job could have it as its concurrency key */
    static void checkKey(String key) {
        List<FieldError> errors = new ArrayList<>();
        checkKey(key, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }

    private static void checkKey(String key, List<FieldError> errors) {
        String problem = JsonFields.keyProblem(key);
        if (problem != null) {
            errors.add(new FieldError("key", problem));
        }
    }
}
