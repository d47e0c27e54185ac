package dev.jobfleet.infra.k8s;

import static dev.jobfleet.infra.deploy.AppConfiguration.get;
import static dev.jobfleet.infra.deploy.AppConfiguration.map;
import static dev.jobfleet.infra.deploy.AppConfiguration.maps;
import static dev.jobfleet.infra.deploy.AppConfiguration.read;
import static dev.jobfleet.infra.deploy.AppConfiguration.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.infra.deploy.AppConfiguration;
import dev.jobfleet.infra.deploy.AppConfiguration.App;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;

/**
 * The Kubernetes manifests in {@code infra/k8s} parse, and what has to agree agrees: the worker's
 * termination grace against its shutdown grace, its id from the pod name, the probes on the
 * actuator's health groups on the management port, the ports and setting names against the apps'
 * own configuration ({@link AppConfiguration}), the two database roles and the token Secret, and the
 * autoscalers against the ConfigMap (group, topic, brokers, partitions).
 */
class KubernetesManifestsTest {
    /** From the module directory, where surefire runs. */
    private static final Path K8S = Path.of("k8s");

    private static final Path WORKER_DEFAULTS = Path.of("..", "worker", "src", "main", "resources", "application.yml");

    /** What a worker needs after its shutdown grace: releasing unfinished runs (up to 5 s), committing, exiting. */
    private static final Duration AFTER_GRACE = Duration.ofSeconds(10);

    private static final Pattern SECURITY_TOKEN = Pattern.compile("JOBFLEET_SECURITY_TOKENS_([A-Z0-9]+)_(ROLE|HASH)");

    private final List<Resource> resources = load();

    @Test
    void everyManifestParsesAndLeavesTheNamespaceToKubectl() {
        assertThat(resources)
                .extracting(Resource::id)
                .contains(
                        "ConfigMap/jobfleet-config",
                        "Secret/jobfleet-db",
                        "Secret/jobfleet-db-owner",
                        "Secret/jobfleet-api-tokens",
                        "Deployment/jobfleet-producer",
                        "Service/jobfleet-producer",
                        "Deployment/jobfleet-worker",
                        "Service/jobfleet-worker",
                        "PodDisruptionBudget/jobfleet-worker",
                        "ScaledObject/jobfleet-worker",
                        "HorizontalPodAutoscaler/jobfleet-worker")
                .doesNotHaveDuplicates();
        assertThat(resources).allSatisfy(r -> {
            assertThat(r.get("apiVersion")).as(r.id()).isInstanceOf(String.class);
            assertThat(r.get("metadata", "namespace")).as(r.id()).isNull();
        });
    }

    @Test
    void everyEnvironmentValueIsAString() {
        // Kubernetes refuses `value: 16` or `value: true`; YAML reads them as numbers and booleans
        for (Resource deployment : kind("Deployment")) {
            for (Map<String, Object> env : maps(deployment.get("spec", "template", "spec", "containers", "0", "env"))) {
                if (env.containsKey("value")) {
                    assertThat(env.get("value"))
                            .as("%s %s", deployment.id(), env.get("name"))
                            .isInstanceOf(String.class);
                }
            }
        }
        for (Resource configMap : kind("ConfigMap")) {
            map(configMap.get("data"))
                    .forEach((name, value) ->
                            assertThat(value).as("%s %s", configMap.id(), name).isInstanceOf(String.class));
        }
    }

    @Test
    void everyAppExitsOnOutOfMemoryError() {
        // a JVM that lives on after an OutOfMemoryError may have lost a periodic task (heartbeat, poller)
        for (String app : new String[] {"Deployment/jobfleet-worker", "Deployment/jobfleet-producer"}) {
            assertThat(env(resource(app), "JAVA_TOOL_OPTIONS", "")).as(app).contains("-XX:+ExitOnOutOfMemoryError");
        }
    }

    @Test
    void theWorkersTerminationGracePeriodExceedsItsShutdownGrace() {
        Resource worker = resource("Deployment/jobfleet-worker");
        Duration grace = DurationStyle.detectAndParse(env(worker, "JOBFLEET_WORKER_SHUTDOWN_GRACE", workerDefault()));
        Duration termination = Duration.ofSeconds(
                ((Number) worker.get("spec", "template", "spec", "terminationGracePeriodSeconds")).longValue());

        System.out.printf("worker: shutdown grace %s, terminationGracePeriodSeconds %s%n", grace, termination);
        assertThat(termination).isGreaterThanOrEqualTo(grace.plus(AFTER_GRACE));
    }

