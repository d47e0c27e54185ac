package dev.jobfleet.worker.run;

import dev.jobfleet.store.Claim;
import java.util.UUID;

/** One attempt at a job: what an outcome is written for. */
public record Attempt(UUID jobId, UUID claimToken, String type, int number) {
    public static Attempt of(Claim claim) {
        return new Attempt(
                claim.jobId(), claim.token(), claim.job().type(), claim.job().attempts());
    }
}
