package dev.jobfleet.producer.api;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a submission returned an existing job instead of creating one; sent as the {@value #HEADER}
 * header (and as {@code duplicate} in bulk results).
 */
public enum Duplicate {
    /** The idempotency key was used before, for the same type and payload. */
    IDEMPOTENCY_KEY("idempotency-key"),
    /** Another job holds the unique key in one of its unique states. */
    UNIQUE_KEY("unique-key");

    public static final String HEADER = "Jobfleet-Duplicate";

    private final String value;

    Duplicate(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }
}
