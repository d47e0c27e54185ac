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
 * @param maxPollInterval Kafka {@code max.poll.interval.ms}; the poll thread never waits for a
 *     handler (it pauses its partitions instead), so Kafka's default is plenty
 * @param reaperInterval how often the lease reaper runs (on one instance at a time)
 * @param reaperBatch expired runs rescued per reaper run
 * @param retryPromoterInterval how often due retries are made pending (on one instance at a time)
 * @param retryPromoterBatch retries promoted per run
 * @param shutdownGrace how long shutdown waits for running handlers before releasing their jobs
 * @param queueMetricsInterval how often the queue depth gauges are read from the database
 * @param queueMetricsMaxTypes job types that get their own {@code type} label on the queue depth
 *     gauges; later types are counted under {@code type="other"}
 * @param topicPartitions partitions of the jobs topic when the worker creates it
 * @param demoHandlers whether the demo handlers ({@code demo.noop}, {@code demo.sleep}, {@code
 *     demo.fail}) are registered
 * @param backoff retry delays when a handler does not name one
 * @param aging how waiting jobs climb in priority, so that low priorities never starve
 * @param schedulesInterval how often every instance enqueues the jobs of due recurring schedules
 * @param schedules recurring schedules declared in configuration, by name, upserted at startup
 * @param handlerTimeout the time limit of one run of a type without its own; past it the handler
 *     is interrupted and the attempt fails with a timeout error
 * @param handlers per job type: {@code jobfleet.worker.handlers[<type>].timeout}
 * @param capacity the most runs this worker holds at once (running, waiting for a slot, or waiting
 *     for the outcome write); the poll thread pauses its partitions while another full batch would
 *     not fit. Default: {@code concurrency + 2 x max-poll-records}
 * @param prefetch claimed runs that may wait for a handler slot before the poll thread pauses its
 *     partitions (their events then wait in Kafka, their jobs claimable by any worker's poller);
 *     default: {@code concurrency}
 * @param maxRescues runs of one job lost in a row (their worker died, hung or lost the database)
 *     before the job goes DEAD instead of being tried again
 * @param suspectProbation how long a suspect (a job whose last run lost its worker) must run on a
 *     worker before that worker takes another suspect
 * @param stuckAfter how long a handler may go on after being asked to stop (time limit, lost
 *     lease, shutdown) before it counts as stuck
 * @param maxStuckHandlers the liveness probe fails when more handlers than this are stuck, so that
 *     Kubernetes restarts the pod
 * @param completer how outcomes are group-committed
 * @param commitInterval how often the partitions' watermarks are committed to Kafka
 * @param shutdownExitWait after the grace period, how long shutdown waits for interrupted handlers
 *     to return before it leaves their jobs to their leases
 * @param retention how long finished jobs are kept, and how fast they are deleted
 */
@ConfigurationProperties("jobfleet.worker")
public record WorkerProperties(
        String id,
        @DefaultValue("jobfleet-workers") String groupId,
        @DefaultValue("16") int concurrency,
        @DefaultValue("30s") Duration lease,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("200") int maxPollRecords,
        @DefaultValue("5m") Duration maxPollInterval,
        @DefaultValue("5s") Duration reaperInterval,
        @DefaultValue("500") int reaperBatch,
        @DefaultValue("1s") Duration retryPromoterInterval,
        @DefaultValue("500") int retryPromoterBatch,
        @DefaultValue("30s") Duration shutdownGrace,
        @DefaultValue("5s") Duration queueMetricsInterval,
        @DefaultValue("50") int queueMetricsMaxTypes,
        @DefaultValue("6") int topicPartitions,
        @DefaultValue("true") boolean demoHandlers,
        @DefaultValue BackoffSettings backoff,
        @DefaultValue Aging aging,
        @DefaultValue("1s") Duration schedulesInterval,
        Map<String, ScheduleSettings> schedules,
        @DefaultValue("10m") Duration handlerTimeout,
        Map<String, HandlerSettings> handlers,
        Integer capacity,
        Integer prefetch,
        @DefaultValue("5") int maxRescues,
        @DefaultValue("10s") Duration suspectProbation,
        @DefaultValue("10s") Duration stuckAfter,
        @DefaultValue("2") int maxStuckHandlers,
        @DefaultValue CompleterSettings completer,
        @DefaultValue("200ms") Duration commitInterval,
        @DefaultValue("10s") Duration shutdownExitWait,
        @DefaultValue Retention retention) {

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
        requirePositive("queue-metrics-max-types", queueMetricsMaxTypes);
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
        if (retention == null) {
            retention = new Retention(true, null, null, null, null, null, 0, 0);
        }
        schedules = schedules == null ? Map.of() : Map.copyOf(schedules);
        handlerTimeout = handlerTimeout == null ? Duration.ofMinutes(10) : handlerTimeout;
        requirePositive("handler-timeout", handlerTimeout);
        handlers = handlers == null ? Map.of() : Map.copyOf(handlers);
        handlers.forEach((type, settings) -> {
            if (settings.timeout() != null) {
                requirePositive("handlers[" + type + "].timeout", settings.timeout());
            }
        });
        if (capacity == null) {
            capacity = concurrency + 2 * maxPollRecords;
        }
        if (capacity < concurrency + maxPollRecords) {
            throw new IllegalArgumentException(
                    "jobfleet.worker.capacity must be at least concurrency + max-poll-records ("
                            + (concurrency + maxPollRecords) + "): " + capacity);
        }
        if (prefetch == null) {
            prefetch = concurrency;
        }
        requirePositive("prefetch", prefetch);
        requirePositive("max-rescues", maxRescues);
        suspectProbation = suspectProbation == null ? Duration.ofSeconds(10) : suspectProbation;
        requirePositive("suspect-probation", suspectProbation);
        stuckAfter = stuckAfter == null ? Duration.ofSeconds(10) : stuckAfter;
        requirePositive("stuck-after", stuckAfter);
        if (maxStuckHandlers < 0) {
            throw new IllegalArgumentException(
                    "jobfleet.worker.max-stuck-handlers must be zero or more: " + maxStuckHandlers);
        }
        if (completer == null) {
            completer = new CompleterSettings(Duration.ofMillis(5), 500);
        }
        commitInterval = commitInterval == null ? Duration.ofMillis(200) : commitInterval;
        requirePositive("commit-interval", commitInterval);
        shutdownExitWait = shutdownExitWait == null ? Duration.ofSeconds(10) : shutdownExitWait;
    }

    /** The time limit of a type's runs, where configured. */
    public Map<String, Duration> handlerTimeouts() {
        Map<String, Duration> timeouts = new java.util.HashMap<>();
        handlers.forEach((type, settings) -> {
            if (settings.timeout() != null) {
                timeouts.put(type, settings.timeout());
            }
        });
        return timeouts;
    }

    /** Settings of one job type's handler ({@code jobfleet.worker.handlers[<type>].*}). */
    public record HandlerSettings(Duration timeout) {}

    /**
     * Group commit of outcomes: a group is written when {@code batch} completions are in, or
     * {@code flushInterval} after the first of them, whichever comes first.
     */
    public record CompleterSettings(
            @DefaultValue("5ms") Duration flushInterval,
            @DefaultValue("500") int batch) {
        public CompleterSettings {
            requirePositive("completer.flush-interval", flushInterval);
            requirePositive("completer.batch", batch);
        }
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
     * Retention ({@code jobfleet.worker.retention.*}): finished jobs are deleted, with their history,
     * logs and demo audit rows, once they finished longer ago than their state's age; finished
     * batches with no child left after {@code batches}; order-key sequences once no job of the key
     * is left to order. One instance at a time (ShedLock); see {@link
     * dev.jobfleet.worker.maintenance.RetentionChore}.
     *
     * <p>A job's Kafka record outlives its row if the topic keeps records longer than the job's age:
     * replaying the topic from before the age (an offset reset to earliest) would then create and
     * run those jobs again. Keep the ages above the window you may ever replay.
     *
     * @param enabled whether the chore runs at all
     * @param interval how often it runs
     * @param batch rows deleted per statement (one short transaction each)
     * @param batchesPerRun statements per state per run at most, so one run stays short; a backlog
     *     is worked off over the next runs
     * @param succeeded how long SUCCEEDED jobs are kept after they finished
     * @param cancelled how long CANCELLED jobs are kept
     * @param dead how long DEAD jobs are kept (an operator may still re-drive them until then)
     * @param batches how long finished fan-in batches are kept once their children are gone
     */
    public record Retention(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("1m") Duration interval,
            @DefaultValue("24h") Duration succeeded,
            @DefaultValue("7d") Duration cancelled,
            @DefaultValue("7d") Duration dead,
            @DefaultValue("7d") Duration batches,
            @DefaultValue("1000") int batch,
            @DefaultValue("50") int batchesPerRun) {
        public Retention {
            interval = interval == null ? Duration.ofMinutes(1) : interval;
            succeeded = succeeded == null ? Duration.ofHours(24) : succeeded;
            cancelled = cancelled == null ? Duration.ofDays(7) : cancelled;
            dead = dead == null ? Duration.ofDays(7) : dead;
            batches = batches == null ? Duration.ofDays(7) : batches;
            batch = batch == 0 ? 1000 : batch;
            batchesPerRun = batchesPerRun == 0 ? 50 : batchesPerRun;
            requirePositive("retention.interval", interval);
            requirePositive("retention.succeeded", succeeded);
            requirePositive("retention.cancelled", cancelled);
            requirePositive("retention.dead", dead);
            requirePositive("retention.batches", batches);
            requirePositive("retention.batch", batch);
            requirePositive("retention.batches-per-run", batchesPerRun);
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
