package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.store.Submission;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /jobs:batch}. Items without idempotency, unique or order key and without a fan-in
 * batch (the common bulk) cannot conflict with anything: they go in with one statement for the
 * whole request ({@link JobSubmitter#submitPlain}). Items whose only key is an idempotency key (no
 * concurrency key either) go in with a second statement, rows in key order so that concurrent
 * requests with overlapping keys queue instead of deadlocking ({@link
 * JobSubmitter#submitIdempotent}). Each other item is submitted
 * on its own, exactly as {@code POST /jobs} would submit it (one statement: the job, its history row
 * and its outbox row, or nothing), so a bad item costs only itself and a duplicate returns the job
 * that holds its key; one all-or-nothing statement per keyed item keeps concurrent bulk requests with
 * overlapping keys from deadlocking on each other's uncommitted rows. If the database refuses a value
 * of the plain group, its items are submitted one at a time too.
 */
public class BulkSubmitter {
    private static final Logger log = LoggerFactory.getLogger(BulkSubmitter.class);
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
        BulkItemResult[] results = new BulkItemResult[jobs.size()];
        SubmitJobRequest[] requests = new SubmitJobRequest[jobs.size()];
        List<Integer> plain = new ArrayList<>();
        List<Integer> idempotent = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            try {
                requests[i] = reader.readItem(jobs.get(i), JobArray.item(i));
                if (JobSubmitter.plain(requests[i])) {
                    plain.add(i);
                } else if (JobSubmitter.idempotentOnly(requests[i])) {
                    idempotent.add(i);
                }
            } catch (ProblemException refused) {
                // this item's answer; the others go on
                results[i] = BulkItemResult.of(i, refused);
            }
        }
        if (plain.size() > 1) {
            try {
                // items without keys cannot conflict with anything: one statement for all of them
                List<Submitted> stored = submitter.submitPlain(
                        plain.stream().map(i -> requests[i]).toList());
                for (int k = 0; k < plain.size(); k++) {
                    results[plain.get(k)] = BulkItemResult.of(plain.get(k), stored.get(k));
                }
            } catch (DataIntegrityViolationException refused) {
                // a value the database refuses: each item on its own below, so it costs only itself
                log.info(
                        "a plain bulk of {} jobs was refused ({}); submitting them one at a time",
                        plain.size(),
                        refused.getMostSpecificCause().getMessage());
            }
        }
        if (idempotent.size() > 1) {
            submitIdempotent(idempotent, requests, results);
        }
        for (int i = 0; i < jobs.size(); i++) {
            if (results[i] != null) {
                continue;
            }
            String path = JobArray.item(i);
            try {
                results[i] = BulkItemResult.of(i, submitter.submit(requests[i], path + "."));
            } catch (ProblemException refused) {
                results[i] = BulkItemResult.of(i, refused);
            }
        }
        return BulkSubmitResponse.of(List.of(results));
    }

    /**
     * Items with an idempotency key and nothing else that could conflict: one statement, rows in key
     * order. Each answered as {@code POST /jobs} would answer it; an item whose key's holder was gone
     * when read, or a group the database refused, is left to the one-at-a-time loop.
     */
    private void submitIdempotent(List<Integer> items, SubmitJobRequest[] requests, BulkItemResult[] results) {
        List<Submission> stored;
        try {
            stored = submitter.submitIdempotent(
                    items.stream().map(i -> requests[i]).toList());
        } catch (DataIntegrityViolationException refused) {
            log.info(
                    "a bulk of {} idempotency-keyed jobs was refused ({}); submitting them one at a time",
                    items.size(),
                    refused.getMostSpecificCause().getMessage());
            return;
        }
        for (int k = 0; k < items.size(); k++) {
            int i = items.get(k);
            if (stored.get(k) == null) {
                continue; // its key's holder was gone when read: on its own below
            }
            try {
                results[i] = BulkItemResult.of(i, submitter.answer(stored.get(k), requests[i], JobArray.item(i) + "."));
            } catch (ProblemException refused) {
                results[i] = BulkItemResult.of(i, refused);
            }
        }
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
