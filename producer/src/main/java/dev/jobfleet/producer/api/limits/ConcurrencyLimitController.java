package dev.jobfleet.producer.api.limits;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.producer.api.Problem;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.store.ConcurrencyLimits;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
 * Concurrency limits (G4): a key with limit n never has more than n running jobs across the fleet.
 * The claim enforces it with one slot row per allowed run; this sets, reads and removes limits.
 */
@RestController
@RequestMapping(path = "/concurrency-limits/{key}", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "concurrency limits", description = "At most n running jobs per concurrency key")
@ApiResponse(responseCode = "400", description = "Invalid request; `errors` names every field at fault")
public class ConcurrencyLimitController {
    private final ConcurrencyLimits limits;

    public ConcurrencyLimitController(ConcurrencyLimits limits) {
        this.limits = limits;
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Set the limit of a concurrency key",
            description = "Raising it frees slots at once. Lowering it never interrupts running jobs: the key takes"
                    + " no new claim until fewer than the new limit run.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            schema = @Schema(implementation = SetLimitRequest.class))))
    @ApiResponse(responseCode = "200", description = "The limit as set, with the slots running jobs hold")
    @ApiResponse(responseCode = "415", description = "Not application/json")
    public LimitView set(
            @Parameter(description = "A concurrency key of jobs, 1 to 255 characters, without '/'") @PathVariable
                    String key,
            @RequestBody(required = false) JsonNode body) {
        int maxRunning = LimitRequestReader.read(key, body);
        return LimitView.of(limits.set(key, maxRunning));
    }

    @GetMapping
    @Operation(summary = "Read the limit of a concurrency key")
    @ApiResponse(responseCode = "200", description = "The limit, with the slots running jobs hold")
    @ApiResponse(responseCode = "404", description = "The key has no limit: its jobs run unbounded")
    public LimitView get(@PathVariable String key) {
        LimitRequestReader.checkKey(key);
        return limits.find(key).map(LimitView::of).orElseThrow(() -> notFound(key));
    }

    @DeleteMapping
    @Operation(
            summary = "Remove the limit of a concurrency key",
            description = "Its jobs run unbounded from now on; running jobs are not touched.")
    @ApiResponse(responseCode = "204", description = "Removed")
    @ApiResponse(responseCode = "404", description = "The key had no limit")
    public ResponseEntity<Void> delete(@PathVariable String key) {
        LimitRequestReader.checkKey(key);
        if (!limits.delete(key)) {
            throw notFound(key);
        }
        return ResponseEntity.noContent().build();
    }

    private static ProblemException notFound(String key) {
        return new ProblemException(
                Problem.LIMIT_NOT_FOUND,
                "Concurrency key '" + key + "' has no limit; its jobs run unbounded.",
                new FieldError("key", "has no limit"));
    }
}
