package dev.jobfleet.producer.security;

import org.springframework.security.core.AuthenticationException;

/** Too many unknown tokens are being verified at once; the request is answered 503 and may be retried. */
public class VerificationBusyException extends AuthenticationException {
    public VerificationBusyException() {
        super("too many token verifications at once; try again shortly");
    }
}
