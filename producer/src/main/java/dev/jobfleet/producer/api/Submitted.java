package dev.jobfleet.producer.api;

import dev.jobfleet.store.JobRow;

/**
 * What a submission did: created {@code job}, or found it holding a key ({@code duplicate} says
 * which; {@code null} when created).
 */
public record Submitted(JobRow job, Duplicate duplicate) {
    public boolean created() {
        return duplicate == null;
    }
}