    @Test
    void theWorkerIsNamedAfterItsPodAndProbedOnTheActuatorHealthGroups() {
        Resource worker = resource("Deployment/jobfleet-worker");
        Map<String, Object> id = envEntry(worker, "JOBFLEET_WORKER_ID");

        assertThat(map(id.get("valueFrom")).get("fieldRef")).isEqualTo(Map.of("fieldPath", "metadata.name"));
        assertProbes(worker);
        assertThat(worker.get("spec", "template", "spec", "containers", "0", "resources", "requests"))
                .isNotNull();
        assertThat(worker.get("spec", "template", "spec", "containers", "0", "resources", "limits", "memory"))
                .isNotNull();
    }

    @Test
    void theProducerIsProbedAndGetsItsDatabaseAndBrokersFromTheConfigMapAndTheSecret() {
        Resource producer = resource("Deployment/jobfleet-producer");

        assertProbes(producer);
        assertThat(env(producer, "SPRING_DATASOURCE_URL", null)).startsWith("jdbc:postgresql://");
        assertThat(env(producer, "SPRING_KAFKA_BOOTSTRAP_SERVERS", null)).isNotBlank();
        assertThat(env(producer, "SPRING_DATASOURCE_PASSWORD", null)).isNotNull();
        assertThat(maps(producer.get("spec", "template", "spec", "containers", "0", "envFrom")))
                .anySatisfy(from -> assertThat(from).containsKey("secretRef"));
    }

