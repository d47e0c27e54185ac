package dev.jobfleet.worker;

import dev.jobfleet.model.Backoff;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The worker's settings, {@code jobfleet.worker.*}.
 *
 * @param id names this worker in leases, history and the demo audit; default: host name, process
 *     id and a short random suffix, so that a restarted pod is a new worker
 * @param groupId Kafka consumer group of the fleet
 * @param concurrency handlers running at once in this worker
 * @param lease how long a claim holds a job without a heartbeat; heartbeats run every third of it
 * @param pollInterval how often the due-job poller looks for claimable jobs
 * @param maxPollRecords Kafka {@code max.poll.records}: the largest batch
 * @param maxPollInterval Kafka {@code max.poll.interval.ms}: the listener waits for its batch's
 *     handlers, so this must exceed the slowest batch
 * @param reaperInterval how often the lease reaper runs (on one instance at a time)
 * @param reaperBatch expired runs rescued per reaper run
 * @param retryPromoterInterval how often due retries are made pending (on one instance at a time)
 * @param retryPromoterBatch retries promoted per run
 * @param shutdownGrace how long shutdown waits for running handlers before releasing their jobs
 * @param queueMetricsInterval how often the queue depth gauges are read from the database
 * @param topicPartitions partitions of the jobs topic when the worker creates it
 * @param demoHandlers whether the demo handlers ({@code demo.noop}, {@code demo.sleep}, {@code
 *     demo.fail}) are registered
 * @param backoff retry delays when a handler does not name one
 * @param aging how waiting jobs climb in priority, so that low priorities never starve
 * @param schedulesInterval how often every instance enqueues the jobs of due recurring schedules
 * @param schedules recurring schedules declared in configuration, by name, upserted at startup
 */
