package dev.jobfleet.infra.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time by part of the machine, read from {@code /proc} before and after a phase: this JVM (the
 * apps of an embedded fleet and the generator), the Kafka broker, PostgreSQL, everything else (other
 * work on the machine), and idle. Linux only; elsewhere it reports nothing.
 */
final class CpuSplit {
    static final String JVM = "jobfleet JVM (apps + generator)";
    static final String BROKER = "Kafka broker";
    static final String POSTGRES = "PostgreSQL";
    static final String OTHER = "other processes";
    static final String IDLE = "idle";
    private static final double TICKS = 100.0; // USER_HZ on Linux

    private final Map<String, Double> start;
    private final long startNanos = System.nanoTime();

    private CpuSplit(Map<String, Double> start) {
        this.start = start;
    }

    static CpuSplit begin() {
        return new CpuSplit(read());
    }

    /** Seconds of CPU per part since {@link #begin()}, and the machine's total in {@code "total"}. */
    Map<String, Double> end() {
        Map<String, Double> now = read();
        Map<String, Double> delta = new LinkedHashMap<>();
        for (String key : now.keySet()) {
            delta.put(key, Math.max(0, now.get(key) - start.getOrDefault(key, 0.0)));
        }
        double busy = delta.getOrDefault("busy", 0.0);
        double ours =
                delta.getOrDefault(JVM, 0.0) + delta.getOrDefault(BROKER, 0.0) + delta.getOrDefault(POSTGRES, 0.0);
        Map<String, Double> split = new LinkedHashMap<>();
        split.put(JVM, delta.getOrDefault(JVM, 0.0));
        split.put(BROKER, delta.getOrDefault(BROKER, 0.0));
        split.put(POSTGRES, delta.getOrDefault(POSTGRES, 0.0));
        split.put(OTHER, Math.max(0, busy - ours));
        split.put(IDLE, delta.getOrDefault(IDLE, 0.0));
        split.put("total", busy + delta.getOrDefault(IDLE, 0.0));
        split.put("wall", (System.nanoTime() - startNanos) / 1e9);
        return split;
    }

    private static Map<String, Double> read() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        long self = ProcessHandle.current().pid();
        try {
            String[] cpu =
                    Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal
            double busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(cpu[i]);
            }
            seconds.put("busy", busy / TICKS);
            seconds.put(IDLE, (Long.parseLong(cpu[4]) + Long.parseLong(cpu[5])) / TICKS);
            try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path proc : procs) {
                    String part = part(proc, self);
                    if (part != null) {
                        seconds.merge(part, ticks(proc) / TICKS, Double::sum);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a process ended while read: the split is then partial
            seconds.putIfAbsent("busy", 0.0);
        }
        return seconds;
    }

    private static String part(Path proc, long self) {
        try {
            long pid = Long.parseLong(proc.getFileName().toString());
            if (pid == self) {
                return JVM;
            }
            String comm = Files.readString(proc.resolve("comm")).trim();
            if (comm.equals("postgres")) {
                return POSTGRES;
            }
            if (comm.equals("java")) {
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")));
                if (cmdline.contains("kafka.Kafka") || cmdline.contains("BrokerLauncher")) {
                    return BROKER;
                }
            }
            return null;
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    private static long ticks(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(0) ... utime(11) stime(12)
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }
}
