package dev.jobfleet.producer.security;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.producer.api.Problem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.csrf.CsrfException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answers of the security filters, as RFC 9457 problems like every other error of the API: 401
 * with {@code WWW-Authenticate: Bearer} (RFC 6750; {@code error="invalid_token"} when a token was
 * sent and is not valid), 403 for a role that may not do it (or a browser form without its CSRF
 * token), 503 when token verification is saturated. A person's browser asking for a page is sent
 * to the login page instead of a 401.
 */
final class ProblemResponses implements AuthenticationEntryPoint, AccessDeniedHandler {
    static final String AUTHORIZATION = "Authorization";

    private final JsonMapper json;

    ProblemResponses(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(
            HttpServletRequest request, HttpServletResponse response, AuthenticationException authException)
            throws IOException {
        if (authException instanceof VerificationBusyException busy) {
            response.setHeader("Retry-After", "1");
            write(
                    request,
                    response,
                    Problem.SERVICE_UNAVAILABLE.detail(
                            "Too many tokens are being verified at once; nothing was done. Try again shortly.",
                            List.of()));
            return;
        }
        boolean presented = request.getHeader(AUTHORIZATION) != null;
        if (!presented && wantsPage(request)) {
            response.sendRedirect(request.getContextPath() + "/login");
            return;
        }
        String challenge = presented
                ? "Bearer error=\"invalid_token\", error_description=\"" + description(authException) + "\""
                : "Bearer";
        response.setHeader("WWW-Authenticate", challenge);
        String detail = presented
                ? "The Authorization header does not hold a valid bearer token (" + description(authException)
                        + "); nothing was done."
                : "Send Authorization: Bearer <token> (an API token or a JWT); nothing was done.";
        write(
                request,
                response,
                Problem.UNAUTHORIZED.detail(
                        detail,
                        List.of(new FieldError(
                                AUTHORIZATION,
                                presented ? "is not a valid bearer token" : "is required: Bearer <token>"))));
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        if (denied instanceof CsrfException) {
            write(
                    request,
                    response,
                    Problem.FORBIDDEN.detail(
                            "The request came from a browser session without its CSRF token; nothing was done."
                                    + " Reload the page, or send Authorization: Bearer <token> instead.",
                            List.of(new FieldError("X-CSRF-TOKEN", "is missing or does not match the session"))));
            return;
        }
        String who = describeCaller();
        write(
                request,
                response,
                Problem.FORBIDDEN.detail(
                        who + " may not " + request.getMethod() + " " + path(request)
                                + "; nothing was done. docs/security.md lists what each role may do.",
                        List.of(new FieldError(AUTHORIZATION, "names a caller whose role may not do this"))));
    }

    private void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        problem.setInstance(Problem.instance(path(request)));
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setHeader("Cache-Control", "no-store");
        json.writeValue(response.getOutputStream(), problem);
    }

    private static String describeCaller() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
            return caller.roles().isEmpty()
                    ? "Caller " + caller.id() + ", which has no jobfleet role,"
                    : "Caller " + caller.id() + " (role " + String.join(", ", caller.labels()) + ")";
        }
        return "This caller";
    }

    /** A browser navigating to a page (not a script, not an API client): the login form serves it better. */
    private static boolean wantsPage(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return "GET".equals(request.getMethod()) && accept != null && accept.contains(MediaType.TEXT_HTML_VALUE);
    }

    private static String description(AuthenticationException e) {
        if (e instanceof InvalidBearerTokenException) {
            return "the token is not valid";
        }
        return "the token was not accepted";
    }

    private static String path(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return uri == null ? "/" : uri;
    }
}