    @Test
    void theAppsServeOnTheirPortsAndActuatorOnlyOnTheManagementPort() {
        for (App app : App.values()) {
            Resource deployment = resource("Deployment/jobfleet-" + app.module());
            Map<String, Object> container = map(deployment.get("spec", "template", "spec", "containers", "0"));
            Map<String, Object> annotations = map(deployment.get("spec", "template", "metadata", "annotations"));

            assertThat(containerPort(container, "http")).as(app.module()).isEqualTo(app.serverPort());
            assertThat(env(deployment, "SERVER_PORT", null)).isEqualTo(Integer.toString(app.serverPort()));
            assertThat(containerPort(container, "management")).as(app.module()).isEqualTo(app.managementPort());
            assertThat(env(deployment, "MANAGEMENT_SERVER_PORT", null))
                    .isEqualTo(Integer.toString(app.managementPort()));
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertThat(get(container, probe, "httpGet", "port"))
                        .as("%s %s", app.module(), probe)
                        .isEqualTo("management");
                assertThat((String) get(container, probe, "httpGet", "path"))
                        .startsWith(app.actuatorBasePath() + "/health/");
            }
            assertThat(annotations)
                    .containsEntry("prometheus.io/port", Integer.toString(app.managementPort()))
                    .containsEntry("prometheus.io/path", app.actuatorBasePath() + "/prometheus");
            System.out.printf(
                    "k8s: %s on %d, management on %d (from %s)%n",
                    app.module(), app.serverPort(), app.managementPort(), app.managementPortSource());
        }
        assertThat(maps(resource("Service/jobfleet-producer").get("spec", "ports")))
                .as("the API, not actuator, behind the producer's Service")
                .extracting(p -> p.get("targetPort"))
                .containsExactly("http");
        assertThat(maps(resource("Service/jobfleet-worker").get("spec", "ports")))
                .extracting(p -> p.get("targetPort"))
                .containsExactly("management");
    }

    @Test
    void theProducerMigratesAsTheOwnerAndBothAppsConnectAsTheAppRole() {
        Resource producer = resource("Deployment/jobfleet-producer");
        Resource worker = resource("Deployment/jobfleet-worker");

        for (Resource app : List.of(producer, worker)) {
            assertThat(env(app, "SPRING_DATASOURCE_USERNAME", null))
                    .as(app.id())
                    .isEqualTo("jobfleet_app");
            assertThat(env(app, "SPRING_DATASOURCE_PASSWORD", null))
                    .as(app.id())
                    .isNotBlank();
        }
        assertThat(env(producer, "SPRING_FLYWAY_USER", null)).isEqualTo("jobfleet_owner");
        assertThat(env(producer, "SPRING_FLYWAY_PASSWORD", null)).isNotBlank();
        assertThat(secretsOf(producer)).contains("jobfleet-db", "jobfleet-db-owner", "jobfleet-api-tokens");
        assertThat(secretsOf(worker)).containsExactly("jobfleet-db");
        assertThat(env(worker, "SPRING_FLYWAY_USER", null)).isNull();
        assertThat(env(worker, "SPRING_FLYWAY_ENABLED", null)).isEqualTo("false");
    }

    @Test
    void theTokenSecretHoldsARoleAndAHashForEveryToken() {
        Map<String, Object> tokens = map(resource("Secret/jobfleet-api-tokens").get("stringData"));
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        tokens.forEach((key, value) -> {
            Matcher m = SECURITY_TOKEN.matcher(key);
            assertThat(m.matches())
                    .as("%s is JOBFLEET_SECURITY_TOKENS_<NAME>_ROLE or _HASH", key)
                    .isTrue();
            byName.computeIfAbsent(m.group(1), n -> new LinkedHashMap<>()).put(m.group(2), (String) value);
        });

        assertThat(byName).containsKey("OPERATOR");
        byName.forEach((name, token) -> {
            assertThat(token.get("ROLE")).as(name).isIn("submitter", "viewer", "operator");
            assertThat(token.get("HASH"))
                    .as("%s: a DelegatingPasswordEncoder string", name)
                    .matches("\\{[a-z0-9@_-]+}.+");
        });
    }

    @Test
    void everyJobfleetSettingInTheManifestsIsOneTheAppsBind() {
        List<String> names = new ArrayList<>();
        for (Resource deployment : kind("Deployment")) {
            maps(deployment.get("spec", "template", "spec", "containers", "0", "env"))
                    .forEach(e -> names.add((String) e.get("name")));
        }
        kind("ConfigMap").forEach(c -> names.addAll(map(c.get("data")).keySet()));
        List<String> checked = names.stream()
                .filter(n -> n.startsWith("JOBFLEET_PRODUCER_") || n.startsWith("JOBFLEET_WORKER_"))
                .distinct()
                .toList();

        assertThat(checked).isNotEmpty();
        for (String name : checked) {
            App app = name.startsWith("JOBFLEET_PRODUCER_") ? App.PRODUCER : App.WORKER;
            assertThat(app.accepts(name)).as("%s binds %s", app.module(), name).isTrue();
        }
        assertThat(App.WORKER.accepts("JOBFLEET_WORKER_NO_SUCH_SETTING"))
                .as("the check can fail")
                .isFalse();
    }

    @Test
    void theAutoscalersWatchTheWorkersGroupAndStopAtThePartitionCount() {
        Resource worker = resource("Deployment/jobfleet-worker");
        int partitions = Integer.parseInt(env(worker, "JOBFLEET_WORKER_TOPIC_PARTITIONS", null));
        Resource keda = resource("ScaledObject/jobfleet-worker");
        Map<String, Object> trigger = map(keda.get("spec", "triggers", "0"));
        Map<String, Object> metadata = map(trigger.get("metadata"));

        assertThat(keda.get("spec", "scaleTargetRef", "name")).isEqualTo("jobfleet-worker");
        assertThat(trigger.get("type")).isEqualTo("kafka");
        assertThat(metadata.get("topic")).isEqualTo("jobfleet.jobs");
        assertThat(metadata.get("consumerGroup"))
                .isEqualTo(env(worker, "JOBFLEET_WORKER_GROUP_ID", "jobfleet-workers"))
                .isEqualTo(env(resource("Deployment/jobfleet-producer"), "JOBFLEET_PRODUCER_FLEET_GROUP_ID", null));
        assertThat(metadata.get("bootstrapServers")).isEqualTo(env(worker, "SPRING_KAFKA_BOOTSTRAP_SERVERS", null));
        assertThat(metadata.get("offsetResetPolicy")).isEqualTo("earliest");
        assertThat(keda.get("spec", "maxReplicaCount")).isEqualTo(partitions);
        assertThat((Integer) keda.get("spec", "minReplicaCount")).isGreaterThanOrEqualTo(1);

        Resource hpa = resource("HorizontalPodAutoscaler/jobfleet-worker");
        assertThat(hpa.get("spec", "scaleTargetRef", "name")).isEqualTo("jobfleet-worker");
        assertThat(hpa.get("spec", "maxReplicas")).isEqualTo(partitions);
        assertThat((Integer) hpa.get("spec", "minReplicas")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void servicesAndTheDisruptionBudgetSelectTheirDeploymentsPods() {
        for (String name : List.of("jobfleet-producer", "jobfleet-worker")) {
            Object labels = resource("Deployment/" + name).get("spec", "template", "metadata", "labels");
            assertThat(map(labels))
                    .containsAllEntriesOf(map(resource("Service/" + name).get("spec", "selector")));
            assertThat(map(resource("Deployment/" + name).get("spec", "selector", "matchLabels")))
                    .isEqualTo(map(resource("Service/" + name).get("spec", "selector")));
        }
        assertThat(resource("PodDisruptionBudget/jobfleet-worker").get("spec", "selector", "matchLabels"))
                .isEqualTo(resource("Deployment/jobfleet-worker").get("spec", "selector", "matchLabels"));
    }

    private static void assertProbes(Resource deployment) {
        Map<String, Object> container = map(deployment.get("spec", "template", "spec", "containers", "0"));
        assertThat(probePath(container, "livenessProbe")).isEqualTo("/actuator/health/liveness");
        assertThat(probePath(container, "readinessProbe")).isEqualTo("/actuator/health/readiness");
        assertThat(probePath(container, "startupProbe")).isEqualTo("/actuator/health/liveness");
        Object port = get(container, "livenessProbe", "httpGet", "port");
        assertThat(maps(container.get("ports")))
                .anySatisfy(p -> assertThat(p.get("name")).isEqualTo(port));
    }

    private static int containerPort(Map<String, Object> container, String name) {
        return maps(container.get("ports")).stream()
                .filter(p -> name.equals(p.get("name")))
                .map(p -> (Integer) p.get("containerPort"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no port " + name + " in " + container.get("name")));
    }

    private static List<String> secretsOf(Resource deployment) {
        return maps(deployment.get("spec", "template", "spec", "containers", "0", "envFrom")).stream()
                .map(from -> (String) get(from, "secretRef", "name"))
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    private static Object probePath(Map<String, Object> container, String probe) {
        return get(container, probe, "httpGet", "path");
    }

    /** A container's environment variable as the pod sees it: its own env, then its ConfigMaps and Secrets. */
    private String env(Resource deployment, String name, String fallback) {
        Map<String, Object> entry = envEntry(deployment, name);
        if (entry != null) {
            return (String) entry.get("value");
        }
        for (Map<String, Object> from :
                maps(deployment.get("spec", "template", "spec", "containers", "0", "envFrom"))) {
            Object configMap = get(from, "configMapRef", "name");
            Object secret = get(from, "secretRef", "name");
            Map<String, Object> values = configMap != null
                    ? map(resource("ConfigMap/" + configMap).get("data"))
                    : map(resource("Secret/" + secret).get("stringData"));
            if (values.containsKey(name)) {
                return (String) values.get(name);
            }
        }
        return fallback;
    }

    private static Map<String, Object> envEntry(Resource deployment, String name) {
        return maps(deployment.get("spec", "template", "spec", "containers", "0", "env")).stream()
                .filter(e -> name.equals(e.get("name")))
                .findFirst()
                .orElse(null);
    }

    /** The worker's default shutdown grace, from its application.yml. */
    private static String workerDefault() {
        Map<String, Object> yml = map(yaml().load(read(WORKER_DEFAULTS)));
        return (String) get(yml, "jobfleet", "worker", "shutdown-grace");
    }

    private Resource resource(String id) {
        return resources.stream()
                .filter(r -> r.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + id + " in " + K8S.toAbsolutePath()));
    }

    private List<Resource> kind(String kind) {
        return resources.stream().filter(r -> r.id().startsWith(kind + "/")).toList();
    }

    private static List<Resource> load() {
        List<Resource> loaded = new ArrayList<>();
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path file : files.filter(f -> f.toString().matches(".*\\.ya?ml"))
                    .sorted()
                    .toList()) {
                for (Object document : yaml().loadAll(read(file))) {
                    if (document != null) {
                        loaded.add(new Resource(file, map(document)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(loaded).as("manifests under %s", K8S.toAbsolutePath()).isNotEmpty();
        return loaded;
    }

    /** One Kubernetes object from one YAML document. */
    private record Resource(Path file, Map<String, Object> document) {
        String id() {
            return document.get("kind") + "/" + AppConfiguration.get(document, "metadata", "name");
        }

        Object get(String... path) {
            return AppConfiguration.get(document, path);
        }
    }
}
