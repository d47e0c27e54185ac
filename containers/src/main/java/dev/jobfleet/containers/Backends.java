package dev.jobfleet.containers;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The choice of this JVM between containers and the local parts, from {@code
 * -Djobfleet.test.containers} (default {@code auto}) and Docker's answer, made on first use and
 * logged once. Every test fixture that starts Kafka or PostgreSQL asks here, so one JVM never mixes
 * the two.
 */
public final class Backends {
    private static final Logger log = LoggerFactory.getLogger(Backends.class);
    private static final BackendChoice.Once CHOICE = new BackendChoice.Once(
            ContainerMode.fromSystemProperty(), Backends::dockerAvailable, message -> log.info(message));

    private Backends() {}

    /** True when this JVM runs Kafka and PostgreSQL in containers. */
    public static boolean containers() {
        return CHOICE.get().containers();
    }

    public static BackendChoice choice() {
        return CHOICE.get();
    }

    /** Whether a Docker engine answers (about 170 ms without one). */
    public static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }
}
