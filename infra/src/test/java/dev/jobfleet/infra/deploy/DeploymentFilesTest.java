package dev.jobfleet.infra.deploy;

import static dev.jobfleet.infra.deploy.AppConfiguration.get;
import static dev.jobfleet.infra.deploy.AppConfiguration.list;
import static dev.jobfleet.infra.deploy.AppConfiguration.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.containers.Containers;
import dev.jobfleet.infra.deploy.AppConfiguration.App;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The compose file, the Prometheus configuration, the alert rules and Grafana's provisioning parse,
 * and agree with each other and with the apps ({@link AppConfiguration}): ports, the management
 * port Prometheus scrapes, the database roles, the Kafka listeners the apps reach, setting names the
 * apps bind, and metric names the apps register. Nothing here starts Docker; {@code docker compose
 * config} and {@code promtool check rules} on a machine with them check the syntax further.
 */
class DeploymentFilesTest {
    private static final Path COMPOSE = Path.of("compose", "compose.yaml");
    private static final Path PROMETHEUS = Path.of("prometheus", "prometheus.yml");
    private static final Path ALERTS = Path.of("prometheus", "alerts.yml");
    private static final Path GRAFANA = Path.of("grafana");
    private static final Set<String> REQUIRED_ALERTS = Set.of(
            "JobfleetConsumerLagGrowing",
            "JobfleetOldestJobTooOld",
            "JobfleetDeadJobsAppeared",
            "JobfleetStuckHandlers",
            "JobfleetRelayBehind");
    private static final Pattern SECURITY_TOKEN = Pattern.compile("JOBFLEET_SECURITY_TOKENS_([A-Z0-9]+)_(ROLE|HASH)");

    private final Map<String, Object> compose = map(AppConfiguration.yaml().load(AppConfiguration.read(COMPOSE)));

    @Test
    void composeRunsTheWholeFleetWithThreeWorkers() {
        assertThat(services().keySet())
                .containsExactlyInAnyOrder("kafka", "postgres", "producer", "worker", "prometheus", "grafana");
        assertThat(get(service("worker"), "deploy", "replicas")).isEqualTo(3);
        // Compose refuses booleans in environment maps; YAML reads unquoted true/false as booleans
        services()
                .forEach((name, service) -> environment(name)
                        .forEach((key, value) ->
                                assertThat(value).as("%s %s", name, key).isInstanceOfAny(String.class, Integer.class)));
        assertThat(env("producer", "JAVA_TOOL_OPTIONS")).isEqualTo(env("worker", "JAVA_TOOL_OPTIONS"));
    }

    @Test
    void kafkaIsOneKRaftNodeAndTheAppsUseAListenerItAdvertises() {
        Map<String, String> kafka = environment("kafka");
        Map<String, String> listeners = listenerPorts(kafka.get("KAFKA_LISTENERS"));
        Map<String, String> advertised = listeners(kafka.get("KAFKA_ADVERTISED_LISTENERS"));
        Set<String> protocols = Arrays.stream(
                        kafka.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(","))
                .map(entry -> entry.split(":")[0])
                .collect(Collectors.toSet());

        assertThat(kafka.get("KAFKA_PROCESS_ROLES").split(",")).containsExactlyInAnyOrder("broker", "controller");
        assertThat(kafka.get("KAFKA_CONTROLLER_QUORUM_VOTERS"))
                .isEqualTo(kafka.get("KAFKA_NODE_ID") + "@kafka:"
                        + listeners.get(kafka.get("KAFKA_CONTROLLER_LISTENER_NAMES")));
        assertThat(protocols).containsAll(listeners.keySet());
        assertThat(listeners).containsKey(kafka.get("KAFKA_INTER_BROKER_LISTENER_NAME"));
        advertised.forEach((name, hostPort) -> assertThat(hostPort).endsWith(":" + listeners.get(name)));
        assertThat(Uuid.fromString(kafka.get("CLUSTER_ID"))).as("a base64 UUID").isNotNull();
        for (String app : List.of("producer", "worker")) {
            assertThat(advertised.values()).as(app).contains(env(app, "SPRING_KAFKA_BOOTSTRAP_SERVERS"));
        }
        assertThat(list(service("kafka").get("ports")))
                .allSatisfy(port -> assertThat(advertised.values())
                        .contains("localhost:" + port.toString().split(":")[0]));
        String image = (String) service("kafka").get("image");
        String clients = AppInfoParser.getVersion();
        assertThat(image).as("the broker the tests run where Docker answers").isEqualTo(Containers.KAFKA_IMAGE);
        assertThat(minor(image.substring(image.indexOf(':') + 1)))
                .as("the broker image against the client library %s", clients)
                .isEqualTo(minor(clients));
    }

