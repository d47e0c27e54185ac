package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobState;
import java.util.UUID;

/** The problems about one job that several endpoints answer with. */
final class JobProblems {
    private JobProblems() {}

    static ProblemException notFound(UUID id) {
        return new ProblemException(
                Problem.JOB_NOT_FOUND, "There is no job " + id + ".", new FieldError("id", "names no job"));
    }

    /** 409: a worker holds the row at this instant; nothing was changed. */
    static ProblemException busy(UUID id) {
        return new ProblemException(
                Problem.JOB_BUSY,
                "A worker is claiming job " + id + " right now; nothing was changed. Try again.",
                new FieldError("id", "names a job a worker is claiming right now"));
    }

    /** A 409 naming the job's state in {@code detail}, {@code errors} and the {@code state} member. */
    static ProblemException inState(Problem problem, UUID id, JobState state, String rule) {
        return new ProblemException(
                        problem,
                        "Job " + id + " is " + state + "; " + rule + " Nothing was changed.",
                        new FieldError("id", "names a job in state " + state))
                .with("state", state.name());
    }
}
