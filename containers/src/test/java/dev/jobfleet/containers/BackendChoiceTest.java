package dev.jobfleet.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The selection between containers and the local parts, with Docker's answer injected. */
class BackendChoiceTest {

    @ParameterizedTest(name = "{0}, Docker answers {1}: containers {2}, Docker asked {3} time(s)")
    @CsvSource({
        "auto,   true,  true,  1",
        "auto,   false, false, 1",
        "never,  true,  false, 0",
        "never,  false, false, 0",
        "always, true,  true,  1"
    })
    void theModeAndDockersAnswerDecide(String mode, boolean docker, boolean containers, int asked) {
        AtomicInteger questions = new AtomicInteger();
        BooleanSupplier dockerAvailable = () -> {
            questions.incrementAndGet();
            return docker;
        };

        BackendChoice choice = BackendChoice.decide(ContainerMode.parse(mode), dockerAvailable);

        assertThat(choice.containers()).isEqualTo(containers);
        assertThat(questions).hasValue(asked);
        assertThat(choice.reason()).startsWith("jobfleet.test.containers=" + mode);
    }

    @Test
    void alwaysWithoutDockerFailsSayingWhatToDo() {
        assertThatThrownBy(() -> BackendChoice.decide(ContainerMode.ALWAYS, () -> false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("jobfleet.test.containers=always but no Docker engine answers")
                .hasMessageContaining("use auto");
    }

    @Test
    void theModeIsReadLeniently() {
        assertThat(ContainerMode.parse(null)).isEqualTo(ContainerMode.AUTO);
        assertThat(ContainerMode.parse(" ")).isEqualTo(ContainerMode.AUTO);
        assertThat(ContainerMode.parse("ALWAYS")).isEqualTo(ContainerMode.ALWAYS);
        assertThat(ContainerMode.parse(" never ")).isEqualTo(ContainerMode.NEVER);
        assertThatThrownBy(() -> ContainerMode.parse("sometimes"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("jobfleet.test.containers must be auto, always or never: sometimes");
    }

    @Test
    void theChoiceIsMadeOnceAndLoggedOnce() {
        AtomicInteger questions = new AtomicInteger();
        List<String> log = new ArrayList<>();
        BackendChoice.Once once = new BackendChoice.Once(
                ContainerMode.AUTO,
                () -> {
                    questions.incrementAndGet();
                    return false;
                },
                log::add);

        BackendChoice first = once.get();
        BackendChoice second = once.get();

        assertThat(second).isSameAs(first);
        assertThat(first.containers()).isFalse();
        assertThat(questions).hasValue(1);
        assertThat(log)
                .containsExactly("jobfleet backends: jobfleet.test.containers=auto: no Docker engine answers,"
                        + " the local Kafka broker and PostgreSQL");
    }

    @Test
    void thisMachinesRealAnswerIsWhatTheJvmUses() {
        boolean docker = Backends.dockerAvailable();
        ContainerMode mode = ContainerMode.fromSystemProperty();

        System.out.printf(
                "containers: a Docker engine %s; %s%n",
                docker ? "answers" : "does not answer",
                mode == ContainerMode.ALWAYS && !docker
                        ? "(always would fail)"
                        : Backends.choice().reason());
        if (mode != ContainerMode.ALWAYS || docker) {
            assertThat(Backends.containers()).isEqualTo(mode != ContainerMode.NEVER && docker);
        }
    }
}
