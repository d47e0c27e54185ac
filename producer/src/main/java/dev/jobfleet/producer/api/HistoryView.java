package dev.jobfleet.producer.api;

import dev.jobfleet.model.JobState;
import dev.jobfleet.store.HistoryEntry;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/**
 * One transition of a job; {@code from} is null for the submission. A run is identified by its
 * {@code attempt} and {@code actor} (the worker); fencing tokens stay inside the fleet.
 */
@Schema(name = "HistoryEntry")
public record HistoryView(
        long id, JobState from, JobState to, Instant at, String actor, Integer attempt, String detail) {

    static HistoryView of(HistoryEntry entry) {
        return new HistoryView(
                entry.id(), entry.from(), entry.to(), entry.at(), entry.actor(), entry.attempt(), entry.detail());
    }
}
