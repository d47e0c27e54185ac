package dev.jobfleet.worker.maintenance;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.Retention;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import net.javacrumbs.shedlock.core.LockAssert;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the job tables bounded: each run deletes finished jobs past their state's age (with their
 * history, logs and demo audit rows), finished batches whose children are gone, and order-key
 * sequences and concurrency-key gates no job needs any more ({@link Retention}). Work is done in batches of {@code batch}
 * rows, one short transaction each, at most {@code batchesPerRun} per kind and run, oldest first;
 * a backlog (retention switched on over a large table) is worked off over the following runs
 * without holding a transaction or a lock for long. One instance at a time (ShedLock).
 */
public class RetentionChore {
    /** The bean name, which {@link #lockAtLeastFor()} is read through. */
    public static final String BEAN = "retentionChore";

    public static final String LOCK = "jobfleet-retention";
    private static final Logger log = LoggerFactory.getLogger(RetentionChore.class);

    private final Retention retention;
    private final WorkerMetrics metrics;
    private final WorkerProperties.Retention settings;

    public RetentionChore(Retention retention, WorkerMetrics metrics, WorkerProperties.Retention settings) {
        this.retention = retention;
        this.metrics = metrics;
        this.settings = settings;
    }

    /** One run: every kind, up to its budget of batches. */
    @SchedulerLock(
            name = LOCK,
            lockAtMostFor = "#{@" + BEAN + ".lockAtMostFor()}",
            lockAtLeastFor = "#{@" + BEAN + ".lockAtLeastFor()}")
    public void run() {
        LockAssert.assertLocked();
        long started = System.nanoTime();
        Map<String, Integer> deleted = new LinkedHashMap<>();
        for (Map.Entry<JobState, Duration> age : Map.of(
                        JobState.SUCCEEDED, settings.succeeded(),
                        JobState.CANCELLED, settings.cancelled(),
                        JobState.DEAD, settings.dead())
                .entrySet()) {
            JobState state = age.getKey();
            int n = drain(() -> retention.purgeJobs(state, age.getValue(), settings.batch()));
            metrics.retained("jobs", state.name(), n);
            deleted.put(state.name() + " jobs", n);
        }
        int batches = drain(() -> retention.purgeBatches(settings.batches(), settings.batch()));
        metrics.retained("batches", "", batches);
        deleted.put("batches", batches);
        int keys = drain(() -> retention.purgeOrderKeys(settings.batch()));
        metrics.retained("order_keys", "", keys);
        deleted.put("order-key sequences", keys);
        int gates = drain(() -> retention.purgeGates(settings.batch()));
        metrics.retained("concurrency_keys", "", gates);
        deleted.put("concurrency-key gates", gates);
        if (deleted.values().stream().anyMatch(n -> n > 0)) {
            log.info(
                    "retention deleted {} in {} ms",
                    deleted,
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
    }

    /** Repeats one kind's delete while it fills its batch, up to the run's budget. */
    private int drain(IntSupplier purge) {
        int total = 0;
        for (int i = 0; i < settings.batchesPerRun(); i++) {
            int n = purge.getAsInt();
            total += n;
            if (n < settings.batch()) {
                break;
            }
        }
        return total;
    }

    /** See {@link MaintenanceConfiguration#lockAtMostFor(Duration)}. */
    public String lockAtMostFor() {
        return MaintenanceConfiguration.lockAtMostFor(settings.interval());
    }

    /** See {@link MaintenanceConfiguration#lockAtLeastFor(Duration)}. */
    public String lockAtLeastFor() {
        return MaintenanceConfiguration.lockAtLeastFor(settings.interval());
    }
}
