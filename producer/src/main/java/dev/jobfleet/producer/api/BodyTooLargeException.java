package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import java.io.IOException;

/**
 * A request body grew past {@link RequestSizeLimitFilter}'s limit while being read (a body sent
 * without Content-Length). An {@link IOException} because it is thrown from the body's stream.
 */
public class BodyTooLargeException extends IOException {
    private final long limit;
    private final String field;

    /** @param field the field that makes bodies this large, named in the problem */
    public BodyTooLargeException(long limit, String field) {
        super("request body is over " + limit + " bytes");
        this.limit = limit;
        this.field = field;
    }

    ProblemException problem() {
        return tooLarge("The request body is over " + limit + " bytes.", limit, field);
    }

    static ProblemException tooLarge(String detail, long limit, String field) {
        return new ProblemException(
                Problem.PAYLOAD_TOO_LARGE,
                detail,
                new FieldError(field, "makes the request body over " + limit + " bytes"));
    }
}
