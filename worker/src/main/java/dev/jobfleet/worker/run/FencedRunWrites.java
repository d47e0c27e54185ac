package dev.jobfleet.worker.run;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.api.RunWrites;
import java.util.OptionalLong;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A run's writes to its own job through the store's fenced statements ({@code WHERE id = ? AND
 * state = 'RUNNING' AND claim_token = ?}). A write that changes nothing calls {@code onLost}: the
 * run no longer holds the job.
 */
final class FencedRunWrites implements RunWrites {
    private final JobRepository jobs;
    private final UUID jobId;
    private final UUID token;
    private final Runnable onLost;

    FencedRunWrites(JobRepository jobs, UUID jobId, UUID token, Runnable onLost) {
        this.jobs = jobs;
        this.jobId = jobId;
        this.token = token;
        this.onLost = onLost;
    }

    @Override
    public boolean mergeMetadata(JsonNode patch) {
        return held(jobs.mergeMetadata(jobId, token, patch));
    }

    @Override
    public OptionalLong increment(String counter, long n) {
        OptionalLong value = jobs.incrementCounter(jobId, token, counter, n);
        held(value.isPresent());
        return value;
    }

    @Override
    public boolean appendLog(JsonNode entry) {
        return held(jobs.appendLog(jobId, token, entry));
    }

    private boolean held(boolean written) {
        if (!written) {
            onLost.run();
        }
        return written;
    }
}
