package dev.jobfleet.store;

import dev.jobfleet.model.Backoff;
import java.util.Objects;

/**
 * What the reaper does with a run whose lease expired: the job waits the backoff of the attempt
 * it lost, like a failed attempt, and goes DEAD after {@code maxRescues} such losses in a row
 * (no outcome in between), so a job that kills its worker cannot kill the whole fleet in turn.
 */
public record RescuePolicy(int maxRescues, Backoff backoff) {
    public static final RescuePolicy DEFAULT = new RescuePolicy(5, Backoff.DEFAULT);

    public RescuePolicy {
        if (maxRescues < 1) {
            throw new IllegalArgumentException("maxRescues must be at least 1: " + maxRescues);
        }
        Objects.requireNonNull(backoff, "backoff");
    }
}
