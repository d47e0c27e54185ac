package dev.jobfleet.producer.fleet;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.producer.security.Caller;
import dev.jobfleet.producer.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The fleet at a glance for a person: consumer lag per partition, queue depth per state and type,
 * the oldest due pending job, the outbox backlog and the dead jobs. JSON, an aligned text table
 * ({@code Accept: text/plain} or {@code ?format=text}), or a self-refreshing page at {@code /fleet}.
 */
@RestController
@Tag(name = "fleet", description = "Consumer lag and queue depth at a glance")
public class FleetStatusController {
    private static final MediaType TEXT = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);
    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

    private final FleetStatusReader reader;
    private final FleetProperties properties;

    public FleetStatusController(FleetStatusReader reader, FleetProperties properties) {
        this.reader = reader;
        this.properties = properties;
    }

    @GetMapping("/fleet/status")
    @Operation(
            summary = "Consumer lag and queue depth",
            description = "The workers' consumer lag per partition of jobfleet.jobs (committed offsets against"
                    + " end offsets), jobs per state and type, the age of the oldest due pending job, the outbox"
                    + " backlog and the DEAD jobs. When Kafka does not answer within"
                    + " jobfleet.producer.fleet.kafka-timeout the lag is unknown and the rest is answered."
                    + " JSON, or an aligned text table with Accept: text/plain or ?format=text.")
    @ApiResponse(
            responseCode = "200",
            description = "The fleet status",
            content = {
                @Content(
                        mediaType = MediaType.APPLICATION_JSON_VALUE,
                        schema = @Schema(implementation = FleetStatus.class)),
                @Content(mediaType = MediaType.TEXT_PLAIN_VALUE, schema = @Schema(type = "string"))
            })
    @ApiResponse(responseCode = "400", description = "format is neither json nor text")
    public ResponseEntity<?> status(
            @Parameter(
                            description = "json or text; without it, the Accept header decides (JSON unless text/plain"
                                    + " is preferred)")
                    @RequestParam(name = "format", required = false)
                    String format,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
        FleetStatus status = reader.read();
        if (wantsText(format, accept)) {
            return ResponseEntity.ok().contentType(TEXT).body(FleetText.render(status));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(status);
    }

    @GetMapping("/fleet")
    @Operation(
            summary = "The fleet dashboard",
            description = "Live charts of throughput, queue depth by state, lag per partition and the oldest job's"
                    + " age (polled from /fleet/status every jobfleet.producer.fleet.page-refresh, at most 5 s), the"
                    + " tables of /fleet/status, and the jobs with drill-down to their history, errors and log;"
                    + " re-drive and cancel for operators. A person signs in at /login with a token.")
    @ApiResponse(
            responseCode = "200",
            description = "An HTML page",
            content = @Content(mediaType = MediaType.TEXT_HTML_VALUE, schema = @Schema(type = "string")))
    public ResponseEntity<String> page(HttpServletRequest request) {
        Caller caller = Caller.current();
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        FleetHtml.Viewer viewer = new FleetHtml.Viewer(
                caller.id(),
                String.join(", ", caller.labels()),
                caller.has(Role.OPERATOR),
                csrf.getHeaderName(),
                csrf.getParameterName(),
                csrf.getToken());
        return ResponseEntity.ok()
                .contentType(HTML)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(FleetHtml.render(reader.read(), properties.pageRefresh(), viewer));
    }

    /**
     * Text when asked by name, or when the Accept header names {@code text/plain} explicitly and ranks
     * it at least as high as JSON; JSON otherwise ({@code curl}'s {@code *}{@code /*} included).
     */
    static boolean wantsText(String format, String accept) {
        if (format != null) {
            return switch (format.toLowerCase(Locale.ROOT)) {
                case "text" -> true;
                case "json" -> false;
                default -> throw ProblemException.invalid(List.of(new FieldError("format", "must be json or text")));
            };
        }
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaType> types;
        try {
            types = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
        double text = quality(types, MediaType.TEXT_PLAIN);
        double json = quality(types, MediaType.APPLICATION_JSON);
        return text > 0 && text >= json;
    }

    /** The quality the Accept list gives {@code wanted} when it names it exactly; 0 when it does not. */
    private static double quality(List<MediaType> types, MediaType wanted) {
        return types.stream()
                .filter(type -> type.getType().equalsIgnoreCase(wanted.getType())
                        && type.getSubtype().equalsIgnoreCase(wanted.getSubtype()))
                .mapToDouble(MediaType::getQualityValue)
                .max()
                .orElse(0);
    }
}
