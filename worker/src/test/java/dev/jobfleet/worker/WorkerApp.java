package dev.jobfleet.worker;

import dev.jobfleet.store.TestDatabase;
import java.util.LinkedHashMap;
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
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spring.datasource.url", db.url());
        all.put("spring.datasource.username", db.user());
        all.put("spring.datasource.hikari.maximum-pool-size", "8");
        // a non-UTC session on purpose, as in the store's tests
        all.put(
                "spring.datasource.hikari.data-source-properties.options",
                "-c TimeZone=" + TestDatabase.SESSION_TIME_ZONE);
        all.put("spring.kafka.bootstrap-servers", kafka.bootstrap());
        all.put("server.port", "0");
        all.put("jobfleet.worker.id", workerId);
        all.put("jobfleet.worker.topic-partitions", "3");
        all.put("jobfleet.worker.queue-metrics-interval", "500ms");
        all.putAll(settings);
        String[] args = all.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(WorkerApplication.class).run(args);
    }
}
