package dev.jobfleet.infra;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.QueueDepth;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Watches the demo batch in the database, not in the apps: ten times a second it counts the demo jobs per
 * state ({@link JobRepository#queueDepth()}, less what was there before the demo) and prints a
 * line once a second, until every submitted job is terminal or the deadline passes.
 */
final class DemoMonitor {
    private static final Duration TICK = Duration.ofMillis(100);
    private static final int TICKS_PER_LINE = 10;
    private static final Duration LINE = TICK.multipliedBy(TICKS_PER_LINE);

    private final JobRepository repository;
    private final PrintStream out;
    private final Map<JobState, Long> baseline;

    /** The counts at one moment. */
    record Snapshot(Map<JobState, Long> byState, long elapsedNanos) {
        long terminal() {
            return byState.entrySet().stream()
                    .filter(e -> e.getKey().isTerminal())
                    .mapToLong(Map.Entry::getValue)
                    .sum();
        }

        long count(JobState state) {
            return byState.getOrDefault(state, 0L);
        }
    }

    /**
     * How the demo ended.
     *
     * @param last the counts when it ended
     * @param finished every accepted job reached a terminal state before the deadline
     * @param overlappingExecutions runs of one job that overlapped in time (must be 0)
     * @param peakPerSecond the most jobs that became terminal in one of the printed seconds
     */
    record Outcome(Snapshot last, boolean finished, long overlappingExecutions, long peakPerSecond) {}

    DemoMonitor(JobRepository repository, PrintStream out) {
        this.repository = repository;
        this.out = out;
        this.baseline = demoCounts();
    }

    /**
     * Count ten times a second, so the end (and the end-to-end rate) is seen within 100 ms, and print a line once a second
     * and at the end, until {@code expected} jobs (negative while still unknown: submission runs)
     * are terminal or {@code timeout} passes. Times are from {@code start} ({@link System#nanoTime()}
     * when the first job was submitted).
     */
    Outcome watch(long start, int planned, IntSupplier submitted, IntSupplier expected, Duration timeout)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Snapshot> last = new AtomicReference<>(snapshot(start));
        Snapshot[] printed = {last.get()};
        int[] ticks = {0};
        AtomicLong peak = new AtomicLong();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("demo-progress").daemon().factory());
        ticker.scheduleAtFixedRate(
                () -> {
                    try {
                        Snapshot s = snapshot(start);
                        last.set(s);
                        int target = expected.getAsInt();
                        boolean finished = target >= 0 && s.terminal() >= target;
                        if (++ticks[0] % TICKS_PER_LINE == 0 || finished) {
                            out.println(line(s, printed[0], planned, submitted.getAsInt()));
                            long window = s.elapsedNanos() - printed[0].elapsedNanos();
                            if (window >= LINE.toNanos() * 9 / 10) { // not the short last one
                                peak.accumulateAndGet(
                                        Math.round((s.terminal() - printed[0].terminal()) / (window / 1e9)), Math::max);
                            }
                            printed[0] = s;
                        }
                        if (finished) {
                            done.countDown();
                        }
                    } catch (RuntimeException e) {
                        out.println("  (could not read the queue depth: " + e.getMessage() + ")");
                    }
                },
                TICK.toMillis(),
                TICK.toMillis(),
                TimeUnit.MILLISECONDS);
        boolean finished;
        try {
            finished = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            ticker.shutdownNow();
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        }
        Snapshot end = finished ? last.get() : snapshot(start);
        return new Outcome(end, finished, repository.overlappingExecutions(), peak.get());
    }

    private Snapshot snapshot(long start) {
        Map<JobState, Long> now = demoCounts();
        Map<JobState, Long> delta = new EnumMap<>(JobState.class);
        for (JobState state : JobState.values()) {
            delta.put(state, Math.max(0, now.getOrDefault(state, 0L) - baseline.getOrDefault(state, 0L)));
        }
        return new Snapshot(delta, System.nanoTime() - start);
    }

    private Map<JobState, Long> demoCounts() {
        return repository.queueDepth().stream()
                .filter(d -> DemoBatch.TYPES.contains(d.type()))
                .collect(Collectors.groupingBy(
                        QueueDepth::state,
                        () -> new EnumMap<>(JobState.class),
                        Collectors.summingLong(QueueDepth::count)));
    }

    private static String line(Snapshot s, Snapshot previous, int planned, int submitted) {
        double seconds = Math.max(1e-3, (s.elapsedNanos() - previous.elapsedNanos()) / 1e9);
        long donePerSecond = Math.round((s.terminal() - previous.terminal()) / seconds);
        String waiting = Stream.of(JobState.values())
                .filter(state -> !state.isTerminal())
                .map(state -> state + " " + s.count(state))
                .collect(Collectors.joining(", "));
        String ended = Stream.of(JobState.values())
                .filter(JobState::isTerminal)
                .map(state -> state + " " + s.count(state))
                .collect(Collectors.joining(", "));
        String submitting = submitted < planned ? String.format("  submitted %d/%d", submitted, planned) : "";
        return String.format(
                "[%5.1fs] done %5d/%d  %6d jobs/s  | %s | %s%s",
                s.elapsedNanos() / 1e9, s.terminal(), planned, donePerSecond, ended, waiting, submitting);
    }
}
