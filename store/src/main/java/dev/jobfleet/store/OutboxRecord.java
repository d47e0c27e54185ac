package dev.jobfleet.store;

import java.util.UUID;

/** One outbox row taken by the relay: the event to publish, as JSON text. */
public record OutboxRecord(long id, UUID jobId, String topic, String event) {}
