package dev.jobfleet.producer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.AttemptError;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** What a worker does to a job, done through the repository: claim it and end its run. */
public final class Runs {
    public static final String WORKER = "test-worker";

    private Runs() {}

    public static Claim claim(JobRepository repository, UUID id, String type) {
        List<Claim> claims = repository.claim(List.of(id), Set.of(type), WORKER, Duration.ofMinutes(5));
        assertThat(claims).as("claim of %s", id).hasSize(1);
        return claims.getFirst();
    }

    /** Claims the job and ends the run as SUCCEEDED. */
    public static void succeed(JobRepository repository, UUID id, String type) {
        succeed(repository, claim(repository, id, type));
    }

    /** Ends a claimed run as SUCCEEDED. */
    public static void succeed(JobRepository repository, Claim claim) {
        end(repository, RunOutcome.succeeded(claim.jobId(), claim.token()), JobState.SUCCEEDED);
    }

    /** Claims the job and ends the run as DEAD with {@code error} as its last error. */
    public static void kill(JobRepository repository, UUID id, String type, String error) {
        Claim claim = claim(repository, id, type);
        end(
                repository,
                RunOutcome.dead(id, claim.token(), AttemptError.of(claim.job().attempts(), error)),
                JobState.DEAD);
    }

    private static void end(JobRepository repository, RunOutcome outcome, JobState expected) {
        Map<UUID, JobState> written = repository.finish(List.of(outcome), WORKER);
        assertThat(written).as("end of the run of %s", outcome.jobId()).containsEntry(outcome.jobId(), expected);
    }
}
