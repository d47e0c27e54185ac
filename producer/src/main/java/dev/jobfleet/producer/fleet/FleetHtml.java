package dev.jobfleet.producer.fleet;

import static org.springframework.web.util.HtmlUtils.htmlEscape;

import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.Map;

/**
 * The dashboard at {@code /fleet}: the {@link FleetStatus} rendered on the server (so the page
 * reads right even before its script runs), plus the frames {@code fleet/dashboard.js} fills: live
 * charts of throughput, queue depth by state, lag per partition and the oldest job's age, polled
 * from {@code /fleet/status}; a jobs table from {@code GET /jobs} with drill-down to a job's
 * history, errors and log; re-drive and cancel buttons, rendered only for an operator (the API
 * refuses anyone else anyway). Every value from the database is escaped here and set as text by
 * the script; no inline script, so the page's Content-Security-Policy allows none.
 */
final class FleetHtml {
    private static final int BAR_PIXELS = 160;

    /**
     * Who is looking, and what the page needs to act for them.
     *
     * @param caller the caller's id, shown in the header
     * @param roles the caller's roles, shown in the header
     * @param operator whether to render re-drive and cancel
     * @param csrfHeader the header that carries the session's CSRF token on the page's requests
     * @param csrfParameter the form field that carries it (sign out)
     * @param csrfToken the token
     */
    record Viewer(
            String caller, String roles, boolean operator, String csrfHeader, String csrfParameter, String csrfToken) {}

    private FleetHtml() {}

