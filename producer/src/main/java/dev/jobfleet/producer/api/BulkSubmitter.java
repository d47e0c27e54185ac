package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /jobs:batch}: each item is submitted on its own, exactly as {@code POST /jobs} would
 * submit it (one statement: the job, its history row and its outbox row, or nothing), so a bad item
 * costs only itself and a duplicate returns the job that holds its key. Items are not one
 * transaction: one all-or-nothing statement per item keeps concurrent bulk requests with
 * overlapping keys from deadlocking on each other's uncommitted rows.
 */
public class BulkSubmitter {
    private final SubmitRequestReader reader;
    private final JobSubmitter submitter;
    private final int maxBatchSize;

    public BulkSubmitter(SubmitRequestReader reader, JobSubmitter submitter, int maxBatchSize) {
        this.reader = reader;
        this.submitter = submitter;
        this.maxBatchSize = maxBatchSize;
    }

    /**
     * @param headerKey an {@code Idempotency-Key} header, which has no meaning here and is refused
     * @throws ProblemException 400 for a bad envelope, 413 for too many items; nothing was stored
     */
    public BulkSubmitResponse submit(JsonNode body, String headerKey) {
        JsonNode jobs = readEnvelope(body, headerKey);
        List<BulkItemResult> results = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            String path = JobArray.item(i);
            try {
                SubmitJobRequest request = reader.readItem(jobs.get(i), path);
                results.add(BulkItemResult.of(i, submitter.submit(request, path + ".")));
            } catch (ProblemException refused) {
                // this item's answer; the others go on
                results.add(BulkItemResult.of(i, refused));
            }
        }
        return BulkSubmitResponse.of(results);
    }

    private JsonNode readEnvelope(JsonNode body, String headerKey) {
        JsonFields.requireObject(body, JobArray.FIELD);
        List<FieldError> errors = new ArrayList<>();
        JsonFields fields = new JsonFields(body, "", errors);
        fields.refuseUnknown(List.of(JobArray.FIELD));
        if (headerKey != null) {
            errors.add(new FieldError(
                    "Idempotency-Key", "is not accepted for a bulk request; give each job its own idempotencyKey"));
        }
        JsonNode jobs = JobArray.read(fields, maxBatchSize);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return jobs;
    }
}
