package dev.jobfleet.producer.testing;

import dev.jobfleet.producer.security.ApiTokens;

/** Every kind of caller the access tests send requests as, with its bearer token (null: none). */
public enum TestCallers {
    NONE(null),
    BAD_TOKEN(ApiTokens.generate()),
    SUBMITTER(TestTokens.SUBMITTER),
    OTHER_SUBMITTER(TestTokens.OTHER_SUBMITTER),
    VIEWER(TestTokens.VIEWER),
    OPERATOR(TestTokens.OPERATOR);

    private final String token;

    TestCallers(String token) {
        this.token = token;
    }

    /** The bearer token, or null for no Authorization header. */
    public String token() {
        return token;
    }
}
