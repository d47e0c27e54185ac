package dev.jobfleet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code jobfleet limits list|set|delete}: concurrency limits, the producer's {@code
 * /concurrency-limits} resource. A limit caps the running jobs of one {@code concurrencyKey}
 * fleet-wide.
 */
@Command(name = "limits", description = "List, set and delete concurrency limits.")
final class LimitsCommand implements Callable<Integer> {
    private final JobfleetCli root;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    LimitsCommand(JobfleetCli root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    @Command(name = "list", description = "Every concurrency limit, by key, with the slots running jobs hold.")
    int list() {
        Session session = root.session();
        JsonNode answer = session.api().get("/concurrency-limits");
        if (session.json()) {
            session.output().print(answer);
            return ExitCodes.OK;
        }
        Table table = limitTable();
        for (JsonNode limit : answer.path("limits")) {
            addRow(table, limit);
        }
        session.output().print(table);
        session.output().line(table.size() + (table.size() == 1 ? " limit" : " limits"));
        return ExitCodes.OK;
    }

    @Command(name = "set", description = "Create or change the limit of a key: at most MAX running jobs with it.")
    int set(
            @Parameters(index = "0", paramLabel = "KEY", description = "The concurrency key") String key,
            @Parameters(index = "1", paramLabel = "MAX", description = "Most running jobs (1..10000)") int max) {
        Session session = root.session();
        JsonNode limit = session.api()
                .put(
                        "/concurrency-limits/" + ApiClient.segment(key),
                        Json.object().put("maxRunning", max));
        if (session.json()) {
            session.output().print(limit);
        } else {
            Table table = limitTable();
            addRow(table, limit);
            session.output().print(table);
        }
        return ExitCodes.OK;
    }

    @Command(
            name = "delete",
            description = "Remove the limit of a key: its jobs run unbounded (running jobs are not touched).")
    int delete(@Parameters(paramLabel = "KEY", description = "The concurrency key") String key) {
        Session session = root.session();
        session.api().delete("/concurrency-limits/" + ApiClient.segment(key));
        if (session.json()) {
            session.output().print(Json.object().put("key", key).put("deleted", true));
        } else {
            session.output().line("deleted the concurrency limit of " + key);
        }
        return ExitCodes.OK;
    }

    private static Table limitTable() {
        return new Table().left("KEY").right("MAX RUNNING").right("RUNNING").left("UPDATED");
    }

    private static void addRow(Table table, JsonNode limit) {
        table.row(
                Json.text(limit.get("key")),
                Json.text(limit.get("maxRunning")),
                Json.text(limit.get("running")),
                Json.text(limit.get("updatedAt")));
    }
}
