package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import io.swagger.v3.oas.annotations.media.Schema;
import java.net.URI;
import java.util.List;

/**
 * The shape of every error body, for the OpenAPI document only: responses are built as Spring's
 * {@code ProblemDetail} ({@link Problem}), whose extension members are written inline.
 */
@Schema(name = "Problem", description = "RFC 9457 problem details")
record ProblemSchema(
        @Schema(example = "https://jobfleet.dev/problems/invalid-request")
        URI type,

        @Schema(example = "Invalid request") String title,
        @Schema(example = "400") int status,

        @Schema(example = "1 field is invalid: priority must be between 0 and 9.")
        String detail,

        @Schema(example = "/jobs") URI instance,

        @Schema(description = "The fields at fault; empty when no single field is")
        List<FieldError> errors) {}
