package dev.jobfleet.infra.chaos;

import dev.jobfleet.infra.report.LinePlot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Runs one {@link Scenario} on a started {@link ChaosFleet}: a baseline of steady load, the fault,
 * the recovery, a stretch of steady load after it, then the audit of every job accepted meanwhile.
 *
 * <p>Recovery: from the moment the fault is healed until the backlog of unfinished jobs is back to
 * what it was at baseline (its largest sample times 1.5, plus 5). It must take at most {@link
 * Scenario#RECOVERY_LIMIT} (or the scenario's own limit), and the completion rate after the fault must be at least {@value
 * #AFTER_FRACTION} of the baseline's.
 */
final class ScenarioRunner {
    static final double BASE_RATE = 30;
    /** What the handlers can do: workers x runs each x (1000 / mean handler ms) jobs per second. */
    static final double CEILING = ChaosFleet.WORKERS
            * ChaosFleet.CONCURRENCY
            * 1000.0
            / (0.9 * LoadDriver.SLEEP_MS + 0.1 * LoadDriver.LIMITED_SLEEP_MS);

    static final Duration BASELINE = Duration.ofSeconds(10);
    static final Duration AFTER = Duration.ofSeconds(10);
    static final Duration TERMINAL_DEADLINE = Duration.ofSeconds(120);
    static final double AFTER_FRACTION = 0.8;

    private final ChaosFleet fleet;
    private final ChaosAudit audit;
    private final Sampler sampler;
    private final Path plots;

    ScenarioRunner(ChaosFleet fleet, Sampler sampler, Path plots) {
        this.fleet = fleet;
        this.audit = new ChaosAudit(fleet.admin());
        this.sampler = sampler;
        this.plots = plots;
    }

    ScenarioResult run(Scenario s) throws Exception {
        List<String> problems = ScenarioResult.newProblems();
        log(s, "baseline %s at %.0f jobs/s", BASELINE, BASE_RATE);
        LoadDriver load =
                new LoadDriver(fleet.producer(), fleet.token(), fleet.broker().bootstrapServers(), BASE_RATE);
        long start = System.currentTimeMillis();
        String evidence;
        long faultStart;
        long healed;
        double recovery = Double.NaN;
        long loadEnd;
        try {
            Chaos.hold(BASELINE);
            faultStart = System.currentTimeMillis();
            log(s, "fault: %s", s.fault());
            try {
                evidence = s.inject().run(fleet, load, s.window());
            } catch (AssertionError | RuntimeException e) {
                evidence = "FAULT NOT INJECTED AS MEANT: " + e.getMessage();
                problems.add(evidence);
            }
            healed = System.currentTimeMillis();
            log(s, "healed after %.1f s: %s", Chaos.seconds(faultStart, healed), evidence);
            int threshold = backlogThreshold(start, faultStart);
            long lagThreshold = lagThreshold(start, faultStart);
            long deadline = healed + s.recoveryLimit().toMillis();
            while (System.currentTimeMillis() < deadline && Double.isNaN(recovery)) {
                recovery = recoveredAt(healed, threshold, lagThreshold);
                if (Double.isNaN(recovery)) {
                    Chaos.hold(Duration.ofMillis(Sampler.INTERVAL_MS));
                }
            }
            if (Double.isNaN(recovery)) {
                problems.add("backlog not back to its baseline (<= " + threshold + " unfinished jobs, consumer lag <= "
                        + lagThreshold + ") within " + s.recoveryLimit());
            }
            log(
                    s,
                    "recovered in %.1f s (backlog <= %d, lag <= %d); %s more of steady load",
                    recovery,
                    threshold,
                    lagThreshold,
                    AFTER);
            Chaos.hold(AFTER);
            loadEnd = System.currentTimeMillis();
        } finally {
            load.close();
        }

        Map<UUID, Long> accepted = load.accepted();
        Set<UUID> ids = accepted.keySet();
        String loadSummary = String.format(
                "%d sent, %d accepted, %d refused (last: %s), %d failed, %d not sent (64 in flight), Kafka copies acked %d, failed %d",
                load.sent(),
                ids.size(),
                load.refused(),
                abbreviate(load.lastFailure()),
                load.failed(),
                load.skipped(),
                load.kafkaCopies(),
                load.kafkaFailed());
        log(s, "load stopped: %s; waiting for every accepted job to finish", loadSummary);
        List<UUID> lost = awaitTerminal(ids);

        List<UUID> twice = audit.outcomesRecordedTwice(ids);
        ChaosFleet.Partition cut = fleet.takePartition();
        List<UUID> overlapping = audit.overlappingExecutions(ids, cut);
        long lateEnds = audit.lateEndWrites(ids, cut);
        Set<UUID> duplicated = new HashSet<>(twice);
        duplicated.addAll(overlapping);
        List<String> illegal = audit.illegalHistoryEdges(ids);
        int limitedAudited = audit.maxConcurrentExecutions(load.limited(), cut);
        int limitedSampled = sampler.between(start, Long.MAX_VALUE).stream()
                .mapToInt(Sampler.Sample::limitedRunning)
                .max()
                .orElse(0);
        Map<String, Long> states = audit.states(ids);
        long completed = states.getOrDefault("SUCCEEDED", 0L);
        Map<Long, Long> perSecond = audit.completionsPerSecond(ids);
        double before = rate(perSecond, start, faultStart);
        double during = rate(perSecond, faultStart, healed);
        double after = rate(perSecond, healed, loadEnd);

        if (ids.isEmpty()) {
            problems.add("no job accepted: the load never ran");
        }
        if (!lost.isEmpty()) {
            problems.add(lost.size() + " accepted jobs lost (not terminal after " + TERMINAL_DEADLINE + "): " + lost);
            lost.stream().limit(3).forEach(id -> problems.addAll(audit.describe(id)));
        }
        if (!twice.isEmpty()) {
            problems.add(twice.size() + " jobs with an outcome recorded twice: " + twice);
        }
        if (!overlapping.isEmpty()) {
            problems.add(overlapping.size() + " jobs whose executions overlap: " + overlapping);
            overlapping.stream().limit(3).forEach(id -> problems.addAll(audit.describe(id)));
        }
        if (completed != ids.size() - lost.size()) {
            problems.add("terminal but not SUCCEEDED (demo.sleep always succeeds): " + states);
        }
        if (!illegal.isEmpty()) {
            problems.add(illegal.size() + " illegal history rows: " + illegal.subList(0, Math.min(10, illegal.size())));
        }
        if (load.limited().isEmpty()) {
            problems.add("no job of the limited key was accepted: the limit was not exercised");
        }
        if (limitedAudited < LoadDriver.LIMIT) {
            problems.add("the limited key never ran " + LoadDriver.LIMIT + " at once (audit: " + limitedAudited
                    + "): its limit was not exercised, the check below proves nothing");
        }
        if (limitedSampled > LoadDriver.LIMIT || limitedAudited > LoadDriver.LIMIT) {
            problems.add("concurrency limit " + LoadDriver.LIMIT + " exceeded: sampled " + limitedSampled
                    + " running, audit " + limitedAudited + " executing at once");
        }
        if (!Double.isNaN(recovery) && loadEnd - healed >= 5_000 && after < AFTER_FRACTION * before) {
            problems.add(String.format(
                    "throughput after the fault %.1f jobs/s, below %.0f%% of the baseline %.1f",
                    after, AFTER_FRACTION * 100, before));
        }
        if (cut != null) {
            evidence += "; " + lateEnds + " execution end writes of " + cut.worker()
                    + " reached the database after the heal (they count as ended when their claim was fenced)";
        }
        String plot = plot(s, start, faultStart, healed, loadEnd, accepted, perSecond);
        ScenarioResult r = new ScenarioResult(
                s,
                evidence,
                ids.size(),
                completed,
                lost,
                List.copyOf(duplicated),
                audit.reExecuted(ids),
                audit.rescued(ids),
                recovery,
                before,
                during,
                after,
                limitedSampled,
                limitedAudited,
                states,
                loadSummary,
                problems,
                plot);
        log(
                s,
                "%s: accepted %d, completed %d, lost %d, duplicated %d, re-executed %d, rescued %d, recovery %.1f s,"
                        + " jobs/s %.1f / %.1f / %.1f, limit %d: max %d sampled, %d audited%s",
                r.passed() ? "PASSED" : "FAILED",
                r.accepted(),
                r.completed(),
                lost.size(),
                duplicated.size(),
                r.reExecuted(),
                r.rescued(),
                recovery,
                before,
                during,
                after,
                LoadDriver.LIMIT,
                limitedSampled,
                limitedAudited,
                r.passed() ? "" : "\n  " + String.join("\n  ", problems));
        return r;
    }

    /** Poll until every accepted job is terminal, up to the deadline; those that are not are lost. */
    private List<UUID> awaitTerminal(Set<UUID> ids) {
        long deadline = System.currentTimeMillis() + TERMINAL_DEADLINE.toMillis();
        List<UUID> open = audit.notTerminal(ids);
        long lastPrint = 0;
        while (!open.isEmpty() && System.currentTimeMillis() < deadline) {
            if (System.currentTimeMillis() - lastPrint > 10_000) {
                System.out.printf("chaos:   %d of %d jobs not terminal yet%n", open.size(), ids.size());
                lastPrint = System.currentTimeMillis();
            }
            Chaos.hold(Duration.ofMillis(250));
            open = audit.notTerminal(open);
        }
        return open;
    }

    /**
     * Seconds from the heal to the first moment both the database backlog and the consumer lag were
     * back to their thresholds (a database sample and a lag sample within 1.5 s of each other), NaN
     * if not yet.
     */
    private double recoveredAt(long healed, int threshold, long lagThreshold) {
        List<Sampler.Lag> lags = sampler.lagBetween(healed, Long.MAX_VALUE).stream()
                .filter(l -> l.records() <= lagThreshold)
                .toList();
        for (Sampler.Sample x : sampler.between(healed, Long.MAX_VALUE)) {
            if (x.backlog() > threshold) {
                continue;
            }
            for (Sampler.Lag l : lags) {
                if (Math.abs(l.atMillis() - x.atMillis()) <= 1_500) {
                    return Chaos.seconds(healed, Math.max(x.atMillis(), l.atMillis()));
                }
            }
        }
        return Double.NaN;
    }

    private long lagThreshold(long from, long to) {
        long max = sampler.lagBetween(from, to).stream()
                .mapToLong(Sampler.Lag::records)
                .max()
                .orElse(0);
        return (long) Math.ceil(max * 1.5) + 10;
    }

    private int backlogThreshold(long from, long to) {
        int max = sampler.between(from, to).stream()
                .mapToInt(Sampler.Sample::backlog)
                .max()
                .orElse(0);
        return (int) Math.ceil(max * 1.5) + 5;
    }

    /** Completions per second over [from, to), from the per-second counts. */
    private static double rate(Map<Long, Long> perSecond, long fromMillis, long toMillis) {
        if (toMillis <= fromMillis) {
            return Double.NaN;
        }
        long sum = perSecond.entrySet().stream()
                .filter(e -> e.getKey() * 1000 >= fromMillis && e.getKey() * 1000 < toMillis)
                .mapToLong(Map.Entry::getValue)
                .sum();
        // whole seconds only: the buckets are whole seconds
        long firstSecond = (fromMillis + 999) / 1000;
        long endSecond = (toMillis + 999) / 1000;
        return endSecond > firstSecond ? (double) sum / (endSecond - firstSecond) : Double.NaN;
    }

    private String plot(
            Scenario s,
            long start,
            long faultStart,
            long healed,
            long loadEnd,
            Map<UUID, Long> accepted,
            Map<Long, Long> completions) {
        long first = start / 1000;
        long last = Math.max(
                loadEnd / 1000,
                completions.keySet().stream().mapToLong(Long::longValue).max().orElse(first));
        int n = (int) (last - first + 1);
        double[] x = new double[n];
        double[] done = new double[n];
        double[] in = new double[n];
        double[] backlog = new double[n];
        double[] lag = new double[n];
        double[] limitedBacklog = new double[n];
        Map<Long, Integer> limitedPerSecond = new TreeMap<>();
        sampler.between(start, (last + 1) * 1000)
                .forEach(x1 -> limitedPerSecond.merge(x1.atMillis() / 1000, x1.limitedBacklog(), Math::max));
        Map<Long, Long> lagPerSecond = new TreeMap<>();
        sampler.lagBetween(start, (last + 1) * 1000)
                .forEach(l -> lagPerSecond.merge(l.atMillis() / 1000, l.records(), Math::max));
        Map<Long, Long> acceptedPerSecond = new TreeMap<>();
        accepted.values().forEach(t -> acceptedPerSecond.merge(t / 1000, 1L, Long::sum));
        Map<Long, List<Integer>> backlogPerSecond = new TreeMap<>();
        sampler.between(start, (last + 1) * 1000)
                .forEach(x1 -> backlogPerSecond
                        .computeIfAbsent(x1.atMillis() / 1000, k -> new ArrayList<>())
                        .add(x1.backlog()));
        for (int i = 0; i < n; i++) {
            long sec = first + i;
            x[i] = i;
            done[i] = completions.getOrDefault(sec, 0L);
            in[i] = acceptedPerSecond.getOrDefault(sec, 0L);
            backlog[i] = backlogPerSecond.getOrDefault(sec, List.of()).stream()
                    .mapToInt(Integer::intValue)
                    .max()
                    .orElse(0);
            lag[i] = lagPerSecond.getOrDefault(sec, 0L);
            limitedBacklog[i] = limitedPerSecond.getOrDefault(sec, 0);
        }
        String file = "chaos-" + s.id() + ".png";
        new LinePlot(s.title(), "seconds since the load began", "jobs/s, jobs")
                .series("done/s", x, done)
                .series("in/s", x, in)
                .series("backlog", x, backlog)
                .series("lag", x, lag)
                .series("key backlog", x, limitedBacklog)
                .span(Chaos.seconds(start, faultStart), Chaos.seconds(start, healed), s.id())
                .write(plots.resolve(file));
        return file;
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static void log(Scenario s, String format, Object... args) {
        System.out.printf("chaos: [%s] %s%n", s.id(), String.format(format, args));
    }
}
