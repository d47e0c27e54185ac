package dev.jobfleet.producer.security;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a caller may do. The rules, endpoint by endpoint, are in {@link SecurityConfiguration} and
 * {@link dev.jobfleet.producer.api.JobAccess}; docs/security.md has the table.
 */
public enum Role {
    /** Submits jobs (one, bulk, batches); reads and cancels only the jobs it submitted. */
    SUBMITTER,
    /** Reads everything (jobs, limits, schedules, the fleet view); changes nothing. */
    VIEWER,
    /** Everything: submit, cancel, re-drive, patch, limits, schedules. */
    OPERATOR;

    /** The Spring Security authority, {@code ROLE_OPERATOR} and so on. */
    public String authority() {
        return "ROLE_" + name();
    }

    /** The name in configuration and in tokens' claims: {@code submitter}, {@code viewer}, {@code operator}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code label}, whatever its case. */
    public static Optional<Role> of(String label) {
        if (label == null) {
            return Optional.empty();
        }
        return Arrays.stream(values())
                .filter(r -> r.name().equalsIgnoreCase(label.strip()))
                .findFirst();
    }

    /** {@code submitter, viewer, operator}: for messages. */
    public static String labels() {
        return Arrays.stream(values()).map(Role::label).collect(Collectors.joining(", "));
    }
}
