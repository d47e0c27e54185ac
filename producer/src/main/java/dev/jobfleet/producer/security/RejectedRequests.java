package dev.jobfleet.producer.security;

import dev.jobfleet.producer.api.Problem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests Spring Security's firewall refuses before anything else sees them (an encoded slash or
 * NUL, a path that is not normalized, a header value with control characters) get a 400 problem
 * like every other refusal.
 */
final class RejectedRequests implements RequestRejectedHandler {
    private final JsonMapper json;

    RejectedRequests(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException rejected)
            throws IOException {
        ProblemDetail problem = Problem.INVALID_REQUEST.detail(
                "The request was refused before it was read: " + rejected.getMessage() + ". Nothing was done.",
                List.of());
        problem.setInstance(Problem.instance(request.getRequestURI()));
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
