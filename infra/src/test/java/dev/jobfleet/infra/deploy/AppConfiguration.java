package dev.jobfleet.infra.deploy;

import dev.jobfleet.producer.ProducerProperties;
import dev.jobfleet.producer.fleet.FleetProperties;
import dev.jobfleet.worker.WorkerProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What the deployment files must agree with, read from the apps themselves: ports and defaults from
 * their {@code application.yml}, the settings their {@code @ConfigurationProperties} records accept,
 * and the Prometheus names of the meters their code registers. Paths are relative to the infra
 * module, where the tests run.
 */
public final class AppConfiguration {
    /**
     * The management ports of the access contract (actuator health, info, metrics and prometheus
     * apart from the API): producer 9080, worker 9081. An app's {@code management.server.port} in
     * its application.yml, when it sets one, must be the same.
     */
    public static final int PRODUCER_MANAGEMENT_PORT = 9080;

    public static final int WORKER_MANAGEMENT_PORT = 9081;

    /** Spring Boot's {@code server.port} when an application.yml does not set one. */
    private static final int BOOT_DEFAULT_PORT = 8080;

    /**
     * Metrics the alert rules may use before the code that registers them is merged; empty: every
     * metric a rule names must be registered in the code.
     */
    public static final Set<String> ANNOUNCED_METRICS = Set.of();

    private static final Path ROOT = Path.of("..");
    private static final Pattern METER =
            Pattern.compile("\\b(Counter|FunctionCounter|Gauge|MultiGauge|TimeGauge|Timer|DistributionSummary)"
                    + "\\.builder\\(\\s*\"([a-z0-9_.]+)\"");

    /** One app: its name, its application.yml, and the properties records it binds. */
    public enum App {
        PRODUCER("producer", PRODUCER_MANAGEMENT_PORT, ProducerProperties.class, FleetProperties.class),
        WORKER("worker", WORKER_MANAGEMENT_PORT, WorkerProperties.class);

        private final String module;
        private final int contractManagementPort;
        private final List<Class<?>> properties;

        App(String module, int contractManagementPort, Class<?>... properties) {
            this.module = module;
            this.contractManagementPort = contractManagementPort;
            this.properties = List.of(properties);
        }

        public String module() {
            return module;
        }

        /** The app's application.yml as nested maps. */
        public Map<String, Object> yml() {
            return map(yaml().load(read(ROOT.resolve(module).resolve("src/main/resources/application.yml"))));
        }

        /** {@code server.port} of its application.yml, or Spring Boot's default. */
        public int serverPort() {
            Object port = get(yml(), "server", "port");
            return port == null ? BOOT_DEFAULT_PORT : ((Number) port).intValue();
        }

        /** Its application.yml's {@code management.server.port}, or the contract's port when it sets none. */
        public int managementPort() {
            Object port = get(yml(), "management", "server", "port");
            return port == null ? contractManagementPort : ((Number) port).intValue();
        }

        /** Where its management port comes from, for the test's report line. */
        public String managementPortSource() {
            return get(yml(), "management", "server", "port") == null
                    ? "the access contract (application.yml sets none yet)"
                    : "application.yml";
        }

        /** The actuator base path of its application.yml, {@code /actuator} by default. */
        public String actuatorBasePath() {
            Object path = get(yml(), "management", "endpoints", "web", "base-path");
            return path == null ? "/actuator" : (String) path;
        }

        /**
         * Whether the environment variable {@code name} (e.g. {@code JOBFLEET_WORKER_TOPIC_PARTITIONS})
         * names a setting of one of the app's {@code @ConfigurationProperties} records, the way Spring
         * Boot binds it: the prefix in capitals, then each property's words joined by underscores.
         */
        public boolean accepts(String name) {
            for (Class<?> type : properties) {
                String prefix = type.getAnnotation(ConfigurationProperties.class)
                                .value()
                                .toUpperCase(Locale.ROOT)
                                .replace('.', '_')
                                .replace("-", "_")
                        + "_";
                if (name.startsWith(prefix)
                        && binds(
                                type,
                                Arrays.asList(name.substring(prefix.length()).split("_")))) {
                    return true;
                }
            }
            return false;
        }
    }