    @Test
    void postgresCreatesBothRolesTheProducerMigratesAsTheOwnerAndTheAppsConnectAsTheAppRole() {
        Path init = Path.of("compose", "postgres-init", "10-jobfleet-roles.sh");
        String script = AppConfiguration.read(init);
        URI url = URI.create(env("producer", "SPRING_DATASOURCE_URL").substring("jdbc:".length()));

        assertThat(service("postgres").get("image"))
                .as("the server the tests run where Docker answers")
                .isEqualTo(Containers.POSTGRES_IMAGE);
        assertThat(url.getHost()).isEqualTo("postgres");
        assertThat(url.getPort()).isEqualTo(5432);
        assertThat(script)
                .contains("CREATE ROLE jobfleet_owner LOGIN")
                .contains("CREATE ROLE jobfleet_app LOGIN")
                .contains("CREATE DATABASE " + url.getPath().substring(1) + " OWNER jobfleet_owner");
        assertThat(Files.isExecutable(init)).as("the entrypoint runs it").isTrue();
        assertThat(list(service("postgres").get("volumes"))).contains("./postgres-init:/docker-entrypoint-initdb.d:ro");
        for (String app : List.of("producer", "worker")) {
            assertThat(env(app, "SPRING_DATASOURCE_URL")).isEqualTo("jdbc:" + url);
            assertThat(env(app, "SPRING_DATASOURCE_USERNAME")).isEqualTo("jobfleet_app");
            assertThat(env(app, "SPRING_DATASOURCE_PASSWORD")).isEqualTo(env("postgres", "JOBFLEET_APP_PASSWORD"));
        }
        assertThat(env("producer", "SPRING_FLYWAY_USER")).isEqualTo("jobfleet_owner");
        assertThat(env("producer", "SPRING_FLYWAY_PASSWORD")).isEqualTo(env("postgres", "JOBFLEET_OWNER_PASSWORD"));
        assertThat(environment("worker")).doesNotContainKeys("SPRING_FLYWAY_USER", "SPRING_FLYWAY_PASSWORD");
        assertThat(env("worker", "SPRING_FLYWAY_ENABLED")).isEqualTo("false");
    }

    @Test
    void theAppsListenOnTheirConfiguredPortsAndEverySettingNameIsOneTheyBind() {
        for (App app : App.values()) {
            String name = app.module();
            assertThat(env(name, "SERVER_PORT")).as(name).isEqualTo(Integer.toString(app.serverPort()));
            assertThat(env(name, "MANAGEMENT_SERVER_PORT")).as(name).isEqualTo(Integer.toString(app.managementPort()));
            environment(name).keySet().stream()
                    .filter(key -> key.startsWith("JOBFLEET_") && !key.startsWith("JOBFLEET_SECURITY_"))
                    .filter(key -> key.startsWith("JOBFLEET_" + name.toUpperCase()))
                    .forEach(key -> assertThat(app.accepts(key))
                            .as("%s binds %s", name, key)
                            .isTrue());
            System.out.printf(
                    "compose: %s on %d, management on %d (from %s)%n",
                    name, app.serverPort(), app.managementPort(), app.managementPortSource());
        }
        assertThat(list(service("producer").get("ports")))
                .containsExactly(App.PRODUCER.serverPort() + ":" + App.PRODUCER.serverPort());
        assertThat(list(get(service("producer"), "healthcheck", "test")).toString())
                .contains("/dev/tcp/127.0.0.1/" + App.PRODUCER.managementPort())
                .contains(App.PRODUCER.actuatorBasePath() + "/health/readiness");
        assertThat(env("worker", "JOBFLEET_WORKER_GROUP_ID"))
                .isEqualTo(env("producer", "JOBFLEET_PRODUCER_FLEET_GROUP_ID"))
                .isEqualTo(AppConfiguration.workerGroup());
    }

