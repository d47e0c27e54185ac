package dev.jobfleet.producer.fleet;

import static org.springframework.web.util.HtmlUtils.htmlEscape;

import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.Map;

/**
 * {@link FleetStatus} as a small HTML page that reloads itself ({@code <meta http-equiv="refresh">}):
 * the same tables as the text view, with a bar per partition's lag and per type's queue. No
 * script, no external resources; every value from the database (job types) is escaped.
 */
final class FleetHtml {
    private static final int BAR_PIXELS = 160;

    private FleetHtml() {}

    static String render(FleetStatus status, Duration refresh) {
        StringBuilder out = new StringBuilder(4096);
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"")
                .append(refresh.toSeconds())
                .append("\"><title>jobfleet fleet</title><style>")
                .append("body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}")
                .append("table{border-collapse:collapse;margin:.4em 0 1.6em}")
                .append("th,td{padding:.15em .7em;text-align:right;border-bottom:1px solid #e3e3e3}")
                .append("th{font-weight:600;background:#f4f4f4}.l{text-align:left}")
                .append(".bar{display:inline-block;height:.75em;background:#3b7dd8}")
                .append(".bad{color:#b00020;font-weight:600}.muted{color:#777}")
                .append("</style></head><body>\n");
        out.append("<h1>jobfleet fleet</h1>\n<p class=\"muted\">")
                .append(htmlEscape(status.at().toString()))
                .append(" &middot; refreshes every ")
                .append(refresh.toSeconds())
                .append(" s &middot; <a href=\"fleet/status\">JSON</a> &middot; ")
                .append("<a href=\"fleet/status?format=text\">text</a></p>\n");
        summary(out, status);
        lag(out, status.consumerLag());
        queue(out, status.queue());
        out.append("</body></html>\n");
        return out.toString();
    }

    private static void summary(StringBuilder out, FleetStatus status) {
        ConsumerLag lag = status.consumerLag();
        out.append("<table>");
        summaryRow(out, "consumer lag (records)", FleetText.lagTotal(lag), !lag.known());
        summaryRow(out, "oldest due pending job (s)", FleetText.seconds(status.oldestDuePendingAgeSeconds()), false);
        summaryRow(out, "outbox backlog (rows)", String.valueOf(status.outboxBacklog()), false);
        summaryRow(out, "dead jobs", String.valueOf(status.deadJobs()), status.deadJobs() > 0);
        out.append("</table>\n");
    }

    private static void summaryRow(StringBuilder out, String label, String value, boolean bad) {
        out.append("<tr><th class=\"l\">")
                .append(label)
                .append("</th><td")
                .append(bad ? " class=\"bad\"" : "")
                .append('>')
                .append(htmlEscape(value))
                .append("</td></tr>");
    }

    private static void lag(StringBuilder out, ConsumerLag lag) {
        out.append("<h2>Consumer lag</h2>\n<p")
                .append(lag.known() ? "" : " class=\"bad\"")
                .append('>')
                .append(htmlEscape(FleetText.lagHeadline(lag)))
                .append("</p>\n");
        if (!lag.known()) {
            return;
        }
        long max = lag.partitions().stream().mapToLong(PartitionLag::lag).max().orElse(0);
        out.append("<table><tr><th>partition</th><th>committed</th><th>end</th><th>lag</th>")
                .append("<th class=\"l\"></th><th class=\"l\">owner</th><th class=\"l\">host</th></tr>\n");
        for (PartitionLag p : lag.partitions()) {
            out.append("<tr><td>")
                    .append(p.partition())
                    .append("</td><td>")
                    .append(p.committed() == null ? "-" : p.committed())
                    .append("</td><td>")
                    .append(p.end())
                    .append("</td><td>")
                    .append(p.lag())
                    .append("</td><td class=\"l\">")
                    .append(bar(p.lag(), max))
                    .append("</td><td class=\"l\">")
                    .append(htmlEscape(p.owner() == null ? "-" : p.owner()))
                    .append("</td><td class=\"l\">")
                    .append(htmlEscape(p.host() == null ? "-" : p.host()))
                    .append("</td></tr>\n");
        }
        out.append("<tr><th>total</th><td></td><td></td><th>")
                .append(lag.total())
                .append("</th><td></td><td></td><td></td></tr></table>\n");
    }

    private static void queue(StringBuilder out, QueueView queue) {
        out.append("<h2>Queue depth</h2>\n<table><tr><th class=\"l\">type</th>");
        for (JobState state : JobState.values()) {
            out.append("<th>").append(state.name()).append("</th>");
        }
        out.append("<th>total</th><th class=\"l\">unfinished</th></tr>\n");
        long maxUnfinished = queue.byType().stream()
                .mapToLong(t -> unfinished(t.counts()))
                .max()
                .orElse(0);
        for (QueueView.TypeDepth type : queue.byType()) {
            queueRow(
                    out,
                    "td",
                    htmlEscape(type.type()),
                    type.counts(),
                    type.total(),
                    bar(unfinished(type.counts()), maxUnfinished));
        }
        queueRow(out, "th", "all types", queue.byState(), queue.total(), "");
        out.append("</table>\n");
    }

    private static void queueRow(
            StringBuilder out, String cell, String label, Map<JobState, Long> counts, long total, String bar) {
        out.append("<tr><")
                .append(cell)
                .append(" class=\"l\">")
                .append(label)
                .append("</")
                .append(cell)
                .append('>');
        for (JobState state : JobState.values()) {
            long count = counts.get(state);
            boolean bad = state == JobState.DEAD && count > 0;
            out.append('<')
                    .append(cell)
                    .append(bad ? " class=\"bad\">" : ">")
                    .append(count)
                    .append("</")
                    .append(cell)
                    .append('>');
        }
        out.append('<')
                .append(cell)
                .append('>')
                .append(total)
                .append("</")
                .append(cell)
                .append('>');
        out.append("<td class=\"l\">").append(bar).append("</td></tr>\n");
    }

    /** PENDING, RUNNING and RETRY_SCHEDULED: what the bar of a type shows. */
    private static long unfinished(Map<JobState, Long> counts) {
        return counts.get(JobState.PENDING) + counts.get(JobState.RUNNING) + counts.get(JobState.RETRY_SCHEDULED);
    }

    private static String bar(long value, long max) {
        if (value <= 0 || max <= 0) {
            return "";
        }
        long width = Math.max(1, Math.round((double) value / max * BAR_PIXELS));
        return "<span class=\"bar\" style=\"width:" + width + "px\" title=\"" + value + "\"></span>";
    }
}
