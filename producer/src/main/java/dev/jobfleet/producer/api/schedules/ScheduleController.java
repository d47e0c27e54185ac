package dev.jobfleet.producer.api.schedules;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.producer.api.Problem;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.store.Schedules;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Recurring jobs: a cron schedule enqueues one job per tick, whatever the number of instances
 * running the scheduler (the tick is part of the job's idempotency key). The worker's scheduler
 * enqueues; this creates, reads and removes schedules.
 */
@RestController
@RequestMapping(path = "/schedules", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "schedules", description = "Recurring jobs on a cron schedule")
public class ScheduleController {
    private final ScheduleRequestReader reader;
    private final Schedules schedules;

    public ScheduleController(ScheduleRequestReader reader, Schedules schedules) {
        this.reader = reader;
        this.schedules = schedules;
    }

    @PutMapping(path = "/{name}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Create or replace a schedule",
            description = "Its next tick is the first one after now (database time).",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            schema = @Schema(implementation = ScheduleRequest.class))))
    @ApiResponse(responseCode = "200", description = "The schedule as stored, with its nextTick")
    @ApiResponse(responseCode = "400", description = "Invalid request; `errors` names every field at fault")
    @ApiResponse(responseCode = "413", description = "Payload over the size limit")
    @ApiResponse(responseCode = "415", description = "Not application/json")
    public ScheduleView put(@PathVariable String name, @RequestBody(required = false) JsonNode body) {
        ScheduleRequest request = reader.read(name, body);
        try {
            return ScheduleView.of(schedules.upsert(
                    name,
                    request.cron(),
                    request.zone(),
                    request.type(),
                    request.payload(),
                    request.priority(),
                    request.enabled()));
        } catch (Schedules.InvalidScheduleException e) {
            String message = e.getMessage().startsWith(e.field() + " ")
                    ? e.getMessage().substring(e.field().length() + 1)
                    : e.getMessage();
            ProblemException refused = ProblemException.invalid(List.of(new FieldError(e.field(), message)));
            refused.initCause(e);
            throw refused;
        }
    }

    @GetMapping
    @Operation(summary = "List every schedule, by name")
    @ApiResponse(responseCode = "200", description = "The schedules")
    public ScheduleList list() {
        return new ScheduleList(schedules.list().stream().map(ScheduleView::of).toList());
    }

    @GetMapping("/{name}")
    @Operation(summary = "Read a schedule")
    @ApiResponse(responseCode = "200", description = "The schedule")
    @ApiResponse(responseCode = "404", description = "No such schedule")
    public ScheduleView get(@PathVariable String name) {
        return schedules.find(name).map(ScheduleView::of).orElseThrow(() -> notFound(name));
    }

    @DeleteMapping("/{name}")
    @Operation(
            summary = "Remove a schedule",
            description = "It enqueues nothing more; jobs it enqueued before are not touched.")
    @ApiResponse(responseCode = "204", description = "Removed")
    @ApiResponse(responseCode = "404", description = "No such schedule")
    public ResponseEntity<Void> delete(@PathVariable String name) {
        if (!schedules.delete(name)) {
            throw notFound(name);
        }
        return ResponseEntity.noContent().build();
    }

    private static ProblemException notFound(String name) {
        return new ProblemException(
                Problem.SCHEDULE_NOT_FOUND,
                "There is no schedule '" + name + "'.",
                new FieldError("name", "names no schedule"));
    }
}
