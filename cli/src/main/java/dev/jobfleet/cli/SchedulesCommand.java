package dev.jobfleet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code jobfleet schedules list|set|delete}: recurring jobs, the producer's {@code /schedules}
 * resource. The workers enqueue one job per tick of a schedule's cron, fleet-wide.
 */
@Command(name = "schedules", description = "List, set and delete recurring schedules.")
final class SchedulesCommand implements Callable<Integer> {
    private final JobfleetCli root;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    SchedulesCommand(JobfleetCli root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    @Command(name = "list", description = "Every schedule, by name, with its next tick.")
    int list() {
        Session session = root.session();
        JsonNode answer = session.api().get("/schedules");
        if (session.json()) {
            session.output().print(answer);
            return ExitCodes.OK;
        }
        Table table = scheduleTable();
        for (JsonNode schedule : answer.path("schedules")) {
            addRow(table, schedule);
        }
        session.output().print(table);
        session.output().line(table.size() + (table.size() == 1 ? " schedule" : " schedules"));
        return ExitCodes.OK;
    }

    @Command(name = "set", description = "Create or replace a schedule.")
    int set(
            @Parameters(paramLabel = "NAME", description = "The schedule's name") String name,
            @Option(
                            names = "--cron",
                            required = true,
                            paramLabel = "CRON",
                            description = "Spring cron with seconds, e.g. '0 */5 * * * *'")
                    String cron,
            @Option(names = "--type", required = true, paramLabel = "TYPE", description = "The job type to enqueue")
                    String type,
            @Option(names = "--zone", paramLabel = "ZONE", description = "Time zone of the cron (producer default UTC)")
                    String zone,
            @Option(names = "--payload", paramLabel = "JSON", description = "The jobs' payload, a JSON value")
                    String payload,
            @Option(names = "--priority", paramLabel = "N", description = "0 (first) .. 9; producer default 0")
                    Integer priority,
            @Option(names = "--disabled", description = "Store it without enqueueing jobs") boolean disabled) {
        ObjectNode body = Json.object().put("cron", cron).put("type", type);
        if (zone != null) {
            body.put("zone", zone);
        }
        if (payload != null) {
            JsonNode parsed = Json.tryParse(payload);
            if (parsed == null) {
                throw new UsageException("--payload is not JSON: " + payload);
            }
            body.set("payload", parsed);
        }
        if (priority != null) {
            body.put("priority", priority);
        }
        body.put("enabled", !disabled);
        Session session = root.session();
        JsonNode schedule = session.api().put("/schedules/" + ApiClient.segment(name), body);
        if (session.json()) {
            session.output().print(schedule);
        } else {
            Table table = scheduleTable();
            addRow(table, schedule);
            session.output().print(table);
        }
        return ExitCodes.OK;
    }

    @Command(name = "delete", description = "Delete a schedule (jobs it enqueued before are not touched).")
    int delete(@Parameters(paramLabel = "NAME", description = "The schedule's name") String name) {
        Session session = root.session();
        session.api().delete("/schedules/" + ApiClient.segment(name));
        if (session.json()) {
            session.output().print(Json.object().put("name", name).put("deleted", true));
        } else {
            session.output().line("deleted the schedule " + name);
        }
        return ExitCodes.OK;
    }

    private static Table scheduleTable() {
        return new Table()
                .left("NAME")
                .left("CRON")
                .left("ZONE")
                .left("TYPE")
                .right("PRIORITY")
                .left("ENABLED")
                .left("NEXT TICK")
                .left("LAST JOB");
    }

    private static void addRow(Table table, JsonNode s) {
        table.row(
                Json.text(s.get("name")),
                Json.text(s.get("cron")),
                Json.text(s.get("zone")),
                Json.text(s.get("type")),
                Json.text(s.get("priority")),
                Json.text(s.get("enabled")),
                Json.text(s.get("nextTick")),
                Json.text(s.get("lastJobId")));
    }
}
