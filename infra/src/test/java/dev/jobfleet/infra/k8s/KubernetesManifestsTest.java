package dev.jobfleet.infra.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests in {@code infra/k8s} parse, and what has to agree agrees: the worker's
 * termination grace against its shutdown grace, its id from the pod name, the probes on the
 * actuator's health groups, and the autoscalers against the ConfigMap (group, topic, brokers,
 * partitions).
 */
class KubernetesManifestsTest {
    /** From the module directory, where surefire runs. */
    private static final Path K8S = Path.of("k8s");

    private static final Path WORKER_DEFAULTS = Path.of("..", "worker", "src", "main", "resources", "application.yml");

    /** What a worker needs after its shutdown grace: releasing unfinished runs (up to 5 s), committing, exiting. */
    private static final Duration AFTER_GRACE = Duration.ofSeconds(10);

    private final List<Resource> resources = load();

    @Test
    void everyManifestParsesAndLeavesTheNamespaceToKubectl() {
        assertThat(resources)
                .extracting(Resource::id)
                .contains(
                        "ConfigMap/jobfleet-config",
                        "Secret/jobfleet-db",
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
            for (Map<String, Object> env : list(deployment.get("spec", "template", "spec", "containers", "0", "env"))) {
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
        assertThat(list(producer.get("spec", "template", "spec", "containers", "0", "envFrom")))
                .anySatisfy(from -> assertThat(from).containsKey("secretRef"));
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
        assertThat(list(container.get("ports")))
                .anySatisfy(p -> assertThat(p.get("name")).isEqualTo(port));
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
                list(deployment.get("spec", "template", "spec", "containers", "0", "envFrom"))) {
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
        return list(deployment.get("spec", "template", "spec", "containers", "0", "env")).stream()
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

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One Kubernetes object from one YAML document. */
    private record Resource(Path file, Map<String, Object> document) {
        String id() {
            return document.get("kind") + "/" + KubernetesManifestsTest.get(document, "metadata", "name");
        }

        Object get(String... path) {
            return KubernetesManifestsTest.get(document, path);
        }
    }

    /** Walks maps by key and lists by index; null where the path ends early. */
    private static Object get(Object node, String... path) {
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
    private static Map<String, Object> map(Object node) {
        return node == null ? Map.of() : new LinkedHashMap<>((Map<String, Object>) node);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object node) {
        return node == null ? List.of() : (List<Map<String, Object>>) node;
    }
}
