package dev.jobfleet.store;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Samples a value on its own thread until closed, keeping the maximum and the sample count. */
public final class Sampler implements AutoCloseable {
    private final AtomicLong max = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong samples = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public Sampler(String name, LongSupplier value) {
        thread = Thread.ofPlatform().name("sampler-" + name).start(() -> {
            while (running.get()) {
                long v = value.getAsLong();
                max.accumulateAndGet(v, Math::max);
                samples.incrementAndGet();
            }
        });
    }

    public long max() {
        return max.get();
    }

    public long samples() {
        return samples.get();
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the sampler", e);
        }
    }
}
