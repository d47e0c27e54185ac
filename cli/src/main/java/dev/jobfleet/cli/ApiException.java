package dev.jobfleet.cli;

/** The producer answered a request with an error status; {@link #problem()} says what it said. */
public final class ApiException extends RuntimeException {
    private final String request;
    private final ApiProblem problem;

    ApiException(String request, ApiProblem problem) {
        super(request + " answered " + problem.status() + " " + problem.title());
        this.request = request;
        this.problem = problem;
    }

    /** {@code "POST /jobs/.../cancel"}. */
    public String request() {
        return request;
    }

    public ApiProblem problem() {
        return problem;
    }

    public int exitCode() {
        return ExitCodes.forStatus(problem.status());
    }
}
