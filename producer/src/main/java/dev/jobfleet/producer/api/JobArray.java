package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import tools.jackson.databind.JsonNode;

/** The {@code jobs} array of a request that submits many jobs at once: {@code POST /jobs:batch} and {@code POST /batches}. */
public final class JobArray {
    public static final String FIELD = "jobs";

    private JobArray() {}

    /**
     * @return the array of 1 to {@code max} items, or {@code null} with an error added when it is
     *     missing, not an array or empty
     * @throws ProblemException 413 when it has more than {@code max} items
     */
    public static JsonNode read(JsonFields fields, int max) {
        if (!fields.has(FIELD)) {
            fields.error(FIELD, "is required");
            return null;
        }
        JsonNode jobs = fields.array(FIELD);
        if (jobs == null) {
            return null;
        }
        if (jobs.isEmpty()) {
            fields.error(FIELD, "must have at least one job");
            return null;
        }
        if (jobs.size() > max) {
            throw new ProblemException(
                    Problem.BATCH_TOO_LARGE,
                    "The request has " + jobs.size() + " jobs; at most " + max + " are accepted at once."
                            + " Nothing was stored; split it.",
                    new FieldError(fields.path(FIELD), "must have at most " + max + " jobs, has " + jobs.size()));
        }
        return jobs;
    }

    /** The name of item {@code index} in errors, e.g. {@code jobs[3]}. */
    public static String item(int index) {
        return FIELD + "[" + index + "]";
    }
}
