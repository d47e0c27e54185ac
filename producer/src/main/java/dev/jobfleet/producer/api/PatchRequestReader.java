package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code PATCH /jobs/{id}}: the body ({@link PatchJobRequest}) and the {@code If-Match}
 * header naming the version the caller read. Body errors and a malformed {@code If-Match} are one
 * 400 naming them all; a missing {@code If-Match} is 428 (a change without the version it was
 * based on could overwrite a change the caller never saw).
 */
public class PatchRequestReader {
    static final List<String> FIELDS = List.of("priority", "runAt", "metadata");
    static final String IF_MATCH = "If-Match";

    /** One strong entity tag as {@code GET /jobs/{id}} sends it: the version in quotes. */
    private static final Pattern ETAG = Pattern.compile("\"(\\d{1,18})\"");

    private final SubmitRequestReader sizes;

    public PatchRequestReader(SubmitRequestReader sizes) {
        this.sizes = sizes;
    }

    /** A valid patch and the version it applies to. */
    public record Patch(PatchJobRequest request, long version) {}

    /**
     * @throws ProblemException 400 naming every field at fault (and {@code If-Match} when
     *     malformed), 428 when {@code If-Match} is missing, 413 for metadata over the size limit
     */
    public Patch read(JsonNode body, String ifMatch) {
        JsonFields.requireObject(body, "priority");
        List<FieldError> errors = new ArrayList<>();
        JsonFields fields = new JsonFields(body, "", errors);
        fields.refuseUnknown(FIELDS);
        for (String name : FIELDS) {
            if (body.has(name) && body.get(name).isNull()) {
                fields.error(name, "cannot be null: a job always has it, PATCH can change it but not remove it");
            }
        }
        if (FIELDS.stream().noneMatch(fields::has) && errors.isEmpty()) {
            FIELDS.forEach(name -> fields.error(name, "or another of " + String.join(", ", FIELDS) + " is required"));
        }
        Integer priority = fields.integer("priority");
        if (priority != null && (priority < JobEvent.MIN_PRIORITY || priority > JobEvent.MAX_PRIORITY)) {
            fields.error("priority", "must be between " + JobEvent.MIN_PRIORITY + " and " + JobEvent.MAX_PRIORITY);
        }
        Instant runAt = fields.instant("runAt");
        JsonNode metadata = fields.object("metadata");
        if (metadata != null) {
            for (Map.Entry<String, JsonNode> entry : metadata.properties()) {
                if (entry.getValue().isNull()) {
                    fields.error(
                            "metadata." + dev.jobfleet.model.InputRules.printable(entry.getKey()),
                            "cannot be null: in a merge patch null removes a key, and metadata keys cannot be"
                                    + " removed");
                }
            }
        }
        Long version = version(ifMatch, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        if (metadata != null) {
            sizes.checkSize("metadata", metadata);
        }
        if (version == null) {
            throw new ProblemException(
                    Problem.PRECONDITION_REQUIRED,
                    "PATCH needs If-Match with the ETag you read from GET /jobs/{id}, so that it cannot overwrite a"
                            + " change you have not seen.",
                    new FieldError(IF_MATCH, "is required"));
        }
        return new Patch(new PatchJobRequest(priority, runAt, metadata), version);
    }

    private static Long version(String ifMatch, List<FieldError> errors) {
        if (ifMatch == null) {
            return null;
        }
        Matcher tag = ETAG.matcher(ifMatch.strip());
        if (!tag.matches()) {
            errors.add(new FieldError(
                    IF_MATCH,
                    "must be the one ETag read from GET /jobs/{id}, e.g. \"3\"; * and weak tags are refused"));
            return null;
        }
        return Long.parseLong(tag.group(1));
    }
}
