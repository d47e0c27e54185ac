package dev.jobfleet.worker.metrics;

import dev.jobfleet.model.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * The worker's own meters. Names are Micrometer's dotted form; Prometheus shows them with
 * underscores ({@code jobfleet_jobs_finished_total}). Latencies publish histograms so that
 * percentiles can be computed across the fleet.
 */
public final class WorkerMetrics {
    private final MeterRegistry registry;
    private final Counter leaseLost;
    private final Counter outcomeWriteFailures;
    private final Counter commits;
    private final Timer flushes;
    private final DistributionSummary flushSize;
    private final Timer heartbeats;
    private final Timer recordAge;
    private final Timer intake;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.leaseLost = Counter.builder("jobfleet.jobs.lease.lost")
                .description("Runs whose lease was gone before their outcome was written")
                .register(registry);
        this.outcomeWriteFailures = Counter.builder("jobfleet.outcomes.write.failures")
                .description("Group writes of outcomes that failed and were retried (database unreachable)")
                .register(registry);
        this.commits = Counter.builder("jobfleet.kafka.commits")
                .description("Partition watermarks committed to Kafka")
                .register(registry);
        this.flushes = Timer.builder("jobfleet.outcomes.flush")
                .description("One group write of outcomes and hand-backs")
                .publishPercentileHistogram()
                .register(registry);
        this.flushSize = DistributionSummary.builder("jobfleet.outcomes.flush.size")
                .description("Completions written per group write")
                .register(registry);
        this.heartbeats = Timer.builder("jobfleet.heartbeat")
                .description("One lease extension statement for every run held")
                .register(registry);
        this.recordAge = Timer.builder("jobfleet.kafka.record.age")
                .description("Age of a job event when a poll returned it (its timestamp to the poll)")
                .publishPercentileHistogram()
                .register(registry);
        this.intake = Timer.builder("jobfleet.intake")
                .description("One polled batch through the intake: decode, insert and claim, hand to the run stage")
                .publishPercentileHistogram()
                .register(registry);
    }

    /** The run stage's gauges: busy handler slots, runs waiting for a slot, runs held, stuck handlers. */
    public void engineGauges(IntSupplier busy, IntSupplier queued, IntSupplier inFlight, IntSupplier stuck) {
        Gauge.builder("jobfleet.worker.handlers.busy", busy::getAsInt)
                .description("Handler slots taken by a live handler thread (stuck ones included)")
                .register(registry);
        Gauge.builder("jobfleet.worker.runs.queued", queued::getAsInt)
                .description("Claimed runs waiting for a handler slot")
                .register(registry);
        Gauge.builder("jobfleet.worker.runs.in_flight", inFlight::getAsInt)
                .description("Runs held by this worker: queued, running, or waiting for their outcome to be written")
                .register(registry);
        Gauge.builder("jobfleet.worker.stuck_handlers", stuck::getAsInt)
                .description("Handlers asked to stop (time limit, lost lease, shutdown) that have not returned")
                .register(registry);
    }

    /** The poll thread's gauges: records read and not settled, and whether consumption is paused. */
    public void consumerGauges(IntSupplier unsettled, IntSupplier paused) {
        Gauge.builder("jobfleet.kafka.unsettled_records", unsettled::getAsInt)
                .description("Records read from Kafka whose job is not yet settled: their offsets are not committed")
                .register(registry);
        Gauge.builder("jobfleet.kafka.paused", paused::getAsInt)
                .description("1 while this worker's partitions are paused (no room for another batch, or stopping)")
                .register(registry);
    }

    /**
     * Rows retention deleted: {@code what} is {@code jobs} (tagged with the finished state),
     * {@code batches}, {@code order_keys} or {@code concurrency_keys}.
     */
    public void retained(String what, String state, int deleted) {
        Counter.builder("jobfleet.retention.deleted")
                .description(
                        "Rows deleted by retention (jobs with their history and logs, batches, order-key sequences, concurrency-key gates)")
                .tag("what", what)
                .tag("state", state)
                .register(registry)
                .increment(deleted);
    }

    /** A handler ran past its time limit and was interrupted. */
    public void timedOut(String type) {
        Counter.builder("jobfleet.jobs.timeouts")
                .description("Runs interrupted because they passed their time limit")
                .tag("type", type)
                .register(registry)
                .increment();
    }

    public void outcomesFlushed(int size, Duration took) {
        flushes.record(took);
        flushSize.record(size);
    }

    public void outcomeWriteFailed() {
        outcomeWriteFailures.increment();
    }

    public void committed(int partitions) {
        commits.increment(partitions);
    }

    public void heartbeat(int runs, Duration took) {
        heartbeats.record(took);
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

    /**
     * A polled record's age: from its timestamp (the producer's send time, or the broker's append
     * time on a topic set to LogAppendTime) to the poll that returned it. How long job events wait
     * in Kafka before a worker sees them, which consumer lag in records does not say.
     */
    public void polled(Duration age) {
        recordAge.record(age.isNegative() ? Duration.ZERO : age);
    }

    /** One polled batch through the intake: decode, insert and claim, hand to the run stage. */
    public void intake(Duration latency) {
        intake.record(latency);
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