@ConfigurationProperties("jobfleet.worker")
public record WorkerProperties(
        String id,
        @DefaultValue("jobfleet-workers") String groupId,
        @DefaultValue("16") int concurrency,
        @DefaultValue("30s") Duration lease,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("200") int maxPollRecords,
        @DefaultValue("10m") Duration maxPollInterval,
        @DefaultValue("5s") Duration reaperInterval,
        @DefaultValue("500") int reaperBatch,
        @DefaultValue("1s") Duration retryPromoterInterval,
        @DefaultValue("500") int retryPromoterBatch,
        @DefaultValue("30s") Duration shutdownGrace,
        @DefaultValue("5s") Duration queueMetricsInterval,
        @DefaultValue("6") int topicPartitions,
        @DefaultValue("true") boolean demoHandlers,
        @DefaultValue BackoffSettings backoff,
        @DefaultValue Aging aging,
        @DefaultValue("1s") Duration schedulesInterval,
        Map<String, ScheduleSettings> schedules) {

    public WorkerProperties {
        if (id == null || id.isBlank()) {
            id = defaultId();
        }
        requirePositive("concurrency", concurrency);
        requirePositive("max-poll-records", maxPollRecords);
        requirePositive("reaper-batch", reaperBatch);
        requirePositive("retry-promoter-batch", retryPromoterBatch);
        requirePositive("topic-partitions", topicPartitions);
        requirePositive("lease", lease);
        requirePositive("poll-interval", pollInterval);
        requirePositive("max-poll-interval", maxPollInterval);
        requirePositive("reaper-interval", reaperInterval);
        requirePositive("retry-promoter-interval", retryPromoterInterval);
        requirePositive("queue-metrics-interval", queueMetricsInterval);
        requirePositive("schedules-interval", schedulesInterval);
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("jobfleet.worker.shutdown-grace must be zero or more: " + shutdownGrace);
        }
        if (lease.toMillis() < 300) {
            throw new IllegalArgumentException("jobfleet.worker.lease must be at least 300ms: " + lease);
        }
        if (backoff == null) {
            backoff = new BackoffSettings(null, null, null, null);
        }
        if (aging == null) {
            aging = new Aging(Duration.ofSeconds(1), Duration.ofSeconds(60), 1000);
        }
        schedules = schedules == null ? Map.of() : Map.copyOf(schedules);
    }

    /** Heartbeats extend the leases three times per lease, so one missed beat loses nothing. */
    public Duration heartbeatInterval() {
        return lease.dividedBy(3);
    }

    /**
     * Retry delays: {@code base * 2^(attempt-1)} capped at {@code max}, spread by {@code ±jitter};
     * {@code types} overrides base and max per job type ({@code
     * jobfleet.worker.backoff.types[demo.fail].base=50ms}; the brackets keep the dots of the type).
     */
    public record BackoffSettings(Duration base, Duration max, Double jitter, Map<String, TypeBackoff> types) {
        public BackoffSettings {
            base = base == null ? Backoff.DEFAULT.base() : base;
            max = max == null ? Backoff.DEFAULT.max() : max;
            jitter = jitter == null ? Backoff.DEFAULT.jitter() : jitter;
            types = types == null ? Map.of() : Map.copyOf(types);
            // fields are assigned after this block: validate through the parameters
            backoff(null, base, max, jitter, types);
            for (String type : types.keySet()) {
                backoff(type, base, max, jitter, types);
            }
        }

        /** The backoff of types without an override. */
        public Backoff fallback() {
            return backoff(null, base, max, jitter, types);
        }

        public Backoff forType(String type) {
            return backoff(type, base, max, jitter, types);
        }

        private static Backoff backoff(
                String type, Duration base, Duration max, double jitter, Map<String, TypeBackoff> types) {
            TypeBackoff override = type == null ? null : types.get(type);
            String name = override == null ? "jobfleet.worker.backoff" : "jobfleet.worker.backoff.types[" + type + "]";
            Duration typeBase = override == null || override.base() == null ? base : override.base();
            Duration typeMax = override == null || override.max() == null ? max : override.max();
            try {
                return new Backoff(typeBase, typeMax, jitter);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
            }
        }
    }

    /** A job type's own backoff; an unset field takes the global value. */
    public record TypeBackoff(Duration base, Duration max) {}

    /**
     * Priority aging ({@code jobfleet.worker.aging.*}): a pending job's effective priority drops
     * one level (towards 0, claimed first) for every {@code step} it has waited since it was due.
     * A priority-9 job therefore reaches 0 at most {@code 9 x step + interval} after its {@code
     * runAt}; see {@link dev.jobfleet.worker.maintenance.PriorityAger}.
     *
     * @param interval how often the aging chore runs (on one instance at a time)
     * @param step the wait that lowers a job's effective priority by one level
     * @param batch jobs lowered per run of the chore
     */
    public record Aging(
            @DefaultValue("1s") Duration interval,
            @DefaultValue("60s") Duration step,
            @DefaultValue("1000") int batch) {
        public Aging {
            requirePositive("aging.interval", interval);
            requirePositive("aging.step", step);
            requirePositive("aging.batch", batch);
        }
    }

    /**
     * One recurring schedule, {@code jobfleet.worker.schedules.<name>.*} (a name with dots goes in
     * brackets: {@code schedules[nightly.report].cron}). Declared schedules are created or updated
     * at startup; a schedule removed from the configuration stays in the database until deleted.
     *
     * @param cron Spring cron, six fields with seconds: {@code "0 0 * * * *"} is hourly
     * @param type the job type each tick enqueues
     * @param payload the jobs' payload as a JSON text; {@code {}} when absent
     * @param priority the jobs' priority, 0 (first) to 9
     * @param zone the time zone the cron is read in
     * @param enabled a disabled schedule enqueues nothing
     */
    public record ScheduleSettings(
            String cron,
            String type,
            String payload,
            @DefaultValue("0") int priority,
            @DefaultValue("UTC") String zone,
            @DefaultValue("true") boolean enabled) {}

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("jobfleet.worker." + name + " must be positive: " + value);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("jobfleet.worker." + name + " must be positive: " + value);
        }
    }

    static String defaultId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            host = localHostName();
        }
        byte[] suffix = new byte[2];
        ThreadLocalRandom.current().nextBytes(suffix);
        return host + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(suffix);
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // no resolvable host name (some containers): the pid and suffix still make the id unique
            return "worker";
        }
    }
}
