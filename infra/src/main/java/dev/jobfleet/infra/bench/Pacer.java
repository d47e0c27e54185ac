package dev.jobfleet.infra.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands out submission slots at a fixed rate, shared by any number of threads: slot {@code i} is
 * due {@code i / rate} seconds after the first. A rate of 0 hands them out at once. Slots past the
 * last return -1.
 */
final class Pacer {
    private final long total;
    private final long nanosPerSlot;
    private final AtomicLong next = new AtomicLong();
    private volatile long startNanos;

    Pacer(long total, int ratePerSecond) {
        this.total = total;
        this.nanosPerSlot = ratePerSecond == 0 ? 0 : 1_000_000_000L / ratePerSecond;
    }

    /** Starts the clock; the first slot is due now. */
    void start() {
        startNanos = System.nanoTime();
    }

    /** The next slot's index once it is due, or -1 when every slot is handed out. */
    long await() {
        long slot = next.getAndIncrement();
        if (slot >= total) {
            return -1;
        }
        if (nanosPerSlot > 0) {
            long due = startNanos + slot * nanosPerSlot;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                // pacing a load generator: waiting for the slot's time is the point
                LockSupport.parkNanos(wait);
            }
        }
        return slot;
    }
}
