package dev.jobfleet.producer.api.batches;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.producer.api.JobArray;
import dev.jobfleet.producer.api.JsonFields;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.producer.api.SubmitJobRequest;
import dev.jobfleet.producer.api.SubmitRequestReader;
import dev.jobfleet.store.Batches;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Reads {@code POST /batches}, refusing the whole batch naming every field at fault at once
 * (children's fields as {@code jobs[3].priority}): a batch is created with all its children or
 * not at all.
 */
public class BatchRequestReader {
    static final List<String> FIELDS = List.of("jobs", "policy", "callback");
    static final List<String> CALLBACK_FIELDS = List.of("type", "payload");

    private final SubmitRequestReader jobs;
    private final int maxBatchSize;

    public BatchRequestReader(SubmitRequestReader jobs, int maxBatchSize) {
        this.jobs = jobs;
        this.maxBatchSize = maxBatchSize;
    }

    /** @throws ProblemException 400 naming every field at fault, 413 for too many children or a payload too large */
    NewBatch read(JsonNode body) {
        JsonFields.requireObject(body, JobArray.FIELD);
        List<FieldError> errors = new ArrayList<>();
        JsonFields fields = new JsonFields(body, "", errors);
        fields.refuseUnknown(FIELDS);
        JsonNode children = JobArray.read(fields, maxBatchSize);
        Batches.Policy policy = policy(fields);
        CallbackSpec callback = callback(fields);
        List<SubmitJobRequest> requests = new ArrayList<>();
        if (children != null) {
            for (int i = 0; i < children.size(); i++) {
                requests.add(jobs.readChild(children.get(i), JobArray.item(i), errors));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        for (int i = 0; i < requests.size(); i++) {
            jobs.checkSizes(requests.get(i), JobArray.item(i) + ".");
        }
        if (callback != null) {
            jobs.checkSize("callback.payload", callback.payload());
        }
        return new NewBatch(
                policy,
                callback == null ? null : new Batches.Callback(callback.type(), callback.payload()),
                requests.stream().map(BatchRequestReader::event).toList());
    }

    private static Batches.Policy policy(JsonFields fields) {
        String name = fields.string("policy");
        if (name == null) {
            return Batches.Policy.COMPLETE_ALWAYS;
        }
        for (Batches.Policy policy : Batches.Policy.values()) {
            if (policy.name().equals(name)) {
                return policy;
            }
        }
        fields.error(
                "policy",
                "must be one of "
                        + Arrays.stream(Batches.Policy.values()).map(Enum::name).collect(Collectors.joining(", "))
                        + ", not '" + name + "'");
        return null;
    }

    private record CallbackSpec(String type, JsonNode payload) {}

    private static CallbackSpec callback(JsonFields fields) {
        JsonFields callback = fields.nested("callback");
        if (callback == null) {
            return null;
        }
        callback.refuseUnknown(CALLBACK_FIELDS);
        String type = callback.string("type");
        if (type == null && !callback.failed("type")) {
            callback.error("type", "is required");
        } else if (type != null && !JobEvent.TYPE_PATTERN.matcher(type).matches()) {
            callback.error("type", "must match " + JobEvent.TYPE_PATTERN.pattern());
        }
        JsonNode payload = callback.any("payload");
        return new CallbackSpec(type, payload == null ? JsonNodeFactory.instance.objectNode() : payload);
    }

    private static JobEvent event(SubmitJobRequest child) {
        return new JobEvent(
                JobIds.next(),
                child.type(),
                child.payload(),
                child.priority(),
                child.runAt(),
                child.maxAttempts(),
                child.concurrencyKey(),
                null,
                child.timeoutMs());
    }
}
