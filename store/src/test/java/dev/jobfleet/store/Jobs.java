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

    /** Submits {@code n} pending jobs of {@code type} and returns their ids. */
    public static List<UUID> submit(JobRepository repository, String type, int n) {
        List<UUID> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(repository.submit(event(type), "test").job().id());
        }
        return ids;
    }
}
