package dev.jobfleet.worker.run;

import dev.jobfleet.store.Claim;
import java.util.List;

/**
 * The jobs one claim statement took, and when (by {@link System#nanoTime()}) the statement was
 * sent: the leases it set cannot expire before that instant plus the lease, so the worker counts
 * its lease from there.
 */
public record Claimed(List<Claim> claims, long sentAtNanos) {
    public Claimed {
        claims = List.copyOf(claims);
    }

    public boolean isEmpty() {
        return claims.isEmpty();
    }

    public int size() {
        return claims.size();
    }
}