    static String render(FleetStatus status, Duration refresh, Viewer viewer) {
        StringBuilder out = new StringBuilder(8192);
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"csrf-header\" content=\"")
                .append(htmlEscape(viewer.csrfHeader()))
                .append("\"><meta name=\"csrf-token\" content=\"")
                .append(htmlEscape(viewer.csrfToken()))
                .append("\"><title>jobfleet fleet</title><style>")
                .append("body{font:14px system-ui,sans-serif;margin:1.2em 1.5em;color:#222}")
                .append("header{display:flex;gap:1em;align-items:baseline}header form{margin-left:auto}")
                .append("table{border-collapse:collapse;margin:.4em 0 1.4em}")
                .append("th,td{padding:.15em .7em;text-align:right;border-bottom:1px solid #e3e3e3}")
                .append("th{font-weight:600;background:#f4f4f4}.l{text-align:left}")
                .append(".bar{display:inline-block;height:.75em;background:#3b7dd8}")
                .append(".bad{color:#b00020;font-weight:600}.muted{color:#777}")
                .append(".tiles{display:flex;gap:.8em;flex-wrap:wrap;margin:.6em 0}")
                .append(".tile{border:1px solid #ddd;border-radius:6px;padding:.4em .9em;min-width:9em}")
                .append(".tile b{display:block;font-size:1.5em}")
                .append(".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:1em}")
                .append("figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.4em}")
                .append("figcaption{font-weight:600;margin-bottom:.2em}svg{width:100%;height:150px}")
                .append(".legend span{margin-right:.8em;font-size:12px}")
                .append("#jobs tbody tr{cursor:pointer}#jobs tbody tr:hover{background:#eef4fd}")
                .append("#job-detail{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:.6em 0}")
                .append("pre{background:#f7f7f7;padding:.5em;overflow:auto;max-height:16em}")
                .append("button{font:inherit;padding:.2em .9em}")
                .append("</style><script src=\"fleet/dashboard.js\" defer></script></head>\n")
                .append("<body data-operator=\"")
                .append(viewer.operator())
                .append("\" data-refresh-ms=\"")
                .append(Math.max(1000, Math.min(refresh.toMillis(), 5000)))
                .append("\">\n<header><h1>jobfleet fleet</h1><span class=\"muted\" id=\"caller\">")
                .append(htmlEscape(viewer.caller()))
                .append(" (")
                .append(htmlEscape(viewer.roles()))
                .append(")</span><form method=\"post\" action=\"logout\"><input type=\"hidden\" name=\"")
                .append(htmlEscape(viewer.csrfParameter()))
                .append("\" value=\"")
                .append(htmlEscape(viewer.csrfToken()))
                .append("\"><button type=\"submit\" id=\"sign-out\">Sign out</button></form></header>\n")
                .append("<p class=\"muted\">as of <span id=\"as-of\">")
                .append(htmlEscape(status.at().toString()))
                .append("</span> &middot; live every ")
                .append(Math.max(1, Math.min(refresh.toSeconds(), 5)))
                .append(" s &middot; <a href=\"fleet/status\">JSON</a> &middot; ")
                .append("<a href=\"fleet/status?format=text\">text</a></p>\n");
        tiles(out, status);
        out.append("<section class=\"charts\">")
                .append(chart("throughput", "Throughput (jobs finished per second)"))
                .append(chart("queue", "Queue depth by state"))
                .append(chart("lag", "Consumer lag per partition (records)"))
                .append(chart("age", "Oldest due pending job (seconds)"))
                .append("</section>\n");
        lag(out, status.consumerLag());
        queue(out, status.queue());
        out.append("<h2>Jobs</h2>\n<p><label>state <select id=\"job-state\"><option value=\"\">any</option>");
        for (JobState state : JobState.values()) {
            out.append("<option>").append(state.name()).append("</option>");
        }
        out.append("</select></label> <span class=\"muted\">newest first; click a job for its history, errors"
                        + " and log</span></p>\n")
                .append("<table id=\"jobs\"><thead><tr><th class=\"l\">id</th><th class=\"l\">type</th>")
                .append("<th class=\"l\">state</th><th>attempts</th><th class=\"l\">created</th>")
                .append("<th class=\"l\">last error</th></tr></thead><tbody></tbody></table>\n")
                .append("<section id=\"job-detail\" hidden></section>\n")
                .append("</body></html>\n");
        return out.toString();
    }

    private static String chart(String id, String caption) {
        return "<figure><figcaption>" + caption + "</figcaption><svg id=\"chart-" + id
                + "\" viewBox=\"0 0 400 150\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"" + caption
                + "\"></svg><div class=\"legend\" id=\"legend-" + id + "\"></div></figure>";
    }

    private static void tiles(StringBuilder out, FleetStatus status) {
        QueueView queue = status.queue();
        long unfinished =
                queue.count(JobState.PENDING) + queue.count(JobState.RUNNING) + queue.count(JobState.RETRY_SCHEDULED);
        out.append("<section class=\"tiles\">");
        tile(out, "throughput", "jobs/s", "-", false);
        tile(out, "unfinished", "pending + running + retrying", String.valueOf(unfinished), false);
        tile(out, "oldest", "oldest due pending (s)", FleetText.seconds(status.oldestDuePendingAgeSeconds()), false);
        tile(
                out,
                "lag",
                "consumer lag",
                FleetText.lagTotal(status.consumerLag()),
                !status.consumerLag().known());
        tile(out, "outbox", "outbox backlog", String.valueOf(status.outboxBacklog()), false);
        tile(out, "dead", "dead jobs", String.valueOf(status.deadJobs()), status.deadJobs() > 0);
        out.append("</section>\n");
    }

    private static void tile(StringBuilder out, String id, String label, String value, boolean bad) {
        out.append("<div class=\"tile\"><b id=\"tile-")
                .append(id)
                .append('"')
                .append(bad ? " class=\"bad\"" : "")
                .append('>')
                .append(htmlEscape(value))
                .append("</b>")
                .append(label)
                .append("</div>");
    }

    private static void lag(StringBuilder out, ConsumerLag lag) {
        out.append("<h2>Consumer lag</h2>\n<p id=\"lag-headline\"")
                .append(lag.known() ? "" : " class=\"bad\"")
                .append('>')
                .append(htmlEscape(FleetText.lagHeadline(lag)))
                .append("</p>\n");
        if (!lag.known()) {
            return;
        }
        long max = lag.partitions().stream().mapToLong(PartitionLag::lag).max().orElse(0);
        out.append("<table id=\"lag-table\"><tr><th>partition</th><th>committed</th><th>end</th><th>lag</th>")
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
        out.append("<h2>Queue depth</h2>\n<table id=\"queue-table\"><tr><th class=\"l\">type</th>");
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
                    bar(unfinished(type.counts()), maxUnfinished),
                    false);
        }
        queueRow(out, "th", "all types", queue.byState(), queue.total(), "", true);
        out.append("</table>\n");
    }

    private static void queueRow(
            StringBuilder out,
            String cell,
            String label,
            Map<JobState, Long> counts,
            long total,
            String bar,
            boolean totals) {
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
            out.append('<').append(cell);
            if (totals) {
                out.append(" id=\"count-").append(state.name()).append('"');
            }
            out.append(bad ? " class=\"bad\">" : ">")
                    .append(count)
                    .append("</")
                    .append(cell)
                    .append('>');
        }
        out.append('<').append(cell);
        if (totals) {
            out.append(" id=\"count-total\"");
        }
        out.append('>').append(total).append("</").append(cell).append('>');
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
