package dev.jobfleet.producer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.jobfleet.model.FieldError;
import io.swagger.v3.oas.annotations.media.Schema;
import java.net.URI;
import java.util.List;

/**
 * The RFC 9457 problem of one item of a bulk request: the problem {@code POST /jobs} would have
 * answered for it, without {@code instance}.
 */
@Schema(name = "ItemProblem")
public record ItemProblem(
        URI type,
        String title,
        int status,
        String detail,

        @Schema(description = "The fields at fault, named from the request body, e.g. jobs[3].priority")
        List<FieldError> errors,

        @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "422: the job that holds the idempotency key")
        String jobId) {

    static ItemProblem of(ProblemException e) {
        Object jobId = e.properties().get("jobId");
        return new ItemProblem(
                e.problem().type(),
                e.problem().title(),
                e.problem().status().value(),
                e.getMessage(),
                e.errors(),
                jobId == null ? null : jobId.toString());
    }
}
