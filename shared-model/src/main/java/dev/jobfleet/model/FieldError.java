package dev.jobfleet.model;

/** One invalid input field and why, e.g. {@code ("priority", "must be between 0 and 9")}. */
public record FieldError(String field, String message) {
    @Override
    public String toString() {
        return field + " " + message;
    }
}
