package dev.jobfleet.producer.security;

import static org.springframework.web.util.HtmlUtils.htmlEscape;

import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The dashboard's way in: a page where a person pastes an API token (or a JWT). Spring Security's
 * form login checks it ({@code POST /login}, with this page's CSRF token) and keeps the caller in
 * the session. {@code GET /me} says who a request is made as.
 */
@RestController
@Tag(name = "access", description = "Who is calling")
public class LoginController {
    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

    /** Who the caller is, and its roles. */
    public record Me(String id, Set<String> roles) {}

    @GetMapping(path = "/me", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Who this request is made as: the caller's id (token:<name> or jwt:<subject>) and roles")
    public Me me() {
        Caller caller = Caller.current();
        return new Me(caller.id(), caller.labels());
    }

    @Hidden
    @GetMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> page(HttpServletRequest request) {
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        String message = "";
        if (request.getParameter("error") != null) {
            message = "<p class=\"bad\" id=\"login-error\">That token is not valid.</p>";
        } else if (request.getParameter("logout") != null) {
            message = "<p class=\"muted\">Signed out.</p>";
        }
        String page = """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>jobfleet: sign in</title>
                <style>body{font:15px system-ui,sans-serif;margin:4em auto;max-width:30em;color:#222}
                input[type=password]{width:100%%;padding:.5em;font:inherit;box-sizing:border-box}
                button{margin-top:1em;padding:.5em 1.4em;font:inherit}.bad{color:#b00020}.muted{color:#777}</style>
                </head><body>
                <h1>jobfleet</h1>
                <p>Paste an API token (or a JWT) to open the fleet dashboard.</p>
                %s
                <form method="post" action="login">
                <input type="hidden" name="%s" value="%s">
                <input type="password" name="token" id="token" autocomplete="off" autofocus placeholder="jf_...">
                <button type="submit" id="sign-in">Sign in</button>
                </form>
                <p class="muted">The token stays in this browser's session cookie, never in the page.
                Make one with HashToken (docs/security.md); <code>bin/fleet</code> prints one.</p>
                </body></html>
                """.formatted(message, htmlEscape(csrf.getParameterName()), htmlEscape(csrf.getToken()));
        return ResponseEntity.ok()
                .contentType(HTML)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(page);
    }
}