    @Test
    void theProducerGetsItsOperatorTokenHashedFromTheEnvironment() {
        Map<String, String> tokens = new LinkedHashMap<>();
        environment("producer").forEach((key, value) -> {
            Matcher m = SECURITY_TOKEN.matcher(key);
            if (m.matches()) {
                tokens.put(m.group(1) + "." + m.group(2), value);
            }
        });

        assertThat(tokens).containsEntry("OPERATOR.ROLE", "operator").containsKey("OPERATOR.HASH");
        assertThat(tokens.get("OPERATOR.HASH"))
                .as("required from the environment, never a default")
                .startsWith("${JOBFLEET_OPERATOR_TOKEN_HASH:?");
        assertThat(environment("worker").keySet()).noneMatch(key -> key.startsWith("JOBFLEET_SECURITY_"));
    }

    @Test
    void theImagesAreBuiltFromTheExecutableJarsOfTheApps() {
        String dockerfile = AppConfiguration.read(Path.of("compose", "Dockerfile"));
        for (App app : App.values()) {
            Map<String, Object> build = map(service(app.module()).get("build"));
            assertThat(get(build, "args", "APP")).isEqualTo(app.module());
            assertThat(Path.of("compose").resolve((String) build.get("context")).resolve((String)
                            build.get("dockerfile")))
                    .exists();
            String pom = AppConfiguration.read(
                    AppConfiguration.root().resolve(app.module()).resolve("pom.xml"));
            assertThat(pom)
                    .contains("<artifactId>jobfleet-" + app.module() + "</artifactId>")
                    .contains("<classifier>exec</classifier>");
        }
        assertThat(dockerfile).contains("/src/${APP}/target/jobfleet-${APP}-*-exec.jar");
    }

    @Test
    void prometheusScrapesTheManagementPortsAndLoadsTheAlertRules() {
        Map<String, Object> prometheus = map(AppConfiguration.yaml().load(AppConfiguration.read(PROMETHEUS)));
        Map<String, Map<String, Object>> jobs = new LinkedHashMap<>();
        list(prometheus.get("scrape_configs")).forEach(job -> jobs.put((String) map(job).get("job_name"), map(job)));
        Map<String, String> mounts = mounts("prometheus");

        assertThat(jobs.get("jobfleet-producer").get("metrics_path"))
                .isEqualTo(App.PRODUCER.actuatorBasePath() + "/prometheus");
        assertThat(get(jobs.get("jobfleet-producer"), "static_configs", "0", "targets"))
                .isEqualTo(List.of("producer:" + App.PRODUCER.managementPort()));
        assertThat(jobs.get("jobfleet-worker").get("metrics_path"))
                .isEqualTo(App.WORKER.actuatorBasePath() + "/prometheus");
        assertThat(get(jobs.get("jobfleet-worker"), "dns_sd_configs", "0", "names"))
                .isEqualTo(List.of("worker"));
        assertThat(get(jobs.get("jobfleet-worker"), "dns_sd_configs", "0", "port"))
                .isEqualTo(App.WORKER.managementPort());
        assertThat(mounts).containsEntry("../prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml");
        assertThat(list(service("prometheus").get("command"))).contains("--config.file=/etc/prometheus/prometheus.yml");
        assertThat(list(prometheus.get("rule_files"))).containsExactly(mounts.get("../prometheus/alerts.yml"));
    }

    @Test
    void alertRulesCoverTheFleetAndUseOnlyMetricsAndLabelsTheAppsHave() {
        Map<String, Object> rules = map(AppConfiguration.yaml().load(AppConfiguration.read(ALERTS)));
        List<Map<String, Object>> alerts = new ArrayList<>();
        list(rules.get("groups")).forEach(group -> list(map(group).get("rules")).forEach(r -> alerts.add(map(r))));
        Set<String> known = AppConfiguration.prometheusMetrics();
        Set<String> used = new TreeSet<>();

        assertThat(alerts)
                .extracting(a -> a.get("alert"))
                .containsAll(REQUIRED_ALERTS)
                .doesNotHaveDuplicates();
        for (Map<String, Object> alert : alerts) {
            String name = (String) alert.get("alert");
            String expr = (String) alert.get("expr");
            assertThat(get(alert, "labels", "severity")).as(name).isIn("warning", "critical");
            assertThat((String) get(alert, "annotations", "summary")).as(name).isNotBlank();
            assertThat(get(alert, "annotations", "runbook")).as(name).isEqualTo("docs/operations.md#runbook");
            if (alert.containsKey("for")) {
                assertThat((String) alert.get("for")).as(name).matches("\\d+[smh]");
            }
            assertMetricsExist(name, expr, known);
            used.addAll(AppConfiguration.metricsIn(expr));
            Map<String, Set<String>> labels = AppConfiguration.labelValues(expr);
            labels.getOrDefault("state", Set.of())
                    .forEach(state ->
                            assertThat(JobState.valueOf(state)).as(name).isNotNull());
            labels.getOrDefault("topic", Set.of())
                    .forEach(topic -> assertThat(topic).as(name).isEqualTo(Topics.JOBS));
        }
        System.out.printf(
                "alerts: %d rules over %s (announced, not yet in the code: %s)%n",
                alerts.size(),
                used,
                used.stream()
                        .filter(m -> m.startsWith("jobfleet_") && !known.contains(m))
                        .toList());
    }

