package dev.jobfleet.producer.api;

import dev.jobfleet.store.LogEntry;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** One entry a handler appended to its job's log, with the attempt that wrote it. */
@Schema(name = "LogEntry")
public record LogView(
        long id,
        int attempt,
        Instant at,

        @Schema(description = "What the handler logged, any JSON value")
        JsonNode entry) {

    static LogView of(LogEntry entry) {
        return new LogView(entry.id(), entry.attempt(), entry.at(), entry.entry());
    }
}
