package dev.jobfleet.worker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The context's side of the handler writes: conversion, validation, and what a refused write means;
 * and the retry-and-release logic of {@link JobContext#withLock} (the lock itself is the database's,
 * tested in the store's {@code HandlerLockIT} and the worker's {@code FleetHandlerLockIT}).
 */
class JobContextTest {
    private final UUID jobId = UUID.randomUUID();
    private final UUID token = UUID.randomUUID();
    private final AtomicBoolean held = new AtomicBoolean(true);
    private final AtomicBoolean lost = new AtomicBoolean();
    private final List<JsonNode> written = new ArrayList<>();
    private final JobContext context = new JobContext(
            jobId,
            "t",
            JobCodec.mapper().createObjectNode(),
            1,
            3,
            token,
            "w",
            JobCodec.mapper().createObjectNode(),
            lost::get,
            new RunWrites() {
                @Override
                public boolean mergeMetadata(JsonNode patch) {
                    return write(patch);
                }

                @Override
                public OptionalLong increment(String counter, long n) {
                    return write(JobCodec.mapper().createObjectNode().put(counter, n))
                            ? OptionalLong.of(41 + n)
                            : OptionalLong.empty();
                }

                @Override
                public boolean appendLog(JsonNode entry) {
                    return write(entry);
                }

                @Override
                public Optional<HandlerLock> tryLock(String name, Duration ttl) {
                    if (!held.get()) {
                        lost.set(true);
                        throw new LeaseLostException(jobId, token, "lock " + name);
                    }
                    lockAttempts.incrementAndGet();
                    if (busyAttempts.getAndDecrement() > 0) {
                        return Optional.empty();
                    }
                    HandlerLock lock = new HandlerLock(
                            name, fences.incrementAndGet(), Instant.now().plus(ttl));
                    locksHeld.add(lock);
                    return Optional.of(lock);
                }

                @Override
                public boolean unlock(HandlerLock lock) {
                    locksHeld.remove(lock);
                    released.add(lock);
                    return held.get() && !lockExpired.get();
                }
            });

    private final AtomicInteger busyAttempts = new AtomicInteger();
    private final AtomicInteger lockAttempts = new AtomicInteger();
    private final AtomicLong fences = new AtomicLong();
    private final AtomicBoolean lockExpired = new AtomicBoolean();
    private final List<HandlerLock> locksHeld = new ArrayList<>();
    private final List<HandlerLock> released = new ArrayList<>();

    private boolean write(JsonNode node) {
        if (!held.get()) {
            lost.set(true);
            return false;
        }
        written.add(node);
        return true;
    }

    private record Step(String name, int done) {}

    @Test
    void valuesBecomeJson() {
        context.mergeMetadata(Map.of("stage", "upload"));
        context.appendLog(new Step("upload", 3));
        context.appendLog("plain text");
        assertThat(context.incrementProgress(1)).isEqualTo(42);
        assertThat(written)
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"stage\":\"upload\"}",
                        "{\"name\":\"upload\",\"done\":3}",
                        "\"plain text\"",
                        "{\"progress\":1}");
    }

    @Test
    void aRefusedWriteThrowsLeaseLostAndMarksTheContext() {
        held.set(false);
        assertThatThrownBy(() -> context.mergeMetadata(Map.of("a", 1)))
                .isInstanceOfSatisfying(LeaseLostException.class, e -> {
                    assertThat(e.jobId()).isEqualTo(jobId);
                    assertThat(e.claimToken()).isEqualTo(token);
                })
                .hasMessageContaining("mergeMetadata refused");
        assertThatThrownBy(() -> context.increment("pages", 2))
                .isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("increment pages");
        assertThatThrownBy(() -> context.appendLog("late")).isInstanceOf(LeaseLostException.class);
        assertThat(context.leaseLost()).isTrue();
        assertThat(written).isEmpty();
    }

    @Test
    void withLockRunsTheWorkUnderTheLockAndGivesItBackOnEveryPath() throws Exception {
        busyAttempts.set(3);
        long fence = context.withLock("report", Duration.ofSeconds(5), lock -> {
            assertThat(locksHeld).containsExactly(lock);
            return lock.fence();
        });
        assertThat(fence).isEqualTo(1L);
        assertThat(lockAttempts.get())
                .as("three contended attempts, then the lock")
                .isEqualTo(4);
        assertThat(locksHeld).isEmpty();
        assertThat(released).hasSize(1);

        assertThatThrownBy(() -> context.withLock("report", Duration.ofSeconds(5), lock -> {
                    throw new IllegalStateException("the work failed");
                }))
                .hasMessage("the work failed");
        assertThat(locksHeld).as("released after a failure").isEmpty();
        assertThat(released).hasSize(2);

        lockExpired.set(true);
        assertThatThrownBy(() -> context.withLock("report", Duration.ofSeconds(5), lock -> "done"))
                .isInstanceOfSatisfying(
                        LockLostException.class, e -> assertThat(e.fence()).isEqualTo(3));
        assertThat(locksHeld).isEmpty();
    }

    @Test
    void withLockGivesUpAfterMaxWaitAndALostRunTakesNothing() {
        busyAttempts.set(Integer.MAX_VALUE);
        assertThatThrownBy(() -> context.withLock("report", Duration.ofSeconds(5), Duration.ofMillis(60), lock -> {
                    throw new AssertionError("must not run");
                }))
                .isInstanceOfSatisfying(
                        LockUnavailableException.class,
                        e -> assertThat(e.lockName()).isEqualTo("report"));
        assertThat(lockAttempts.get())
                .as("retried with backoff until the deadline")
                .isBetween(2, 20);

        held.set(false);
        assertThatThrownBy(() -> context.withLock("report", Duration.ofSeconds(5), lock -> "never"))
                .isInstanceOf(LeaseLostException.class);
        assertThat(context.leaseLost()).isTrue();
        assertThat(locksHeld).isEmpty();
        assertThatThrownBy(() -> context.withLock(" ", Duration.ofSeconds(5), lock -> "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> context.withLock("x", Duration.ZERO, lock -> "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonsenseIsRefusedBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> context.mergeMetadata(JobCodec.mapper().readTree("[1]")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> context.increment(" ", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> context.appendLog(JobCodec.mapper().nullNode()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(written).isEmpty();
    }
}