    private AppConfiguration() {}

    /** The workers' consumer group, from the worker's application.yml. */
    public static String workerGroup() {
        return (String) get(App.WORKER.yml(), "jobfleet", "worker", "group-id");
    }

    /** Whether {@code words} (upper case) name a component of {@code record}, nested records and map keys followed. */
    private static boolean binds(Class<?> record, List<String> words) {
        if (!record.isRecord()) {
            return false;
        }
        for (RecordComponent component : record.getRecordComponents()) {
            List<String> name = kebabWords(component.getName());
            if (words.size() < name.size() || !words.subList(0, name.size()).equals(name)) {
                continue;
            }
            List<String> rest = words.subList(name.size(), words.size());
            Class<?> type = component.getType();
            if (rest.isEmpty() && !type.isRecord()) {
                return true;
            }
            if (!rest.isEmpty() && type.isRecord() && binds(type, rest)) {
                return true;
            }
            if (!rest.isEmpty() && Map.class.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> kebabWords(String camel) {
        List<String> words = new ArrayList<>();
        for (String word : camel.split("(?=[A-Z])")) {
            words.add(word.toUpperCase(Locale.ROOT));
        }
        return words;
    }

    /**
     * The Prometheus names of every meter the producer and the worker register by name in their
     * code: counters as {@code name_total}, timers as {@code name_seconds} with {@code _count}, {@code
     * _sum}, {@code _max} and {@code _bucket}, gauges as they are.
     */
    public static Set<String> prometheusMetrics() {
        Set<String> names = new TreeSet<>();
        for (App app : App.values()) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(app.module()).resolve("src/main/java"))) {
                for (Path file :
                        files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher m = METER.matcher(read(file));
                    while (m.find()) {
                        String base = m.group(2).replace('.', '_');
                        switch (m.group(1)) {
                            case "Counter", "FunctionCounter" -> names.add(base + "_total");
                            case "Timer" -> {
                                for (String suffix : List.of("", "_count", "_sum", "_max", "_bucket")) {
                                    names.add(base + "_seconds" + suffix);
                                }
                            }
                            case "DistributionSummary" -> {
                                for (String suffix : List.of("_count", "_sum", "_max", "_bucket")) {
                                    names.add(base + suffix);
                                }
                            }
                            default -> names.add(base);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    /** Every {@code jobfleet_*} and {@code kafka_*} metric name in a PromQL expression. */
    public static Set<String> metricsIn(String promql) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:jobfleet|kafka)_[a-z0-9_]+)\\b").matcher(promql);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** {@code label="value"} matchers of a PromQL expression, by label. */
    public static Map<String, Set<String>> labelValues(String promql) {
        Map<String, Set<String>> values = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\b([a-z_]+)\\s*=\\s*\"([^\"]*)\"").matcher(promql);
        while (m.find()) {
            values.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
        }
        return values;
    }

    public static Path root() {
        return ROOT;
    }

    public static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Walks maps by key and lists by index; null where the path ends early. */
    public static Object get(Object node, String... path) {
        Object at = node;
        for (String step : path) {
            if (at instanceof Map<?, ?> m) {
                at = m.get(step);
            } else if (at instanceof List<?> l && step.matches("\\d+") && Integer.parseInt(step) < l.size()) {
                at = l.get(Integer.parseInt(step));
            } else {
                return null;
            }
        }
        return at;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object node) {
        return node == null ? Map.of() : new LinkedHashMap<>((Map<String, Object>) node);
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object node) {
        return node == null ? List.of() : (List<Object>) node;
    }

    /** A YAML sequence of mappings; empty when absent. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> maps(Object node) {
        return node == null ? List.of() : (List<Map<String, Object>>) node;
    }
}