    @Test
    void grafanaGetsPrometheusAndTheDashboardWhoseMetricsTheAppsHave() throws Exception {
        Map<String, Object> datasource = map(get(
                AppConfiguration.yaml()
                        .load(AppConfiguration.read(GRAFANA.resolve("provisioning/datasources/prometheus.yml"))),
                "datasources",
                "0"));
        Map<String, Object> provider = map(get(
                AppConfiguration.yaml()
                        .load(AppConfiguration.read(GRAFANA.resolve("provisioning/dashboards/jobfleet.yml"))),
                "providers",
                "0"));
        Map<String, String> mounts = mounts("grafana");
        String prometheusPort =
                list(service("prometheus").get("ports")).getFirst().toString().split(":")[1];

        assertThat(datasource.get("url")).isEqualTo("http://prometheus:" + prometheusPort);
        assertThat(datasource.get("isDefault")).isEqualTo(true);
        assertThat(mounts).containsEntry("../grafana/provisioning", "/etc/grafana/provisioning");
        assertThat(Path.of(mounts.get("../grafana/jobfleet.json")).getParent().toString())
                .isEqualTo(get(provider, "options", "path"));
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(GRAFANA.resolve("jobfleet.json")));
        Set<String> known = AppConfiguration.prometheusMetrics();
        List<String> exprs = new ArrayList<>();
        dashboard
                .get("panels")
                .forEach(panel -> panel.path("targets")
                        .forEach(t -> exprs.add(t.path("expr").asString())));
        assertThat(exprs).isNotEmpty();
        exprs.forEach(expr -> assertMetricsExist("dashboard", expr, known));
    }

    private static void assertMetricsExist(String where, String expr, Set<String> known) {
        for (String metric : AppConfiguration.metricsIn(expr)) {
            if (metric.startsWith("kafka_")) {
                // Micrometer's Kafka client binder (Spring Kafka registers it on the consumer factory)
                assertThat(metric).as(where).isEqualTo("kafka_consumer_fetch_manager_records_lag");
            } else {
                assertThat(known.contains(metric) || AppConfiguration.ANNOUNCED_METRICS.contains(metric))
                        .as("%s uses %s; the apps register %s", where, metric, known)
                        .isTrue();
            }
        }
    }

    private Map<String, Object> services() {
        return map(compose.get("services"));
    }

    private Map<String, Object> service(String name) {
        Map<String, Object> service = map(services().get(name));
        assertThat(service).as("service %s in %s", name, COMPOSE).isNotEmpty();
        return service;
    }

    /** The service's environment, YAML merge keys resolved. */
    private Map<String, String> environment(String name) {
        Map<String, String> env = new LinkedHashMap<>();
        map(service(name).get("environment")).forEach((k, v) -> env.put(k, v == null ? null : v.toString()));
        return env;
    }

    private String env(String service, String name) {
        return environment(service).get(name);
    }

    /** Bind mounts of a service: source -> target. */
    private Map<String, String> mounts(String name) {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (Object volume : list(service(name).get("volumes"))) {
            String[] parts = volume.toString().split(":");
            mounts.put(parts[0], parts[1]);
        }
        return mounts;
    }

    /** {@code NAME://host:port,...} -> name -> host:port. */
    private static Map<String, String> listeners(String spec) {
        Map<String, String> listeners = new LinkedHashMap<>();
        for (String listener : spec.split(",")) {
            String[] parts = listener.split("://");
            listeners.put(parts[0], parts[1]);
        }
        return listeners;
    }

    /** {@code NAME://:port,...} -> name -> port. */
    private static Map<String, String> listenerPorts(String spec) {
        Map<String, String> ports = new LinkedHashMap<>();
        listeners(spec).forEach((name, hostPort) -> ports.put(name, hostPort.substring(hostPort.lastIndexOf(':') + 1)));
        return ports;
    }

    private static String minor(String version) {
        String[] parts = version.split("\\.");
        return parts[0] + "." + parts[1];
    }
}
