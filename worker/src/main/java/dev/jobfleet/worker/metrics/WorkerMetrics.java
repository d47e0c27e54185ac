package dev.jobfleet.worker.metrics;

import dev.jobfleet.model.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The worker's own meters. Names are Micrometer's dotted form; Prometheus shows them with
 * underscores ({@code jobfleet_jobs_finished_total}). Latencies publish histograms so that
 * percentiles can be computed across the fleet.
 */
public final class WorkerMetrics {
    private final MeterRegistry registry;
    private final Counter leaseLost;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.leaseLost = Counter.builder("jobfleet.jobs.lease.lost")
                .description("Runs whose lease was gone before their outcome was written")
                .register(registry);
    }

    /** An outcome was written: the state the job ended the run in. */
    public void finished(String type, JobState state) {
        Counter.builder("jobfleet.jobs.finished")
                .description("Runs whose outcome was written, by the state the job moved to")
                .tag("type", type)
                .tag("state", state.name())
                .register(registry)
                .increment();
    }

    public void leaseLost() {
        leaseLost.increment();
    }

    public void deadLettered(String reason) {
        Counter.builder("jobfleet.dead_letters")
                .description("Kafka records sent to the dead-letter topic")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    public void rescued(JobState state, long count) {
        Counter.builder("jobfleet.rescues")
                .description("Runs whose lease expired, taken back by the reaper, by the state they moved to")
                .tag("state", state.name())
                .register(registry)
                .increment(count);
    }

    /** One claim statement: how long it took and how many jobs it took. */
    public void claimed(String source, int count, Duration latency) {
        Timer.builder("jobfleet.claim.latency")
                .description("Time of one claim statement")
                .tag("source", source)
                .publishPercentileHistogram()
                .register(registry)
                .record(latency);
        Counter.builder("jobfleet.jobs.claimed")
                .description("Jobs claimed")
                .tag("source", source)
                .register(registry)
                .increment(count);
    }

    /** One handler invocation, whatever it returned. */
    public void ran(String type, Duration latency) {
        Timer.builder("jobfleet.run.latency")
                .description("Time a handler took for one run")
                .tag("type", type)
                .publishPercentileHistogram()
                .register(registry)
                .record(latency);
    }

    /** From the job's creation to the write of a final outcome. */
    public void endToEnd(String type, Duration latency) {
        Timer.builder("jobfleet.job.end_to_end")
                .description("Time from job creation to its final state")
                .tag("type", type)
                .publishPercentileHistogram()
                .register(registry)
                .record(latency);
    }
}
