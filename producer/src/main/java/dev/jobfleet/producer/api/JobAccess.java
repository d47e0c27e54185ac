package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.producer.security.Caller;
import dev.jobfleet.producer.security.Role;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import java.util.UUID;

/**
 * Which jobs a caller may see and cancel, beyond what its role allows at all ({@link
 * dev.jobfleet.producer.security.SecurityConfiguration}). A viewer or an operator sees every job; a
 * submitter only the jobs it submitted ({@code submitted_by}). Another submitter's job answers 404,
 * exactly as a job that does not exist: the answer must not tell a submitter which ids exist. The
 * owner of a job never changes (a trigger refuses it), so checking it before acting is not a race.
 */
public class JobAccess {
    /** The actor of history rows the API writes: {@code api:token:<name>} or {@code api:jwt:<subject>}. */
    public static final String ACTOR_PREFIX = "api:";

    private final JobRepository repository;

    public JobAccess(JobRepository repository) {
        this.repository = repository;
    }

    /** The current request's caller. */
    public static Caller caller() {
        return Caller.current();
    }

    /** The actor the current caller writes history rows as. */
    public static String actor() {
        return ACTOR_PREFIX + caller().id();
    }

    /** Whether {@code caller} may read a job (or batch) submitted by {@code owner}. */
    public static boolean mayRead(Caller caller, String owner) {
        return caller.readsEverything() || (owner != null && owner.equals(caller.id()));
    }

    /** Only the caller's own jobs, or null for all: the filter of {@code GET /jobs}. */
    public static String listedOwner() {
        Caller caller = caller();
        return caller.readsEverything() ? null : caller.id();
    }

    /**
     * The job, if the current caller may read it.
     *
     * @throws ProblemException 404 when there is no such job or it is another submitter's
     */
    public JobRow readable(UUID id) {
        JobRow job = repository.find(id).orElseThrow(() -> JobProblems.notFound(id));
        if (!mayRead(caller(), job.submittedBy())) {
            throw JobProblems.notFound(id);
        }
        return job;
    }

    /**
     * Checks that the current caller may cancel the job: an operator any job, a submitter its own.
     *
     * @throws ProblemException 404 for a job the caller may not see, 403 for one it may see but not cancel
     */
    public void checkCancel(UUID id) {
        Caller caller = caller();
        if (caller.has(Role.OPERATOR)) {
            return;
        }
        JobRow job = readable(id);
        if (caller.has(Role.SUBMITTER) && caller.id().equals(job.submittedBy())) {
            return;
        }
        throw new ProblemException(
                Problem.FORBIDDEN,
                "Caller " + caller.id() + " may cancel only the jobs it submitted; nothing was changed.",
                new FieldError("id", "names a job this caller did not submit"));
    }
}
