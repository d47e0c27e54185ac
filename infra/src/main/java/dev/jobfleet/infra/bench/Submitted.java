package dev.jobfleet.infra.bench;

import java.util.List;
import java.util.UUID;

/**
 * What a submitter got done.
 *
 * @param ids the jobs accepted (HTTP 2xx, or acknowledged by Kafka)
 * @param failed submissions refused or lost
 * @param firstFailure the first refusal or error, for the report; null if none
 * @param startNanos {@link System#nanoTime()} when the first job was sent
 * @param endNanos when the last answer or acknowledgement came
 */
record Submitted(List<UUID> ids, int failed, String firstFailure, long startNanos, long endNanos) {
    double seconds() {
        return (endNanos - startNanos) / 1e9;
    }
}
