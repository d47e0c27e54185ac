package dev.jobfleet.store;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** One entry a handler appended to its job's log, with the run (token, attempt) that wrote it. */
public record LogEntry(long id, UUID jobId, UUID claimToken, int attempt, Instant at, JsonNode entry) {}
