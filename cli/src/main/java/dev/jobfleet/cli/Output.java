package dev.jobfleet.cli;

import java.io.PrintWriter;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Standard output and standard error of a run. Results go to standard output (tables, or the
 * API's JSON with {@code --json}); errors to standard error (a few lines for a person, or one JSON
 * document with {@code --json}).
 */
record Output(PrintWriter out, PrintWriter err, boolean json) {

    void print(JsonNode node) {
        out.println(Json.pretty(node));
    }

    void print(Table table) {
        table.print(out);
    }

    void line(String text) {
        out.println(text);
    }

    /** A problem answer of the producer. */
    void problem(ApiException e) {
        ApiProblem p = e.problem();
        if (json) {
            if (p.document() != null) {
                err.println(p.document());
            } else {
                ObjectNode doc = Json.object().put("status", p.status()).put("title", p.title());
                if (p.detail() != null) {
                    doc.put("detail", p.detail());
                }
                err.println(doc);
            }
            return;
        }
        err.println("jobfleet: " + p.title() + " (" + p.status() + (p.type() == null ? "" : " " + p.type()) + ")");
        if (p.detail() != null && !p.detail().isBlank()) {
            err.println("  " + p.detail());
        }
        for (ApiProblem.FieldMessage field : p.fields()) {
            err.println("  field " + field.field() + ": " + field.message());
        }
        for (Map.Entry<String, String> member : p.extra().entrySet()) {
            err.println("  " + member.getKey() + ": " + member.getValue());
        }
        err.println("  request: " + e.request());
        switch (p.status()) {
            case 401 -> err.println("  hint: set JOBFLEET_TOKEN (or --token) to an API token the producer knows");
            case 403 -> err.println("  hint: the token's role may not do this (viewer reads, operator changes)");
            default -> {}
        }
    }

    void unreachable(UnreachableException e) {
        if (json) {
            err.println(Json.object().put("error", e.getMessage()));
            return;
        }
        err.println("jobfleet: " + e.getMessage());
        err.println("  hint: is the producer running there? Point --url or JOBFLEET_URL at it");
    }

    void error(String message) {
        if (json) {
            err.println(Json.object().put("error", message));
        } else {
            err.println("jobfleet: " + message);
        }
    }
}
