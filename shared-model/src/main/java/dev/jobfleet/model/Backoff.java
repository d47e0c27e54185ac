package dev.jobfleet.model;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: attempt {@code n} (1-based) waits {@code base * 2^(n-1)},
 * capped at {@code max}, then spread uniformly by {@code ±jitter} of itself so that jobs that
 * failed together do not retry together.
 */
public record Backoff(Duration base, Duration max, double jitter) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofHours(1), 0.2);

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("base must be positive: " + base);
        }
        if (max.compareTo(base) < 0) {
            throw new IllegalArgumentException("max " + max + " is below base " + base);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
        }
    }

    /** The delay before the attempt after failed attempt {@code attempt} (1-based). */
    public Duration delay(int attempt, RandomGenerator random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based: " + attempt);
        }
        long baseMs = base.toMillis();
        long maxMs = max.toMillis();
        int shift = Math.min(attempt - 1, 62);
        long raw = baseMs > (maxMs >> shift) ? maxMs : Math.min(maxMs, baseMs << shift);
        double spread = jitter == 0 ? 0 : random.nextDouble(-jitter, jitter);
        return Duration.ofMillis(Math.max(0, Math.round(raw * (1 + spread))));
    }
}
