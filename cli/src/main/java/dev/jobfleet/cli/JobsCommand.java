package dev.jobfleet.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code jobfleet jobs list|show|cancel|retry}: the producer's {@code GET /jobs}, {@code GET
 * /jobs/{id}}, {@code POST /jobs/{id}/cancel} and {@code POST /jobs/{id}/retry}.
 */
@Command(name = "jobs", description = "List, show, cancel and re-drive jobs.")
final class JobsCommand implements Callable<Integer> {
    private final JobfleetCli root;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    JobsCommand(JobfleetCli root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    @Command(name = "list", description = "Jobs, newest first, by state and type.")
    int list(
            @Option(names = "--state", paramLabel = "STATE", description = "Only jobs in this state, e.g. DEAD")
                    String state,
            @Option(names = "--type", paramLabel = "TYPE", description = "Only jobs of this type") String type,
            @Option(names = "--limit", paramLabel = "N", description = "At most N jobs per page (producer default 50)")
                    Integer limit,
            @Option(names = "--all", description = "Follow the producer's next-page links to the end") boolean all) {
        Session session = root.session();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("state", state);
        params.put("type", type);
        params.put("limit", limit);
        ApiClient.Response page = session.api().getPage("/jobs" + ApiClient.query(params));
        ArrayNode jobs = Json.MAPPER.createArrayNode();
        page.body().path("jobs").forEach(jobs::add);
        while (all && page.nextLink() != null) {
            page = session.api().getPage(page.nextLink());
            page.body().path("jobs").forEach(jobs::add);
        }
        if (session.json()) {
            ObjectNode answer = all ? Json.object() : ((ObjectNode) page.body()).deepCopy();
            answer.set("jobs", jobs);
            session.output().print(answer);
            return ExitCodes.OK;
        }
        Table table = new Table()
                .left("ID")
                .left("TYPE")
                .left("STATE")
                .right("ATTEMPTS")
                .right("PRIORITY")
                .left("CREATED")
                .left("LAST ERROR");
        for (JsonNode job : jobs) {
            table.row(
                    Json.text(job.get("id")),
                    Json.text(job.get("type")),
                    Json.text(job.get("state")),
                    attempts(job),
                    Json.text(job.get("priority")),
                    Json.text(job.get("createdAt")),
                    Table.shorten(Json.text(job.get("lastError")), 60));
        }
        PrintWriter out = session.output().out();
        table.print(out);
        out.println(table.size() + (table.size() == 1 ? " job" : " jobs"));
        if (!all && page.nextLink() != null) {
            out.println("more: jobfleet jobs list --all, or GET " + page.nextLink());
        }
        return ExitCodes.OK;
    }

    @Command(name = "show", description = "One job: its fields, history and errors.")
    int show(
            @Parameters(paramLabel = "ID", description = "The job's id") String id,
            @Option(names = "--logs", description = "Also the entries its handler appended") boolean logs) {
        Session session = root.session();
        JsonNode job = session.api().get("/jobs/" + ApiClient.segment(id));
        JsonNode logEntries = logs ? session.api().get("/jobs/" + ApiClient.segment(id) + "/logs") : null;
        if (session.json()) {
            if (logEntries == null) {
                session.output().print(job);
            } else {
                session.output().print(Json.object().<ObjectNode>set("job", job).set("logs", logEntries.path("logs")));
            }
            return ExitCodes.OK;
        }
        PrintWriter out = session.output().out();
        Table fields = new Table().left("FIELD").left("VALUE");
        for (String name : List.of(
                "id",
                "type",
                "state",
                "attempts",
                "priority",
                "effectivePriority",
                "runAt",
                "idempotencyKey",
                "concurrencyKey",
                "uniqueKey",
                "orderKey",
                "batchId",
                "leaseOwner",
                "leaseExpiresAt",
                "progress",
                "rescueCount",
                "version",
                "createdAt",
                "startedAt",
                "finishedAt",
                "lastError",
                "payload",
                "metadata",
                "counters")) {
            JsonNode value = job.get(name);
            if (name.equals("attempts")) {
                fields.row(name, attempts(job));
            } else if (value != null && !value.isNull()) {
                fields.row(name, name.equals("lastError") ? Table.shorten(Json.text(value), 100) : Json.text(value));
            }
        }
        fields.print(out);
        JsonNode history = job.path("history");
        if (history.size() > 0) {
            out.println();
            Table table = new Table()
                    .left("AT")
                    .left("FROM")
                    .left("TO")
                    .left("ACTOR")
                    .right("ATTEMPT")
                    .left("DETAIL");
            for (JsonNode h : history) {
                table.row(
                        Json.text(h.get("at")),
                        Json.text(h.get("from")),
                        Json.text(h.get("to")),
                        Json.text(h.get("actor")),
                        Json.text(h.get("attempt")),
                        Table.shorten(Json.text(h.get("detail")), 60));
            }
            table.print(out);
        }
        JsonNode errors = job.path("errors");
        if (errors.size() > 0) {
            out.println();
            Table table = new Table().right("ATTEMPT").left("AT").left("ERROR");
            for (JsonNode e : errors) {
                String what = Json.text(e.get("class"));
                String message = Json.text(e.get("message"));
                table.row(
                        Json.text(e.get("attempt")),
                        Json.text(e.get("at")),
                        Table.shorten(message.isEmpty() ? what : what + ": " + message, 80));
            }
            table.print(out);
        }
        if (logEntries != null) {
            out.println();
            Table table = new Table().right("ATTEMPT").left("AT").left("ENTRY");
            for (JsonNode entry : logEntries.path("logs")) {
                table.row(Json.text(entry.get("attempt")), Json.text(entry.get("at")), Json.text(entry.get("entry")));
            }
            table.print(out);
        }
        return ExitCodes.OK;
    }

    @Command(
            name = "cancel",
            description = "Cancel PENDING or RETRY_SCHEDULED jobs (a running or finished job: exit 3).")
    int cancel(@Parameters(paramLabel = "ID", arity = "1..*", description = "Job ids") List<String> ids) {
        return each(ids, "cancel", "cancelled");
    }

    @Command(name = "retry", description = "Re-drive DEAD jobs to PENDING with fresh attempts (another state: exit 3).")
    int retry(@Parameters(paramLabel = "ID", arity = "1..*", description = "Job ids") List<String> ids) {
        return each(ids, "retry", "re-driven");
    }

    /**
     * POSTs {@code action} for every id in turn. A refusal of one job (not found, conflict) does not
     * stop the others; the exit code is the first failure's. No access or no producer stops at once.
     */
    private int each(List<String> ids, String action, String done) {
        Session session = root.session();
        List<JsonNode> changed = new ArrayList<>();
        int exit = ExitCodes.OK;
        for (String id : ids) {
            try {
                JsonNode job = session.api().post("/jobs/" + ApiClient.segment(id) + "/" + action);
                changed.add(job);
                if (!session.json()) {
                    session.output()
                            .line(done + " " + Json.text(job.get("id")) + " (" + Json.text(job.get("type")) + "): now "
                                    + Json.text(job.get("state")));
                }
            } catch (ApiException e) {
                if (e.exitCode() == ExitCodes.AUTH || e.exitCode() == ExitCodes.UNAVAILABLE) {
                    throw e;
                }
                session.output().problem(e);
                exit = exit == ExitCodes.OK ? e.exitCode() : exit;
            }
        }
        if (session.json() && ids.size() == 1 && changed.size() == 1) {
            session.output().print(changed.getFirst());
        } else if (session.json() && ids.size() > 1) {
            ArrayNode jobs = Json.MAPPER.createArrayNode();
            changed.forEach(jobs::add);
            session.output().print(Json.object().set("jobs", jobs));
        }
        return exit;
    }

    private static String attempts(JsonNode job) {
        String max = Json.text(job.get("maxAttempts"));
        return Json.text(job.get("attempts")) + (max.isEmpty() ? "" : "/" + max);
    }
}
