package dev.jobfleet.model;

import static dev.jobfleet.model.JobState.CANCELLED;
import static dev.jobfleet.model.JobState.DEAD;
import static dev.jobfleet.model.JobState.PENDING;
import static dev.jobfleet.model.JobState.RETRY_SCHEDULED;
import static dev.jobfleet.model.JobState.RUNNING;
import static dev.jobfleet.model.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobStateTest {

    /** The table written out by hand, pair by pair, so a change to JobState must change this too. */
    private static final Set<String> EXPECTED_EDGES = Set.of(
            "PENDING->RUNNING",
            "PENDING->CANCELLED",
            "RUNNING->SUCCEEDED",
            "RUNNING->RETRY_SCHEDULED",
            "RUNNING->DEAD",
            "RUNNING->PENDING",
            "RUNNING->CANCELLED",
            "RETRY_SCHEDULED->PENDING",
            "RETRY_SCHEDULED->CANCELLED",
            "DEAD->PENDING");

    @Test
    void everyPairOfStatesIsAllowedExactlyWhenItIsAnEdge() {
        int checked = 0;
        for (JobState from : JobState.values()) {
            for (JobState to : JobState.values()) {
                boolean expected = EXPECTED_EDGES.contains(from + "->" + to);
                assertThat(from.canTransitionTo(to)).as(from + "->" + to).isEqualTo(expected);
                assertThat(from.next().contains(to)).as(from + "->" + to).isEqualTo(expected);
                if (expected) {
                    assertThat(from.requireTransitionTo(to)).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> from.requireTransitionTo(to))
                            .isInstanceOf(IllegalTransitionException.class)
                            .hasMessageContaining(from + " -> " + to);
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(36);
    }

    @ParameterizedTest
    @EnumSource(
            value = JobState.class,
            names = {"SUCCEEDED", "CANCELLED"})
    void finalStatesHaveNoWayOut(JobState state) {
        assertThat(state.isFinal()).isTrue();
        assertThat(state.isTerminal()).isTrue();
        assertThat(state.next()).isEmpty();
    }

    @Test
    void deadIsTerminalButAnOperatorMayRedriveIt() {
        assertThat(DEAD.isTerminal()).isTrue();
        assertThat(DEAD.isFinal()).isFalse();
        assertThat(DEAD.next()).containsExactly(PENDING);
    }

    @Test
    void nothingButAClaimEntersRunningAndNoStateLoopsOnItself() {
        for (JobState from : JobState.values()) {
            assertThat(from.canTransitionTo(from)).as(from + " -> itself").isFalse();
            assertThat(from.canTransitionTo(RUNNING)).isEqualTo(from == PENDING);
        }
    }

    @Test
    void theTableCannotBeChangedAtRunTime() {
        assertThatThrownBy(() -> PENDING.next().add(SUCCEEDED)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void mermaidDiagramListsEveryEdge() {
        String diagram = JobState.mermaid();
        for (String edge : EXPECTED_EDGES) {
            assertThat(diagram).contains(edge.replace("->", " --> "));
        }
        assertThat(diagram).contains("SUCCEEDED --> [*]", "CANCELLED --> [*]", "DEAD --> [*]");
        assertThat(diagram.lines().filter(l -> l.contains(" --> ") && !l.contains("[*]")))
                .hasSize(EXPECTED_EDGES.size());
        assertThat(RETRY_SCHEDULED.isTerminal()).isFalse();
        assertThat(SUCCEEDED.isTerminal()).isTrue();
        assertThat(CANCELLED.isTerminal()).isTrue();
    }
}
