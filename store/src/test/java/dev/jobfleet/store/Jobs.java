package dev.jobfleet.store;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Test fixtures: job events and bulk submission. */
public final class Jobs {
    private Jobs() {}

    public static JobEvent event(String type) {
        return new JobEvent(JobIds.next(), type, JobCodec.mapper().createObjectNode(), null, null, null, null, null);
    }

    public static JobEvent event(String type, int maxAttempts) {
        return new JobEvent(
                JobIds.next(), type, JobCodec.mapper().createObjectNode(), null, null, maxAttempts, null, null);
    }

    /**
     * The reaper's rescue of the expired runs, then their backoff skipped: the rescued jobs are
     * PENDING again, as the retry promoter makes them once due. Returns what the reaper did.
     */
    public static java.util.Map<UUID, dev.jobfleet.model.JobState> rescueNow(
            JobRepository repository, javax.sql.DataSource dataSource) {
        java.util.Map<UUID, dev.jobfleet.model.JobState> rescued = repository.rescueExpired(100, "reaper");
        org.springframework.jdbc.core.simple.JdbcClient.create(dataSource)
                .sql("UPDATE jobs SET run_at = now() - interval '1 second' WHERE state = 'RETRY_SCHEDULED'")
                .update();
        repository.promoteDueRetries(100, "promoter");
        return rescued;
    }

    /** Submits {@code n} pending jobs of {@code type} and returns their ids. */
    public static List<UUID> submit(JobRepository repository, String type, int n) {
        List<UUID> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(repository.submit(event(type), "test").job().id());
        }
        return ids;
    }
}
