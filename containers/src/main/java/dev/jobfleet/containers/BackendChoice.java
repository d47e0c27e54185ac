package dev.jobfleet.containers;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Where Kafka and PostgreSQL come from: Testcontainers, or the local parts (a broker from the Kafka
 * jars, the machine's or an embedded PostgreSQL).
 *
 * @param containers true for containers
 * @param reason why, for the log line: the mode and Docker's answer
 */
public record BackendChoice(boolean containers, String reason) {

    /**
     * Decides for {@code mode}, asking {@code dockerAvailable} only when the mode leaves it open
     * ({@link ContainerMode#NEVER} never asks Docker).
     *
     * @throws IllegalStateException for {@link ContainerMode#ALWAYS} when no Docker engine answers
     */
    public static BackendChoice decide(ContainerMode mode, BooleanSupplier dockerAvailable) {
        String property = ContainerMode.PROPERTY + "=" + mode.name().toLowerCase(java.util.Locale.ROOT);
        return switch (mode) {
            case NEVER -> new BackendChoice(false, property + ": the local Kafka broker and PostgreSQL");
            case ALWAYS -> {
                if (!dockerAvailable.getAsBoolean()) {
                    throw new IllegalStateException(property
                            + " but no Docker engine answers (DOCKER_HOST, the socket, or a Testcontainers"
                            + " configuration); use auto to fall back to the local Kafka broker and PostgreSQL");
                }
                yield new BackendChoice(true, property + ": Testcontainers, a Docker engine answers");
            }
            case AUTO ->
                dockerAvailable.getAsBoolean()
                        ? new BackendChoice(true, property + ": Testcontainers, a Docker engine answers")
                        : new BackendChoice(
                                false, property + ": no Docker engine answers, the local Kafka broker and PostgreSQL");
        };
    }

    /**
     * A choice made once and logged once: the first {@link #get()} decides and logs, later calls
     * answer the same.
     */
    public static final class Once {
        private final ContainerMode mode;
        private final BooleanSupplier dockerAvailable;
        private final Consumer<String> log;
        private BackendChoice choice;

        public Once(ContainerMode mode, BooleanSupplier dockerAvailable, Consumer<String> log) {
            this.mode = mode;
            this.dockerAvailable = dockerAvailable;
            this.log = log;
        }

        public synchronized BackendChoice get() {
            if (choice == null) {
                choice = decide(mode, dockerAvailable);
                log.accept("jobfleet backends: " + choice.reason());
            }
            return choice;
        }
    }
}
