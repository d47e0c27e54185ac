package dev.jobfleet.containers;

import java.util.Locale;

/**
 * Whether Kafka and PostgreSQL come from containers: the value of {@value #PROPERTY} ({@code
 * -Djobfleet.test.containers=...}).
 */
public enum ContainerMode {
    /** Containers where a Docker engine answers, the local parts where none does (the default). */
    AUTO,
    /** Containers, and a clear failure where no Docker engine answers. */
    ALWAYS,
    /** The local parts, without asking Docker. */
    NEVER;

    public static final String PROPERTY = "jobfleet.test.containers";

    /** The mode {@code value} names ({@code auto}, {@code always}, {@code never}); {@link #AUTO} for null or blank. */
    public static ContainerMode parse(String value) {
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "always" -> ALWAYS;
            case "never" -> NEVER;
            default -> throw new IllegalArgumentException(PROPERTY + " must be auto, always or never: " + value);
        };
    }

    /** The mode of this JVM, from the system property. */
    public static ContainerMode fromSystemProperty() {
        return parse(System.getProperty(PROPERTY));
    }
}
