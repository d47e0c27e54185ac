package dev.jobfleet.model;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The state of a job. The allowed transitions are declared once, in {@link #TRANSITIONS}; the
 * database holds the same table ({@code job_state_transition}) and a trigger refuses any other
 * edge, and every statement that moves a job names the expected current state in its
 * {@code WHERE}.
 *
 * <pre>
 * PENDING ──claim──▶ RUNNING ──complete──▶ SUCCEEDED
 *    │                 │ │ └──fail, attempts left──▶ RETRY_SCHEDULED ──due──▶ PENDING
 *    │                 │ │    (also: lease expired, rescued and backed off)
 *    │                 │ └──fail, no attempts left / discard / lost too often──▶ DEAD ──re-drive──▶ PENDING
 *    │                 ├──handed back (shutdown, lost lease, not started)──▶ PENDING
 *    │                 └──handler cancels──▶ CANCELLED
 *    └──cancel──▶ CANCELLED ◀──cancel── RETRY_SCHEDULED
 * </pre>
 */
public enum JobState {
    /** Waiting to be claimed once {@code run_at} is due. The only state a claim takes a job from. */
    PENDING,
    /**
     * Claimed by exactly one worker, which holds the current fencing token ({@code claim_token})
     * and a lease that it extends by heartbeat. Only the holder of the current token may move it on.
     */
    RUNNING,
    /** The handler completed. Final. */
    SUCCEEDED,
    /** An attempt failed and attempts are left; becomes {@link #PENDING} again when {@code run_at} is due. */
    RETRY_SCHEDULED,
    /**
     * Attempts exhausted or the handler discarded the job. Nothing moves it automatically; an
     * operator may re-drive it to {@link #PENDING}.
     */
    DEAD,
    /** Cancelled before it ran, or by its own handler. Final. */
    CANCELLED;

    private static final Map<JobState, Set<JobState>> TRANSITIONS;

    static {
        Map<JobState, Set<JobState>> t = new EnumMap<>(JobState.class);
        t.put(PENDING, EnumSet.of(RUNNING, CANCELLED));
        t.put(RUNNING, EnumSet.of(SUCCEEDED, RETRY_SCHEDULED, DEAD, PENDING, CANCELLED));
        t.put(RETRY_SCHEDULED, EnumSet.of(PENDING, CANCELLED));
        t.put(DEAD, EnumSet.of(PENDING));
        t.put(SUCCEEDED, EnumSet.noneOf(JobState.class));
        t.put(CANCELLED, EnumSet.noneOf(JobState.class));
        t.replaceAll((state, next) -> Collections.unmodifiableSet(next));
        TRANSITIONS = Collections.unmodifiableMap(t);
    }

    /** The states this one may move to; empty for a final state. */
    public Set<JobState> next() {
        return TRANSITIONS.get(this);
    }

    public boolean canTransitionTo(JobState target) {
        return TRANSITIONS.get(this).contains(target);
    }

    /**
     * @throws IllegalTransitionException when {@code target} is not an edge of the table
     */
    public JobState requireTransitionTo(JobState target) {
        if (!canTransitionTo(target)) {
            throw new IllegalTransitionException(this, target);
        }
        return target;
    }

    /** No transition leaves a final state. */
    public boolean isFinal() {
        return TRANSITIONS.get(this).isEmpty();
    }

    /** Finished as far as the fleet is concerned: nothing will run it again on its own. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == DEAD || this == CANCELLED;
    }

    /** The transition table as a mermaid state diagram, as printed in the README. */
    public static String mermaid() {
        StringBuilder out = new StringBuilder("stateDiagram-v2\n    [*] --> PENDING\n");
        for (JobState from : values()) {
            for (JobState to : from.next()) {
                out.append("    ").append(from).append(" --> ").append(to).append('\n');
            }
        }
        for (JobState state : values()) {
            if (state.isTerminal()) {
                out.append("    ").append(state).append(" --> [*]\n");
            }
        }
        return out.toString();
    }
}
