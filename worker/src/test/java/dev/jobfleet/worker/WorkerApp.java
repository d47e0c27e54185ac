package dev.jobfleet.worker;

import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.api.JobHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the real worker application against a test database and broker. */
final class WorkerApp {
    static final String GROUP = "jobfleet-workers";

    private WorkerApp() {}

    /**
     * @param settings on top of the test defaults below, as command-line arguments so that they
     *     win over application.yml
     */
    static ConfigurableApplicationContext start(
            String workerId, TestDatabase db, TestBroker kafka, Map<String, String> settings) {
        return start(workerId, db, kafka, settings, List.of());
    }

    /** Same, with test handlers registered next to the demo handlers. */
    static ConfigurableApplicationContext start(
            String workerId,
            TestDatabase db,
            TestBroker kafka,
            Map<String, String> settings,
            List<? extends JobHandler> handlers) {
        return new SpringApplicationBuilder(WorkerApplication.class)
                .initializers(context -> handlers.forEach(handler ->
                        context.getBeanFactory().registerSingleton("testHandler-" + handler.type(), handler)))
                .run(args(workerId, db, kafka, settings).toArray(String[]::new));
    }

    /** The port of a started worker's actuator (its management port). */
    static int managementPort(ConfigurableApplicationContext worker) {
        return Integer.parseInt(worker.getEnvironment().getRequiredProperty("local.management.port"));
    }

    /** The command-line arguments of a worker with the test defaults and {@code settings} on top. */
    static List<String> args(String workerId, TestDatabase db, TestBroker kafka, Map<String, String> settings) {
        return args(workerId, db, kafka.bootstrap(), settings);
    }

    static List<String> args(String workerId, TestDatabase db, String bootstrap, Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spring.datasource.url", db.url());
        // the role the worker gets in production: DML only (V6)
        all.put("spring.datasource.username", TestDatabase.APP_ROLE);
        all.put("spring.datasource.hikari.maximum-pool-size", "8");
        // a non-UTC session on purpose, as in the store's tests
        all.put(
                "spring.datasource.hikari.data-source-properties.options",
                // commits without waiting for fsync, as the test pools do: these tests prove concurrency,
                // not crash durability (the demo audit commits twice per job)
                "-c TimeZone=" + TestDatabase.SESSION_TIME_ZONE + " -c synchronous_commit=off");
        all.put("spring.kafka.bootstrap-servers", bootstrap);
        all.put("server.port", "0");
        all.put("management.server.port", "0");
        all.put("jobfleet.worker.id", workerId);
        all.put("jobfleet.worker.topic-partitions", "3");
        all.put("jobfleet.worker.queue-metrics-interval", "500ms");
        all.putAll(settings);
        return all.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toList();
    }
}
