package dev.jobfleet.worker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The context's side of the handler writes: conversion, validation, and what a refused write means. */
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
            });

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
    void nonsenseIsRefusedBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> context.mergeMetadata(JobCodec.mapper().readTree("[1]")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> context.increment(" ", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> context.appendLog(JobCodec.mapper().nullNode()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(written).isEmpty();
    }
}
