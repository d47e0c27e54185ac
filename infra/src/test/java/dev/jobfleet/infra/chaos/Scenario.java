package dev.jobfleet.infra.chaos;

import java.time.Duration;

/**
 * One fault the harness injects under load: {@code id} names it on the command line and in file
 * names, {@code fault} says what is done, {@code window} is how long the fault lasts.
 *
 * @param recoveryLimit how long after the heal the backlog may take to return to its baseline
 * @param inject injects the fault, asserts that it really happened (the process died, backends were
 *     terminated...), heals it, and returns that evidence in one line
 */
record Scenario(String id, String title, String fault, Duration window, Duration recoveryLimit, Injection inject) {
    /** The recovery the invariants allow unless a scenario states its own. */
    static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);

    Scenario(String id, String title, String fault, Duration window, Injection inject) {
        this(id, title, fault, window, RECOVERY_LIMIT, inject);
    }

    @FunctionalInterface
    interface Injection {
        String run(ChaosFleet fleet, LoadDriver load, Duration window) throws Exception;
    }
}
