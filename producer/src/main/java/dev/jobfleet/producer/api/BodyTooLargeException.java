package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import java.io.IOException;

/**
 * A request body grew past {@link RequestSizeLimitFilter}'s limit while being read (a body sent
 * without Content-Length). An {@link IOException} because it is thrown from the body's stream.
 */
public class BodyTooLargeException extends IOException {
    private final long limit;

    public BodyTooLargeException(long limit) {
        super("request body is over " + limit + " bytes");
        this.limit = limit;
    }

    ProblemException problem() {
        return tooLarge("The request body is over " + limit + " bytes; payloads are far smaller.", limit);
    }

    static ProblemException tooLarge(String detail, long limit) {
        return new ProblemException(
                Problem.PAYLOAD_TOO_LARGE,
                detail,
                new FieldError("payload", "makes the request body over " + limit + " bytes"));
    }
}
