package dev.jobfleet.producer.api.limits;

import dev.jobfleet.store.ConcurrencyLimits;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Every concurrency limit at once, for operators ({@code jobfleet limits list}). */
@RestController
@Tag(name = "concurrency limits", description = "At most n running jobs per concurrency key")
public class ConcurrencyLimitListController {
    private final ConcurrencyLimits limits;

    public ConcurrencyLimitListController(ConcurrencyLimits limits) {
        this.limits = limits;
    }

    @GetMapping(path = "/concurrency-limits", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "List every concurrency limit", description = "By key, with the slots running jobs hold.")
    @ApiResponse(responseCode = "200", description = "The limits")
    public LimitList list() {
        return new LimitList(limits.list().stream().map(LimitView::of).toList());
    }
}
