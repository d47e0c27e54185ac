package dev.jobfleet.producer.fleet;

import dev.jobfleet.model.JobState;
import java.util.Locale;
import java.util.Map;

/** {@link FleetStatus} as aligned plain-text tables, for {@code curl} and {@code watch}. */
final class FleetText {
    private FleetText() {}

    static String render(FleetStatus status) {
        StringBuilder out = new StringBuilder();
        out.append("jobfleet fleet status at ").append(status.at()).append("\n\n");
        appendLag(out, status.consumerLag());
        out.append('\n');
        appendQueue(out, status.queue());
        out.append('\n');
        new TextTable()
                .left("SUMMARY")
                .right("VALUE")
                .row("consumer lag (records)", lagTotal(status.consumerLag()))
                .row("oldest due pending job (s)", seconds(status.oldestDuePendingAgeSeconds()))
                .row("outbox backlog (rows)", status.outboxBacklog())
                .row("dead jobs", status.deadJobs())
                .appendTo(out);
        return out.toString();
    }

    /** A one-line description of the lag: who, on what, and how far behind (or why unknown). */
    static String lagHeadline(ConsumerLag lag) {
        String who = "group " + lag.group() + " on " + lag.topic() + ": ";
        if (!lag.known()) {
            return who + "lag unknown (" + lag.error() + ")";
        }
        return who + lag.total() + " records behind, group " + lag.groupState() + ", " + lag.members()
                + (lag.members() == 1 ? " member" : " members");
    }

    static String lagTotal(ConsumerLag lag) {
        return lag.known() ? String.valueOf(lag.total()) : "unknown";
    }

    static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds);
    }

    private static void appendLag(StringBuilder out, ConsumerLag lag) {
        out.append("CONSUMER LAG  ").append(lagHeadline(lag)).append('\n');
        if (!lag.known()) {
            return;
        }
        TextTable table = new TextTable()
                .right("PARTITION")
                .right("COMMITTED")
                .right("END")
                .right("LAG")
                .left("OWNER")
                .left("HOST");
        for (PartitionLag p : lag.partitions()) {
            table.row(p.partition(), p.committed(), p.end(), p.lag(), p.owner(), p.host());
        }
        table.row("total", "", "", lag.total(), "", "");
        table.appendTo(out);
    }

    private static void appendQueue(StringBuilder out, QueueView queue) {
        out.append("QUEUE DEPTH  ").append(queue.total()).append(queue.total() == 1 ? " job\n" : " jobs\n");
        TextTable table = new TextTable().left("TYPE");
        for (JobState state : JobState.values()) {
            table.right(state.name());
        }
        table.right("TOTAL");
        for (QueueView.TypeDepth type : queue.byType()) {
            table.row(cells(type.type(), type.counts(), type.total()));
        }
        table.row(cells("all types", queue.byState(), queue.total()));
        table.appendTo(out);
    }

    private static Object[] cells(String label, Map<JobState, Long> counts, long total) {
        Object[] cells = new Object[JobState.values().length + 2];
        cells[0] = label;
        for (JobState state : JobState.values()) {
            cells[state.ordinal() + 1] = counts.get(state);
        }
        cells[cells.length - 1] = total;
        return cells;
    }
}
