package dev.jobfleet.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * An error answer of the producer, read from its RFC 9457 problem document ({@code
 * application/problem+json}: {@code type}, {@code title}, {@code status}, {@code detail}, the
 * {@code errors} naming the fields at fault, and members of its own such as {@code state}); or, when
 * the body is not a problem document (a proxy's page, an empty body), the status and the start of
 * the body.
 *
 * @param status the HTTP status
 * @param title the problem's title, or the status's reason when there is no document
 * @param type the problem type's last path segment ({@code job-not-cancellable}); null without one
 * @param detail the problem's detail; null without one
 * @param fields the field errors, {@code field -> message}, in the order given
 * @param extra the other members ({@code state}, {@code jobId}, {@code currentVersion}, ...) as text
 * @param document the problem document as received; null when the body was not one
 */
public record ApiProblem(
        int status,
        String title,
        String type,
        String detail,
        List<FieldMessage> fields,
        Map<String, String> extra,
        JsonNode document) {

    private static final Set<String> STANDARD = Set.of("type", "title", "status", "detail", "instance", "errors");

    /** One field at fault. */
    public record FieldMessage(String field, String message) {}

    public ApiProblem {
        fields = List.copyOf(fields);
        extra = Map.copyOf(extra);
    }

    /** Reads a problem document; null when {@code body} is not one (no {@code title} and no {@code status}). */
    static ApiProblem fromDocument(int status, JsonNode body) {
        if (body == null || !body.isObject() || !(body.has("title") || body.has("status"))) {
            return null;
        }
        List<FieldMessage> fields = new ArrayList<>();
        for (JsonNode error : body.path("errors")) {
            fields.add(new FieldMessage(Json.text(error.get("field")), Json.text(error.get("message"))));
        }
        Map<String, String> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> member : body.properties()) {
            if (!STANDARD.contains(member.getKey()) && !member.getValue().isNull()) {
                extra.put(member.getKey(), Json.text(member.getValue()));
            }
        }
        String type = Json.text(body.get("type"));
        return new ApiProblem(
                status,
                Json.text(body.get("title")),
                type.isEmpty() || type.equals("about:blank") ? null : type.substring(type.lastIndexOf('/') + 1),
                body.hasNonNull("detail") ? Json.text(body.get("detail")) : null,
                fields,
                extra,
                body);
    }

    /** An answer without a problem document: the status and up to 200 characters of the body. */
    static ApiProblem withoutDocument(int status, String body) {
        String start = body == null ? "" : body.strip();
        if (start.length() > 200) {
            start = start.substring(0, 200) + "...";
        }
        return new ApiProblem(status, reason(status), null, start.isEmpty() ? null : start, List.of(), Map.of(), null);
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 409 -> "Conflict";
            case 500 -> "Internal server error";
            case 502 -> "Bad gateway";
            case 503 -> "Service unavailable";
            case 504 -> "Gateway timeout";
            default -> "HTTP " + status;
        };
    }
}
