package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A request the API refuses, with the problem to answer; {@link ProblemHandler} renders it. */
public class ProblemException extends RuntimeException {
    private final Problem problem;
    private final List<FieldError> errors;
    private final Map<String, Object> properties = new LinkedHashMap<>();

    public ProblemException(Problem problem, String detail, List<FieldError> errors) {
        super(detail);
        this.problem = problem;
        this.errors = List.copyOf(errors);
    }

    public ProblemException(Problem problem, String detail, FieldError error) {
        this(problem, detail, List.of(error));
    }

    /** 400 naming every field at fault, with a one-line summary of them as the detail. */
    public static ProblemException invalid(List<FieldError> errors) {
        String summary = (errors.size() == 1 ? "1 field is invalid: " : errors.size() + " fields are invalid: ")
                + errors.stream().map(FieldError::toString).collect(Collectors.joining("; "))
                + ".";
        return new ProblemException(Problem.INVALID_REQUEST, summary, errors);
    }

    /** Adds an extension member to the problem body, e.g. the job's current state. */
    public ProblemException with(String name, Object value) {
        properties.put(name, value);
        return this;
    }

    public Problem problem() {
        return problem;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Map<String, Object> properties() {
        return Map.copyOf(properties);
    }
}
