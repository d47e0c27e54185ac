package dev.jobfleet.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;

/**
 * {@code jobfleet status}: the producer's {@code GET /fleet/status} as tables: a summary (consumer
 * lag, oldest due pending job, outbox backlog, DEAD jobs), the lag per partition and the queue
 * depth per type and state.
 */
@Command(
        name = "status",
        description = "Consumer lag, queue depth, the oldest due job, the outbox backlog and the DEAD jobs.")
final class StatusCommand implements Callable<Integer> {
    private final JobfleetCli root;

    StatusCommand(JobfleetCli root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        Session session = root.session();
        JsonNode status = session.api().get("/fleet/status");
        if (session.json()) {
            session.output().print(status);
        } else {
            render(status, session.api().base().toString(), session.output().out());
        }
        return ExitCodes.OK;
    }

    static void render(JsonNode status, String url, PrintWriter out) {
        JsonNode lag = status.path("consumerLag");
        JsonNode queue = status.path("queue");
        out.println("jobfleet status of " + url + " at " + Json.text(status.get("at")));
        out.println();
        new Table()
                .left("SUMMARY")
                .right("VALUE")
                .row(
                        "consumer lag (records)",
                        lag.path("known").asBoolean(false) ? Json.text(lag.get("total")) : "unknown")
                .row(
                        "oldest due pending job (s)",
                        seconds(status.path("oldestDuePendingAgeSeconds").asDouble(0)))
                .row("outbox backlog (rows)", Json.text(status.get("outboxBacklog")))
                .row("DEAD jobs", Json.text(status.get("deadJobs")))
                .print(out);
        out.println();
        out.println("CONSUMER LAG  " + lagHeadline(lag));
        if (lag.path("known").asBoolean(false)) {
            Table partitions = new Table()
                    .right("PARTITION")
                    .right("COMMITTED")
                    .right("END")
                    .right("LAG")
                    .left("OWNER")
                    .left("HOST");
            for (JsonNode p : lag.path("partitions")) {
                partitions.row(
                        Json.text(p.get("partition")),
                        Json.text(p.get("committed")),
                        Json.text(p.get("end")),
                        Json.text(p.get("lag")),
                        Json.text(p.get("owner")),
                        Json.text(p.get("host")));
            }
            partitions.row("total", "", "", Json.text(lag.get("total")), "", "");
            partitions.print(out);
        }
        out.println();
        long total = queue.path("total").asLong(0);
        out.println("QUEUE DEPTH  " + total + (total == 1 ? " job" : " jobs"));
        List<String> states = new ArrayList<>();
        for (Map.Entry<String, JsonNode> state : queue.path("byState").properties()) {
            states.add(state.getKey());
        }
        Table depth = new Table().left("TYPE");
        states.forEach(depth::right);
        depth.right("TOTAL");
        for (JsonNode type : queue.path("byType")) {
            depth.row(cells(Json.text(type.get("type")), type.path("counts"), states, type.get("total")));
        }
        depth.row(cells("all types", queue.path("byState"), states, queue.get("total")));
        depth.print(out);
    }

    private static Object[] cells(String name, JsonNode counts, List<String> states, JsonNode total) {
        Object[] cells = new Object[states.size() + 2];
        cells[0] = name;
        for (int i = 0; i < states.size(); i++) {
            cells[i + 1] = counts.path(states.get(i)).asLong(0);
        }
        cells[cells.length - 1] = Json.text(total);
        return cells;
    }

    private static String lagHeadline(JsonNode lag) {
        String who = "group " + Json.text(lag.get("group")) + " on " + Json.text(lag.get("topic")) + ": ";
        if (!lag.path("known").asBoolean(false)) {
            return who + "lag unknown (" + Json.text(lag.get("error")) + ")";
        }
        int members = lag.path("members").asInt(0);
        return who + Json.text(lag.get("total")) + " records behind, group " + Json.text(lag.get("groupState")) + ", "
                + members + (members == 1 ? " member" : " members");
    }

    private static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds);
    }
}
