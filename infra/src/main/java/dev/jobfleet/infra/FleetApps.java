package dev.jobfleet.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Spring Boot apps of the local fleet, each its own application context in this JVM, started
 * with explicit properties and closed in the order they were started.
 *
 * <p>Three apps on one classpath need a little care, handled here: each context gets its own JMX
 * domain, pool name, Kafka client id and meter registry (not the global one), and reads only the
 * {@code application.*} files of its own jar, because {@code classpath:application.yml} would
 * otherwise be the first module's file for all of them. Properties are passed as command-line
 * arguments so that they win over environment variables such as {@code SERVER_PORT}.
 */
final class FleetApps implements AutoCloseable {
    static final String LOGGING_CONFIG = "dev/jobfleet/infra/fleet-logback.xml";

    private final List<Running> running = new ArrayList<>();

    /**
     * A started app; {@code port} is the one its web server listens on, {@code managementPort} its
     * actuator's.
     */
    record Running(String name, int port, int managementPort, ConfigurableApplicationContext context) {}

    /**
     * Where the apps find PostgreSQL and Kafka, and where they log. The apps connect as {@code
     * username} (the app role, DML only) and migrate as {@code ownerUser} (the schema's owner).
     */
    record Backends(
            String jdbcUrl,
            String username,
            String password,
            String ownerUser,
            String ownerPassword,
            String bootstrapServers,
            Path logFile) {}

    /**
     * Start {@code application} as {@code name} on {@code port}, its actuator on {@code
     * managementPort} (0: free ones, see {@link Running}); {@code extra} goes over the defaults.
     */
    synchronized Running start(
            String name,
            Class<?> application,
            int port,
            int managementPort,
            Backends backends,
            Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.application.name", name);
        properties.put("server.port", Integer.toString(port));
        properties.put("management.server.port", Integer.toString(managementPort));
        properties.put("spring.datasource.url", backends.jdbcUrl());
        properties.put("spring.datasource.username", backends.username());
        properties.put("spring.datasource.password", backends.password());
        properties.put("spring.flyway.user", backends.ownerUser());
        properties.put("spring.flyway.password", backends.ownerPassword());
        properties.put("spring.datasource.hikari.pool-name", name);
        properties.put("spring.kafka.bootstrap-servers", backends.bootstrapServers());
        properties.put("spring.kafka.client-id", name);
        properties.put("spring.jmx.enabled", "false");
        properties.put("spring.jmx.default-domain", "jobfleet." + name);
        properties.put("management.metrics.use-global-registry", "false");
        properties.put("management.endpoints.web.exposure.include", "health,info,metrics,prometheus");
        properties.put("spring.config.location", ownConfigLocations(application));
        properties.put("logging.config", "classpath:" + LOGGING_CONFIG);
        properties.put("logging.file.name", backends.logFile().toString());
        // LocalFleet's own hook closes the apps, then the broker and the database, in that order
        properties.put("logging.register-shutdown-hook", "false");
        properties.putAll(extra);

        String[] args = properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .run(args);
        Running app = new Running(
                name,
                actualPort(context, port),
                Integer.parseInt(context.getEnvironment().getProperty("local.management.port", "-1")),
                context);
        running.add(app);
        return app;
    }

    /** The port the app's web server listens on: {@code requested}, or the one picked for port 0. */
    private static int actualPort(ConfigurableApplicationContext context, int requested) {
        return context instanceof WebServerApplicationContext web && web.getWebServer() != null
                ? web.getWebServer().getPort()
                : requested;
    }

    synchronized List<Running> running() {
        return List.copyOf(running);
    }

    /** Close every app, first started first; one that fails to close does not keep the others up. */
    @Override
    public synchronized void close() {
        for (Running app : running) {
            try {
                app.context().close();
            } catch (RuntimeException e) {
                System.err.println("could not close " + app.name() + ": " + e);
            }
        }
        running.clear();
    }

    /**
     * {@code spring.config.location} naming only the {@code application.*} files found in the jar (or
     * classes directory) of {@code application}; a location that matches nothing when it has none.
     */
    static String ownConfigLocations(Class<?> application) {
        return ownConfigLocations(
                application.getProtectionDomain().getCodeSource().getLocation(), application.getSimpleName());
    }

    static String ownConfigLocations(URL source, String appName) {
        try (URLClassLoader only = new URLClassLoader(new URL[] {source}, null)) {
            List<String> found = Stream.of("", "config/")
                    .flatMap(dir -> Stream.of("properties", "yaml", "yml").map(ext -> dir + "application." + ext))
                    .map(only::findResource)
                    .filter(Objects::nonNull)
                    .map(url -> "optional:" + url)
                    .toList();
            return found.isEmpty()
                    ? "optional:classpath:/jobfleet-" + appName + "-has-no-config/"
                    : String.join(",", found);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look into " + source, e);
        }
    }
}
