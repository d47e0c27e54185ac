package dev.jobfleet.store;

import dev.jobfleet.model.JobCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The Grafana dashboard ({@code infra/grafana/jobfleet.json}) read as PromQL, enough to know which
 * series its queries select, and a Prometheus scrape read as samples: the producer's and the
 * worker's tests check the dashboard against what each app really exports.
 */
public final class DashboardQueries {
    /** From a module directory, where surefire and failsafe run. */
    public static final Path DASHBOARD = Path.of("..", "infra", "grafana", "jobfleet.json");

    private DashboardQueries() {}

    /** Every query of the dashboard at {@link #DASHBOARD}. */
    public static List<String> queries() {
        try {
            return PromQl.queries(JobCodec.mapper().readTree(Files.readString(DASHBOARD)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DASHBOARD.toAbsolutePath(), e);
        }
    }

    /** Every metric name the dashboard's queries use. */
    public static Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        queries().forEach(query -> names.addAll(metricNames(query)));
        return names;
    }

    public static Set<String> metricNames(String expr) {
        return PromQl.metricNames(expr);
    }

    public static List<Selector> selectors(String expr) {
        return PromQl.selectors(expr);
    }

    /** The labels of every {@code by (...)} and {@code without (...)} of the expression. */
    public static Set<String> groupingLabels(String expr) {
        return PromQl.groupingLabels(expr);
    }

    /** Whether a Prometheus scrape has at least one sample (not only HELP/TYPE) of {@code name}. */
    public static boolean hasSample(String scrape, String name) {
        return Sample.parse(scrape).stream().anyMatch(sample -> sample.name().equals(name));
    }

    /** One line of a Prometheus scrape: a series and its labels (the value is not needed). */
    public record Sample(String name, Map<String, String> labels) {
        private static final Pattern LINE = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)(?:\\{(.*)})? \\S+");
        private static final Pattern LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        public static List<Sample> parse(String scrape) {
            List<Sample> samples = new ArrayList<>();
            for (String line : scrape.lines().toList()) {
                Matcher sample = LINE.matcher(line);
                if (line.startsWith("#") || !sample.matches()) {
                    continue;
                }
                Map<String, String> labels = new LinkedHashMap<>();
                Matcher label = LABEL.matcher(sample.group(2) == null ? "" : sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
                samples.add(new Sample(sample.group(1), labels));
            }
            return samples;
        }
    }

    /**
     * The dashboard's queries read as PromQL, enough to know what series they select: every panel
     * target's {@code expr} and the selector of every {@code label_values(...)} variable.
     */
    private static final class PromQl {
        private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
        private static final Pattern LABEL_LISTS =
                Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
        private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");
        /** A metric name, with its label matchers if any, that is not called like a function. */
        private static final Pattern SELECTOR =
                Pattern.compile("(?<![\\w$.])([A-Za-z_:][A-Za-z0-9_:]*+)\\s*(\\{[^}]*})?(?!\\s*\\()");

        private static final Pattern MATCHER =
                Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!=|!~|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
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

        private PromQl() {}

        static List<String> queries(JsonNode dashboard) {
            List<String> queries = new ArrayList<>();
            collect(dashboard.path("panels"), queries);
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                JsonNode query = variable.path("query");
                String text = query.isObject() ? query.path("query").asString("") : query.asString("");
                Matcher labelValues = LABEL_VALUES.matcher(text);
                if (labelValues.find()) {
                    queries.add(labelValues.group(1).trim());
                }
            }
            return queries;
        }

        private static void collect(JsonNode panels, List<String> queries) {
            for (JsonNode panel : panels) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asString("");
                    if (!expr.isBlank()) {
                        queries.add(expr);
                    }
                }
                collect(panel.path("panels"), queries);
            }
        }

        static Set<String> metricNames(String expr) {
            Set<String> names = new TreeSet<>();
            selectors(expr).forEach(selector -> names.add(selector.metric()));
            return names;
        }

        static List<Selector> selectors(String expr) {
            String bare = RANGES.matcher(expr).replaceAll("[]");
            bare = LABEL_LISTS.matcher(bare).replaceAll(" ");
            List<Selector> selectors = new ArrayList<>();
            Matcher selector = SELECTOR.matcher(bare);
            while (selector.find()) {
                if (KEYWORDS.contains(selector.group(1))) {
                    continue;
                }
                List<LabelMatcher> matchers = new ArrayList<>();
                Matcher matcher = MATCHER.matcher(selector.group(2) == null ? "" : selector.group(2));
                while (matcher.find()) {
                    matchers.add(new LabelMatcher(matcher.group(1), matcher.group(2), matcher.group(3)));
                }
                selectors.add(new Selector(selector.group(1), matchers));
            }
            return selectors;
        }

        /** The labels of every {@code by (...)} and {@code without (...)} of the expression. */
        static Set<String> groupingLabels(String expr) {
            Set<String> labels = new TreeSet<>();
            Matcher grouping = GROUPING.matcher(expr);
            while (grouping.find()) {
                for (String label : grouping.group(1).split(",")) {
                    if (!label.isBlank()) {
                        labels.add(label.trim());
                    }
                }
            }
            return labels;
        }
    }

    /** {@code name{label op "value", ...}}; a value naming a dashboard variable ({@code $type}) matches anything. */
    public record Selector(String metric, List<LabelMatcher> matchers) {
        public boolean selects(Sample sample) {
            return sample.name().equals(metric) && matchers.stream().allMatch(m -> m.matches(sample));
        }
    }

    public record LabelMatcher(String label, String op, String value) {
        boolean matches(Sample sample) {
            if (value.contains("$")) {
                return true;
            }
            String actual = sample.labels().getOrDefault(label, "");
            return switch (op) {
                case "=" -> actual.equals(value);
                case "!=" -> !actual.equals(value);
                case "=~" -> actual.matches(value);
                case "!~" -> !actual.matches(value);
                default -> throw new IllegalArgumentException(op);
            };
        }
    }
}
