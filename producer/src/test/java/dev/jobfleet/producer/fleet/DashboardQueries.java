package dev.jobfleet.producer.fleet;

import dev.jobfleet.model.JobCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The metric names the Grafana dashboard ({@code infra/grafana/jobfleet.json}) queries: every
 * panel target's {@code expr} and every {@code label_values(...)} variable, read as PromQL.
 */
final class DashboardQueries {
    /** From the module directory, where surefire and failsafe run. */
    static final Path DASHBOARD = Path.of("..", "infra", "grafana", "jobfleet.json");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LISTS =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    /** An identifier that is not part of a number or variable and is not called like a function. */
    private static final Pattern NAME = Pattern.compile("(?<![\\w$.])([A-Za-z_:][A-Za-z0-9_:]*+)(?!\\s*\\()");

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([^,]+),[^)]*\\)");
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "and",
            "or",
            "unless",
            "inf",
            "nan",
            "Inf",
            "NaN");

    private DashboardQueries() {}

    /** Every metric name the dashboard at {@link #DASHBOARD} queries. */
    static Set<String> metricNames() {
        try {
            return metricNames(JobCodec.mapper().readTree(Files.readString(DASHBOARD)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DASHBOARD.toAbsolutePath(), e);
        }
    }

    static Set<String> metricNames(JsonNode dashboard) {
        Set<String> names = new TreeSet<>();
        collectExpressions(dashboard.path("panels"), names);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            String text = query.isObject() ? query.path("query").asString("") : query.asString("");
            Matcher labelValues = LABEL_VALUES.matcher(text);
            if (labelValues.find()) {
                names.addAll(metricNames(labelValues.group(1)));
            }
        }
        return names;
    }

    private static void collectExpressions(JsonNode panels, Set<String> names) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                names.addAll(metricNames(target.path("expr").asString("")));
            }
            collectExpressions(panel.path("panels"), names);
        }
    }

    /** The metric names of one PromQL expression. */
    static Set<String> metricNames(String expr) {
        String bare = STRING.matcher(expr).replaceAll("\"\"");
        bare = MATCHERS.matcher(bare).replaceAll("{}");
        bare = RANGES.matcher(bare).replaceAll("[]");
        bare = LABEL_LISTS.matcher(bare).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher name = NAME.matcher(bare);
        while (name.find()) {
            if (!KEYWORDS.contains(name.group(1))) {
                names.add(name.group(1));
            }
        }
        return names;
    }

    /** Whether a Prometheus scrape has at least one sample (not only HELP/TYPE) of {@code name}. */
    static boolean hasSample(String scrape, String name) {
        return scrape.lines().anyMatch(line -> line.startsWith(name + "{") || line.startsWith(name + " "));
    }
}
