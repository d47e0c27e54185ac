package dev.jobfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.RunOutcome;
import dev.jobfleet.worker.WorkerProperties.BackoffSettings;
import dev.jobfleet.worker.WorkerProperties.TypeBackoff;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RunOutcomesTest {
    private static final BackoffSettings NO_JITTER = new BackoffSettings(
            Duration.ofSeconds(1),
            Duration.ofMinutes(1),
            0.0,
            Map.of("slow.type", new TypeBackoff(Duration.ofSeconds(10), null)));

    private final RunOutcomes outcomes = new RunOutcomes(NO_JITTER);

    @Test
    void completedSucceeds() {
        Attempt attempt = attempt("mail.send", 1);

        RunOutcome outcome = outcomes.of(attempt, Outcome.completed());

        assertThat(outcome.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(outcome.jobId()).isEqualTo(attempt.jobId());
        assertThat(outcome.claimToken()).isEqualTo(attempt.claimToken());
        assertThat(outcome.error()).isNull();
    }

    @Test
    void retryWithoutDelayWaitsForTheBackoffOfItsAttempt() {
        RunOutcome outcome = outcomes.of(attempt("mail.send", 3), Outcome.retry("mailbox busy"));

        assertThat(outcome.state()).isEqualTo(JobState.RETRY_SCHEDULED);
        assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(4));
        assertThat(outcome.error().attempt()).isEqualTo(3);
        assertThat(outcome.error().message()).isEqualTo("mailbox busy");
    }

    @Test
    void retryWithADelayKeepsIt() {
        RunOutcome outcome =
                outcomes.of(attempt("mail.send", 1), Outcome.retryAfter(Duration.ofMinutes(5), "rate limited"));

        assertThat(outcome.retryDelay()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aTypeWithItsOwnBackoffUsesIt() {
        RunOutcome outcome = outcomes.of(attempt("slow.type", 2), Outcome.retry("later"));

        assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void cancelIsCancelledAndDiscardIsDead() {
        RunOutcome cancelled = outcomes.of(attempt("mail.send", 1), Outcome.cancel("user left"));
        RunOutcome dead = outcomes.of(attempt("mail.send", 1), Outcome.discard("no such mailbox"));

        assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
        assertThat(cancelled.detail()).contains("user left");
        assertThat(cancelled.error()).isNull();
        assertThat(dead.state()).isEqualTo(JobState.DEAD);
        assertThat(dead.error().message()).isEqualTo("no such mailbox");
    }

    @Test
    void aThrownExceptionIsARetryThatKeepsTheError() {
        RunOutcome outcome = outcomes.failed(attempt("mail.send", 2), new IOException("connection reset"));

        assertThat(outcome.state()).isEqualTo(JobState.RETRY_SCHEDULED);
        assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(outcome.error().attempt()).isEqualTo(2);
        assertThat(outcome.error().errorClass()).isEqualTo(IOException.class.getName());
        assertThat(outcome.error().message()).isEqualTo("connection reset");
        assertThat(outcome.error().stack()).contains("RunOutcomesTest");
    }

    @Test
    void aHandlerThatReturnsNullFailed() {
        RunOutcome outcome = outcomes.of(attempt("mail.send", 1), null);

        assertThat(outcome.state()).isEqualTo(JobState.RETRY_SCHEDULED);
        assertThat(outcome.error().message()).contains("returned null");
    }

    static Attempt attempt(String type, int number) {
        return new Attempt(UUID.randomUUID(), UUID.randomUUID(), type, number);
    }
}
