package dev.jobfleet.store;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * What went wrong in one attempt, as kept in the job's {@code errors} list. Texts are made {@link
 * Texts#storable storable}: an exception message quoting a NUL must not make its outcome unwritable.
 */
public record AttemptError(int attempt, String errorClass, String message, String stack) {
    public AttemptError {
        errorClass = Texts.storable(errorClass);
        message = Texts.storable(message);
        stack = Texts.storable(stack);
    }

    /** Stacks are trimmed to this many characters: enough to find the line, not a log dump. */
    public static final int MAX_STACK = 4000;

    public static AttemptError of(int attempt, Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        String stack = out.toString();
        return new AttemptError(
                attempt,
                error.getClass().getName(),
                String.valueOf(error.getMessage()),
                stack.length() > MAX_STACK ? stack.substring(0, MAX_STACK) + "..." : stack);
    }

    public static AttemptError of(int attempt, String reason) {
        return new AttemptError(attempt, "Outcome", reason, null);
    }
}
