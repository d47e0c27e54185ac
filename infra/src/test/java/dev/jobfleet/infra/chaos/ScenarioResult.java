package dev.jobfleet.infra.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What one scenario measured and found; {@link #problems()} empty when every invariant held. */
record ScenarioResult(
        Scenario scenario,
        String evidence,
        int accepted,
        long completed,
        List<UUID> lost,
        List<UUID> duplicated,
        long reExecuted,
        long rescued,
        double recoverySeconds,
        double before,
        double during,
        double after,
        int limitedMaxSampled,
        int limitedMaxAudited,
        Map<String, Long> states,
        String load,
        List<String> problems,
        String plot) {

    boolean passed() {
        return problems.isEmpty();
    }

    static List<String> newProblems() {
        return new ArrayList<>();
    }
}
