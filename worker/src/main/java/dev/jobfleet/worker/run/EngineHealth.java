package dev.jobfleet.worker.run;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The worker's liveness beyond "the JVM answers": DOWN when more handlers are stuck than {@code
 * jobfleet.worker.max-stuck-handlers} (Kubernetes then restarts the pod; the process's death ends
 * the stuck threads, their leases expire and the reaper rescues their jobs safely), when the poll
 * thread died, or when a periodic task (heartbeat, poller, relay) ended its last run in an Error.
 */
public final class EngineHealth implements HealthIndicator {
    private final WorkerEngine worker;
    private final int maxStuck;

    public EngineHealth(WorkerEngine worker, int maxStuck) {
        this.worker = worker;
        this.maxStuck = maxStuck;
    }

    @Override
    public Health health() {
        RunEngine engine = worker.engine();
        int stuck = engine.stuckHandlers();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("stuckHandlers", stuck);
        details.put("maxStuckHandlers", maxStuck);
        details.put("busySlots", engine.busySlots());
        details.put("queuedRuns", engine.queuedRuns());
        details.put("inFlightRuns", engine.inFlightRuns());
        details.put("paused", worker.consumer().isPaused());
        Health.Builder health = Health.up();
        if (stuck > maxStuck) {
            health = Health.down();
            details.put("reason", stuck + " stuck handlers, more than " + maxStuck);
        }
        if (worker.isRunning() && !worker.consumer().isAlive()) {
            health = Health.down();
            details.put(
                    "reason",
                    "the poll thread is not running: " + worker.consumer().failure());
        }
        for (PeriodicTask task : worker.tasks()) {
            if (task.lastError() != null) {
                health = Health.down();
                details.put("reason", task.name() + " failed with " + task.lastError());
            }
        }
        return health.withDetails(details).build();
    }
}
